// Markdown table of a formats.mjs result, printed and written into benchmarks/README.md between
// the formats-results markers. Ratio: the row's wall time ÷ JSON_MIN's (null sink) over the same
// file in the same run; targets: ratio ≤ 3, and peak RSS at 1M within 10% of 100k.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const f = (n, d = 1) => (n === null || n === undefined ? '—' : n.toFixed(d));
const k = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}k`);
const mb = (b) => (b === null || b === undefined ? 'null' : (b / 1e6).toFixed(b < 1e7 ? 1 : 0));

/** `block`: the README marker pair to write between (`<!-- <block>:start -->` … `:end -->`). */
export function formatsReport(result, file, block = 'formats-results') {
  const rows = result.rows;
  const base = (r) => rows.find((b) => b.size === r.size && b.kind === r.kind && b.format === 'JSON_MIN' && b.to === 'null');
  const m = result.machine;
  const lines = [
    `Run of ${result.startedAt} (\`${relative(join(here, '..'), file)}\`), ${result.runs} run(s) per row (best wall time, max RSS).`,
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memGB} GB RAM, Node ${m.node}; load average at start ${m.loadavg.map((x) => x.toFixed(2)).join(' / ')}. Peak RSS via ${m.rssMethod}.`,
    '',
    '| size | kind (input MB) | format | to | wall s | cpu s | tasks/s | MB/s | × JSON_MIN wall | × JSON_MIN cpu | peak RSS MB | spool max MB | output MB | skipped |',
    '|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const targets = [];
  for (const r of rows) {
    const b = base(r);
    const ratio = b ? r.wallS / b.wallS : null;
    const cpuRatio = b && r.cpuS && b.cpuS ? r.cpuS / b.cpuS : null;
    const media = r.media === 'offline' ? ' (--offline)' : r.media === 'local-http' ? ' (127.0.0.1 media)' : '';
    lines.push(
      `| ${r.size} | ${r.kind} (${(r.inputBytes / 1e6).toFixed(0)}) | ${r.format}${media} | ${r.to} | ${f(r.wallS, 2)} | ${f(r.cpuS, 2)} | ${k(r.tasksPerS)} | ${f(r.mbPerS)} | ${r.format === 'JSON_MIN' ? '1.00' : f(ratio, 2)} | ${r.format === 'JSON_MIN' ? '1.00' : f(cpuRatio, 2)} | ${f(r.peakRssMB, 0)} | ${mb(r.spoolMaxBytes)} | ${mb(r.outputBytes)} | ${r.skipped} |`,
    );
    if (r.format !== 'JSON_MIN' && ratio !== null) {
      const cpu = cpuRatio === null ? '' : `; in CPU time ${cpuRatio.toFixed(2)}×${(cpuRatio <= 3) !== (ratio <= 3) ? (cpuRatio <= 3 ? ' ✅' : ' ❌') : ''}`;
      targets.push(`- ${ratio <= 3 ? '✅' : '❌'} ${r.scenario} ${r.size}: ${ratio.toFixed(2)}× JSON_MIN's wall time (≤ 3×)${cpu}`);
    }
  }
  const sizes = [...new Set(rows.map((r) => r.size))];
  for (const r of rows.filter((x) => x.size === '1M')) {
    const small = rows.find((x) => x.size === '100k' && x.scenario === r.scenario);
    if (!small) continue;
    const growth = (r.peakRssMB / small.peakRssMB - 1) * 100;
    targets.push(`- ${growth <= 10 ? '✅' : '❌'} ${r.scenario} peak RSS 1M vs 100k: ${r.peakRssMB.toFixed(0)} vs ${small.peakRssMB.toFixed(0)} MB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)}%, target ≤ +10%)`);
  }
  if (!sizes.includes('1M')) targets.push('- ◻ peak RSS at 1M within 10% of 100k: not measured in this run');
  const table = [...lines, '', 'Targets:', '', ...targets].join('\n');
  console.log(table);
  const readme = join(here, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const start = `<!-- ${block}:start -->`;
  const end = `<!-- ${block}:end -->`;
  if (text.includes(start) && text.includes(end) && process.env.BENCH_README !== '0') {
    writeFileSync(readme, text.slice(0, text.indexOf(start) + start.length) + `\n${table}\n` + text.slice(text.indexOf(end)));
  }
}
