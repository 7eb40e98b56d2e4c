// Renders a results file as the Markdown block of benchmarks/README.md (between the
// `<!-- results:start -->` and `<!-- results:end -->` markers) and checks the targets.

import { readFileSync, writeFileSync } from 'node:fs';

const fmt = (n, d = 1) => (n === null || n === undefined || Number.isNaN(n) ? '—' : n.toFixed(d));
const thousands = (n) => (n >= 1e6 ? `${fmt(n / 1e6, 2)}M` : n >= 1e3 ? `${fmt(n / 1e3, 1)}k` : String(Math.round(n)));

/** Target checks: [{target, value, ok}] (ok null when the run did not include what is needed). */
export function checkTargets(results) {
  const out = [];
  for (const size of results.sizes) {
    const row = results.scenarios.find((s) => s.size === size && s.name === 'json-to-json');
    if (row) {
      const cpu = row.cpuRatio ? `; in CPU time ${fmt(row.cpuRatio * 100, 0)}%` : '';
      out.push({ target: `JSON→JSON ≥ 50% of the scanner limit (${size})`, value: `${fmt(row.ratio * 100, 0)}% (wall)${cpu}`, ok: row.ratio >= 0.5 });
    }
  }
  for (const size of results.sizes) {
    for (const name of ['pg-to-json', 'pg-to-json-min', 'sqlite-to-json', 'sqlite-to-json-min', 'pg-to-json-w1', 'pg-to-json-min-w1', 'sqlite-to-json-w1', 'sqlite-to-json-min-w1']) {
      const row = results.scenarios.find((s) => s.size === size && s.name === name);
      if (!row) continue;
      // Paired runs (--paired): judged on the median ratio of back-to-back limit/scenario pairs,
      // which a change of the machine's speed during the run cannot skew; the unpaired ratio is shown too.
      const paired = row.pairedRatio === undefined ? '' : `; paired ${fmt(row.pairedRatio * 100, 0)}% (median of ${row.pairedRatios.map((x) => fmt(x * 100, 0)).join(', ')})`;
      out.push({ target: `${name} ≥ 50% of the ${row.limit} limit (${size})`, value: `${fmt(row.ratio * 100, 0)}% (wall)${paired}`, ok: (row.pairedRatio ?? row.ratio) >= 0.5 });
    }
  }
  const peak = (size) => Math.max(...results.scenarios.filter((s) => s.size === size).map((s) => s.peakRssMB));
  const has = (size) => results.scenarios.some((s) => s.size === size);
  if (has('1M')) {
    const p1m = peak('1M');
    out.push({ target: 'peak RSS at 1M < 256 MB (max over scenarios)', value: `${fmt(p1m, 0)} MB`, ok: p1m < 256 });
    if (has('100k')) {
      const p100k = peak('100k');
      out.push({ target: 'peak RSS at 1M within 10% of 100k', value: `${fmt(p1m, 0)} vs ${fmt(p100k, 0)} MB (${fmt(((p1m - p100k) / p100k) * 100, 1)}%)`, ok: p1m <= p100k * 1.1 });
    }
  } else {
    out.push({ target: 'peak RSS at 1M < 256 MB and within 10% of 100k', value: 'not measured in this run (add --sizes …,1M)', ok: null });
  }
  return out;
}

export function renderMarkdown(results, resultsPath) {
  const m = results.machine;
  const lines = [];
  lines.push(`Run of ${results.date} (\`${resultsPath}\`), kind \`${results.kind}\`, ${results.runs} run(s) per row (best wall time, max RSS)${results.paired ? '; each scenario run right after a run of its limit ("paired": median of those pairs\' ratios)' : ''}.`);
  lines.push(`Machine: ${m.nproc} CPUs (${m.cpu}), ${fmt(m.memGB, 0)} GB RAM, Node ${m.node}, ${m.os}; load average at start ${m.loadavg.map((x) => fmt(x, 2)).join(' / ')}. Peak RSS via ${results.rssMethod}.`);
  lines.push('');
  const paired = results.paired === true;
  lines.push(`| size | input | scenario | wall s | in-process s | cpu s | tasks/s | MB/s | limit MB/s | % of limit |${paired ? ' % of limit (paired) |' : ''} % of limit (cpu) | peak RSS MB | output MB |`);
  lines.push(`|---|---|---|---:|---:|---:|---:|---:|---:|---:|${paired ? '---:|' : ''}---:|---:|---:|`);
  for (const size of results.sizes) {
    const ds = results.datasets.find((d) => d.size === size);
    for (const [name, l] of Object.entries(results.limits.filter((x) => x.size === size).reduce((a, x) => ({ ...a, [x.name]: x }), {}))) {
      lines.push(`| ${size} | ${l.input} ${fmt(l.inputBytes / 1e6, 0)} MB | *limit: ${name}* | ${fmt(l.wallS, 2)} | — | ${fmt(l.cpuS, 2)} | ${thousands(l.tasksPerS)} | ${fmt(l.mbPerS)} | — | 100 |${paired ? ' 100 |' : ''} 100 | ${fmt(l.peakRssMB, 0)} | — |`);
    }
    for (const s of results.scenarios.filter((x) => x.size === size)) {
      const status = s.code === 0 ? '' : ` **(exit ${s.code})**`;
      lines.push(
        `| ${size} | ${s.input} | ${s.name}${status} | ${fmt(s.wallS, 2)} | ${fmt(s.inProcessS, 2)} | ${fmt(s.cpuS, 2)} | ${thousands(s.tasksPerS)} | ${fmt(s.mbPerS)} | ${fmt(s.limitMbPerS)} | ${fmt(s.ratio * 100, 0)} |${paired ? ` ${s.pairedRatio === undefined ? '—' : fmt(s.pairedRatio * 100, 0)} |` : ''} ${s.cpuRatio ? fmt(s.cpuRatio * 100, 0) : '—'} | ${fmt(s.peakRssMB, 0)} | ${s.outputBytes === null ? 'null' : fmt(s.outputBytes / 1e6, 0)} |`,
      );
    }
    if (ds) lines.push(`| ${size} | | *dataset: ${thousands(ds.tasks)} tasks, JSON ${fmt(ds.jsonBytes / 1e6, 0)} MB, NDJSON ${fmt(ds.ndjsonBytes / 1e6, 0)} MB* | | | | | | | | |${paired ? ' |' : ''} | |`);
  }
  lines.push('');
  lines.push('Targets:');
  lines.push('');
  for (const t of checkTargets(results)) lines.push(`- ${t.ok === null ? '◻' : t.ok ? '✅' : '❌'} ${t.target}: ${t.value}`);
  return lines.join('\n');
}

/** Runs of database scenarios only go to their own README block (`db-results`). */
export function readmeBlock(results) {
  return results.scenarios.length > 0 && results.scenarios.every((s) => s.input === 'pg' || s.input === 'sqlite') ? 'db-results' : 'results';
}

export function updateReadme(readmePath, results, resultsPath) {
  const text = readFileSync(readmePath, 'utf8');
  const block = readmeBlock(results);
  const start = `<!-- ${block}:start -->`;
  const end = `<!-- ${block}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${readmePath}: markers ${start} … ${end} not found`);
  writeFileSync(readmePath, `${text.slice(0, a + start.length)}\n${renderMarkdown(results, resultsPath)}\n${text.slice(b)}`);
}
