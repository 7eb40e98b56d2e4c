#!/usr/bin/env node
// Format benchmarks (issue 5): every converter format over a generated project of its matching
// kind, next to JSON_MIN over the same file in the same run. Each row is a `labelstream export`
// child measured with measure.mjs (wall, CPU, peak RSS); the run's --tmp-dir is a fresh folder whose
// size is sampled with `du` every 200 ms while the child runs (disk used for spooling and media).
//
//   node benchmarks/formats.mjs                                # 100k, all scenarios
//   node benchmarks/formats.mjs --sizes 100k,1M --only json-min,csv,coco,yolo,conll
//   node benchmarks/formats.mjs --sizes 10k --kinds brush
//   node benchmarks/formats.mjs --report benchmarks/results/<file>.json --block formats-100k   # table only
//   (--block names the README marker pair the table is written between; default formats-results)
//
// Media: *_WITH_IMAGES run with --offline (no network: every image is then unavailable, counted as
// skipped, and the row measures the encoder without copies). ASR_MANIFEST fetches its audio from a
// local HTTP server on 127.0.0.1 started here (every /data/upload/… path answers a 0.1 s WAV):
// the generated audio URLs are all /data/upload paths, so nothing leaves the machine.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { measure, rssMethod } from './measure.mjs';
import { formatScenarios } from './formats-scenarios.mjs';
import { formatsReport } from './formats-report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
// BENCH_CLI: a private build's cli.js to run instead of dist/ (other people rebuilding dist/ mid-run break the CLI).
const CLI = process.env.BENCH_CLI ?? join(root, 'dist', 'cli.js');
const dataDir = join(here, 'data', 'formats');
const run = promisify(execFile);

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const countOf = (s) => Math.round(Number(s.replace(/[kKmM]$/, '')) * (/k$/i.test(s) ? 1e3 : /m$/i.test(s) ? 1e6 : 1));

async function du(dir) {
  try {
    const { stdout } = await run('du', ['-sb', dir]);
    return Number(stdout.split('\t')[0]);
  } catch {
    return 0; // the run removed a file while du walked the folder
  }
}

async function dataset(kind, size) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, `${kind}-${size}.json`);
  const config = join(dataDir, `${kind}.xml`);
  if (!existsSync(file) || !existsSync(config)) {
    console.error(`generating ${kind} ${size} …`);
    await run(process.execPath, [CLI, 'generate', '--tasks', String(countOf(size)), '--kind', kind, '--to', file, '--label-config-out', config], {
      maxBuffer: 1 << 24,
    });
  }
  return { file, config, bytes: statSync(file).size, tasks: countOf(size) };
}

/** A WAV header (16 kHz, 8-bit mono) + 0.1 s of silence: what ASR_MANIFEST measures the duration of. */
function wav() {
  const data = 1600;
  const b = Buffer.alloc(44 + data, 128);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(16000, 24);
  b.writeUInt32LE(16000, 28);
  b.writeUInt16LE(1, 32);
  b.writeUInt16LE(8, 34);
  b.write('data', 36);
  b.writeUInt32LE(data, 40);
  return b;
}

async function mediaServer() {
  const body = wav();
  const server = createServer((req, res) => {
    if (!req.url.startsWith('/data/upload/')) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': body.length }).end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

async function measureRow(sc, d, size, media) {
  const tmp = mkdtempSync(join(dataDir, 'tmp-'));
  const outDir = mkdtempSync(join(dataDir, 'out-'));
  const to = sc.to === 'null' ? 'null' : sc.to === 'dir' ? `${outDir}/out/` : join(outDir, `out.${sc.ext ?? 'out'}`);
  const args = [CLI, 'export', '--from', d.file, '--to', to, '--format', sc.format, '--label-config', d.config, '--tmp-dir', tmp, ...(sc.args ?? [])];
  if (sc.media === 'offline') args.push('--offline');
  if (sc.media === 'local-http') args.push('--ls-url', media.url);
  let maxTmp = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      maxTmp = Math.max(maxTmp, await du(tmp));
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const env = { LABEL_STUDIO_URL: '', LABEL_STUDIO_API_KEY: '' };
  const m = await measure(process.execPath, args, { env });
  sampling = false;
  await sampler;
  const summaryLine = m.stderr.trim().split('\n').reverse().find((l) => l.includes('"summary":true'));
  const summary = summaryLine ? JSON.parse(summaryLine) : null;
  const outBytes = sc.to === 'null' ? null : await du(outDir);
  rmSync(tmp, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
  if (m.code !== 0 || !summary) throw new Error(`${sc.name} ${size} failed (exit ${m.code}): ${m.stderr.slice(-800)}`);
  const skipped = Object.values(summary.skippedByFormat ?? {}).reduce((a, b) => a + b, 0);
  return {
    size,
    kind: sc.kind,
    scenario: sc.name,
    format: sc.format,
    to: sc.to,
    media: sc.media ?? null,
    args: args.slice(1),
    wallS: m.wallS,
    cpuS: m.cpuS,
    inProcessS: summary.seconds,
    tasks: d.tasks,
    inputBytes: d.bytes,
    tasksPerS: d.tasks / m.wallS,
    mbPerS: d.bytes / 1e6 / m.wallS,
    peakRssMB: m.peakRssMB,
    spoolMaxBytes: maxTmp,
    outputBytes: outBytes,
    bytesWritten: summary.bytesWritten,
    tasksWritten: summary.tasksWritten,
    skipped,
    skippedKinds: Object.keys(summary.skippedByFormat ?? {}).length,
  };
}

async function main() {
  const reportOnly = arg('report');
  const block = arg('block', 'formats-results');
  if (reportOnly) return formatsReport(JSON.parse(readFileSync(reportOnly, 'utf8')), reportOnly, block);
  const sizes = arg('sizes', '100k').split(',');
  const only = arg('only')?.split(',');
  const kinds = arg('kinds')?.split(',');
  const runs = Number(arg('runs', '1'));
  const picked = formatScenarios.filter((s) => (!only || only.includes(s.name.split('@')[0]) || only.includes(s.name)) && (!kinds || kinds.includes(s.kind)));
  const media = await mediaServer();
  const result = {
    startedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGB: Math.round(totalmem() / 2 ** 30), node: process.version, loadavg: loadavg(), rssMethod },
    runs,
    rows: [],
  };
  // One file per README block: runs of the same sizes for different blocks must not overwrite each other.
  const out = join(here, 'results', `${result.startedAt.slice(0, 10)}-${block === 'formats-results' ? 'formats' : block}-${sizes.join('-')}.json`);
  try {
    for (const size of sizes) {
      const byKind = new Map();
      for (const sc of picked) {
        if (sc.maxSize && countOf(size) > countOf(sc.maxSize)) continue;
        if (!byKind.has(sc.kind)) byKind.set(sc.kind, await dataset(sc.kind, size));
        const d = byKind.get(sc.kind);
        let best = null;
        for (let r = 0; r < runs; r++) {
          const row = await measureRow(sc, d, size, media);
          if (!best || row.wallS < best.wallS) best = { ...row, peakRssMB: Math.max(row.peakRssMB, best?.peakRssMB ?? 0) };
          else best.peakRssMB = Math.max(best.peakRssMB, row.peakRssMB);
        }
        result.rows.push(best);
        console.error(
          `${size} ${sc.name}: ${best.wallS.toFixed(2)} s, ${(best.tasksPerS / 1000).toFixed(1)}k tasks/s, ${best.peakRssMB.toFixed(0)} MB RSS, spool ${(best.spoolMaxBytes / 1e6).toFixed(1)} MB, skipped ${best.skipped}`,
        );
        writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
      }
      if (countOf(size) >= 1e6 && !process.argv.includes('--keep-data')) for (const d of byKind.values()) rmSync(d.file, { force: true });
    }
  } finally {
    media.server.close();
  }
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  formatsReport(result, out, block);
}

await main();
