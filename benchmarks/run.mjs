#!/usr/bin/env node
// Benchmark harness: generates datasets (benchmarks/data/, git-ignored), measures the component
// limits and every scenario of scenarios.mjs as child processes of the built CLI (dist/), writes
// benchmarks/results/<date>-<sizes>.json and regenerates the table in benchmarks/README.md.
//
//   node benchmarks/run.mjs [--sizes 10k,100k,1M] [--kind image|ner|classification|mixed]
//                           [--runs N] [--only scenario,scenario] [--seed S] [--keep-data]
//   node benchmarks/run.mjs --report benchmarks/results/<file>.json   (README only)
//
// Build first (npm run build). Datasets ≥ 1M tasks (about 2 GB per file) are deleted after the run
// unless --keep-data; smaller ones are kept and reused while the generator is unchanged.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measure, rssMethod } from './measure.mjs';
import { readmeBlock, renderMarkdown, updateReadme } from './report.mjs';
import { limits, scenarios } from './scenarios.mjs';
import { DB_INPUTS, dbInputs, dropDbInputs, stopDbInputs } from './db/inputs.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const DATA = join(HERE, 'data');
const RESULTS = join(HERE, 'results');
const README = join(HERE, 'README.md');
const ENV = { LABELSTREAM_PROGRESS: '0', LABELSTREAM_LOG_LEVEL: 'info' };

const { values: opt } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10k,100k' },
    kind: { type: 'string', default: 'image' },
    runs: { type: 'string', default: '1' },
    only: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'keep-data': { type: 'boolean', default: false },
    // Each scenario run right after a run of its limit, the ratio taken per pair (see README).
    paired: { type: 'boolean', default: false },
    report: { type: 'string' },
  },
});

const log = (msg) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function taskCount(size) {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(size);
  if (!m) throw new Error(`--sizes: "${size}" is not a size like 10k, 100k, 1M`);
  return Math.round(Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2]) ? 1e3 : 1e6));
}

/** Best of the runs: on a shared machine the fastest run is the one least disturbed by others. */
const best = (xs) => (xs.some((x) => x === null || Number.isNaN(x)) ? null : Math.min(...xs));

function summaryOf(stderr) {
  for (const line of stderr.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      const j = JSON.parse(line);
      if (j.summary === true || j.msg === 'generated') return j;
    } catch {
      // not a log line
    }
  }
  return null;
}

async function runCli(args, what) {
  const r = await measure(process.execPath, [CLI, ...args], { env: ENV, cwd: ROOT });
  if (r.code !== 0) log(`${what}: exit ${r.code}\n${r.stderr.slice(-2000)}`);
  return { ...r, summary: summaryOf(r.stderr) };
}

/** Generates (or reuses) the JSON and NDJSON files of one size. */
async function dataset(size, kind, seed) {
  const tasks = taskCount(size);
  const base = join(DATA, `${kind}-${size}`);
  const files = { json: `${base}.json`, ndjson: `${base}.ndjson`, config: join(DATA, `${kind}.xml`) };
  const generator = createHash('sha1').update(readFileSync(join(ROOT, 'dist', 'generate.js'))).digest('hex').slice(0, 12);
  const metaPath = `${base}.meta.json`;
  const want = { tasks, kind, seed, generator };
  const meta = existsSync(metaPath) ? JSON.parse(readFileSync(metaPath, 'utf8')) : null;
  const fresh = meta && JSON.stringify(meta.want) === JSON.stringify(want) && existsSync(files.json) && existsSync(files.ndjson) && existsSync(files.config);
  if (fresh) {
    log(`dataset ${size}: reusing ${relative(ROOT, files.json)}`);
    return { ...meta.info, files };
  }
  const gen = {};
  for (const format of ['json', 'ndjson']) {
    log(`dataset ${size}: generating ${format} (${tasks} ${kind} tasks)…`);
    const r = await runCli(['generate', '--tasks', String(tasks), '--kind', kind, '--seed', seed, '--format', format, '--to', files[format], '--label-config-out', files.config], `generate ${format}`);
    if (r.code !== 0) throw new Error(`generating ${files[format]} failed`);
    gen[format] = { wallS: r.wallS, peakRssMB: r.peakRssMB };
  }
  const info = {
    size,
    tasks,
    jsonBytes: statSync(files.json).size,
    ndjsonBytes: statSync(files.ndjson).size,
    generateJson: gen.json,
    generateNdjson: gen.ndjson,
  };
  writeFileSync(metaPath, `${JSON.stringify({ want, info }, null, 2)}\n`);
  return { ...info, files };
}

/** Input size: database inputs hold the dataset's tasks, so they count as its NDJSON bytes. */
function bytesOf(ds, input) {
  return DB_INPUTS.has(input) ? ds.ndjsonBytes : statSync(ds.files[input]).size;
}

async function repeat(n, fn) {
  const runs = [];
  for (let i = 0; i < n; i++) runs.push(await fn(i));
  return runs;
}

/** One run of a limit script, checked (exit code, task count). */
async function runLimit(name, ds) {
  const l = limits[name];
  const r = await measure(process.execPath, [join(HERE, l.script), ds.files[l.input]], { cwd: ROOT });
  if (r.code !== 0) throw new Error(`limit ${name} failed:\n${r.stderr}`);
  const counted = JSON.parse(r.stdout.trim()).tasks;
  if (counted !== ds.tasks) throw new Error(`limit ${name} counted ${counted} tasks, expected ${ds.tasks}`);
  return r;
}

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

async function measureLimit(name, ds, runs) {
  const l = limits[name];
  const inputBytes = bytesOf(ds, l.input);
  log(`${ds.size} limit ${name}…`);
  const rs = await repeat(runs, () => runLimit(name, ds));
  const wallS = best(rs.map((r) => r.wallS));
  return {
    size: ds.size,
    name,
    input: l.input,
    inputBytes,
    wallS,
    cpuS: best(rs.map((r) => r.cpuS)),
    tasksPerS: ds.tasks / wallS,
    mbPerS: inputBytes / wallS / 1e6,
    peakRssMB: Math.max(...rs.map((r) => r.peakRssMB)),
  };
}

async function measureScenario(sc, ds, limit, runs) {
  const file = ds.files[sc.input];
  const inputBytes = bytesOf(ds, sc.input);
  const outDir = join(DATA, `out-${process.pid}`); // per run: another harness may clear its own
  mkdirSync(outDir, { recursive: true });
  const out = sc.output ? join(outDir, `${sc.name}.${sc.output}`) : 'null';
  const args = ['export', '--from', file, '--to', out, ...sc.args({ tasks: ds.tasks, config: ds.files.config })];
  log(`${ds.size} ${sc.name}${opt.paired ? ` (each run after a run of ${sc.limit})` : ''}…`);
  let outputBytes = null;
  const pairedLimitWallS = [];
  const rs = await repeat(runs, async () => {
    if (opt.paired) pairedLimitWallS.push((await runLimit(sc.limit, ds)).wallS);
    const r = await runCli(args, sc.name);
    if (sc.output && existsSync(out)) {
      outputBytes = statSync(out).size;
      rmSync(out, { force: true });
    }
    return r;
  });
  const wallS = best(rs.map((r) => r.wallS));
  const cpuS = best(rs.map((r) => r.cpuS));
  const s = rs[0].summary ?? {};
  const mbPerS = inputBytes / wallS / 1e6;
  const failed = rs.find((r) => r.code !== 0);
  const pairedRatios = rs.map((r, i) => pairedLimitWallS[i] / r.wallS);
  return {
    size: ds.size,
    name: sc.name,
    title: sc.title,
    input: sc.input,
    args: args.slice(1).map((a) => (a.startsWith(ROOT) ? relative(ROOT, a) : a)),
    code: failed?.code ?? 0,
    ...(failed ? { error: failed.stderr.slice(-1000) } : {}),
    wallS,
    cpuS,
    inProcessS: best(rs.map((r) => r.summary?.seconds ?? Number.NaN)),
    tasksRead: s.tasksRead ?? null,
    tasksWritten: s.tasksWritten ?? null,
    tasksPerS: ds.tasks / wallS,
    mbPerS,
    limit: sc.limit,
    limitMbPerS: limit.mbPerS,
    ratio: mbPerS / limit.mbPerS,
    // --paired: limit wall ÷ scenario wall of each back-to-back pair, and their median.
    ...(opt.paired ? { pairedLimitWallS, pairedRatios, pairedRatio: median(pairedRatios) } : {}),
    /** Same ratio in CPU time (limit CPU s ÷ scenario CPU s over the same bytes). */
    cpuRatio: cpuS && limit.cpuS ? limit.cpuS / cpuS : null,
    peakRssMB: Math.max(...rs.map((r) => r.peakRssMB)),
    outputBytes,
  };
}

function machine() {
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memGB: os.totalmem() / 2 ** 30,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadavg: os.loadavg(),
  };
}

async function main() {
  if (opt.report) {
    const results = JSON.parse(readFileSync(opt.report, 'utf8'));
    updateReadme(README, results, relative(ROOT, opt.report));
    log(`README updated from ${opt.report}`);
    return;
  }
  if (!existsSync(CLI)) throw new Error('dist/cli.js not found: run `npm run build` first');
  const sizes = opt.sizes.split(',').map((s) => s.trim()).filter(Boolean);
  const runs = Math.max(1, Number(opt.runs) || 1);
  const only = opt.only ? new Set(opt.only.split(',')) : null;
  const chosen = scenarios.filter((s) => !only || only.has(s.name));
  mkdirSync(DATA, { recursive: true });
  mkdirSync(RESULTS, { recursive: true });
  const results = {
    date: new Date().toISOString(),
    kind: opt.kind,
    seed: opt.seed,
    runs,
    paired: opt.paired,
    sizes,
    rssMethod,
    machine: machine(),
    datasets: [],
    limits: [],
    scenarios: [],
  };
  for (const size of sizes) {
    const ds = await dataset(size, opt.kind, opt.seed);
    const dbKinds = new Set(chosen.map((s) => s.input).filter((i) => DB_INPUTS.has(i)));
    if (dbKinds.size > 0) {
      const db = await dbInputs(DATA, join(DATA, `${opt.kind}-${size}`), ds.files, dbKinds, (m) => log(`dataset ${size}: ${m}`));
      Object.assign(ds.files, db);
      ds.dbLoadS = db.load;
    }
    const { files, ...info } = ds;
    results.datasets.push(info);
    const limitRows = {};
    for (const name of new Set(chosen.map((s) => s.limit))) {
      limitRows[name] = await measureLimit(name, ds, runs);
      results.limits.push(limitRows[name]);
    }
    for (const sc of chosen) results.scenarios.push(await measureScenario(sc, ds, limitRows[sc.limit], runs));
    if (taskCount(size) >= 1e6 && !opt['keep-data']) {
      for (const f of [files.json, files.ndjson, join(DATA, `${opt.kind}-${size}.meta.json`)]) rmSync(f, { force: true });
      if (dbKinds.size > 0) await dropDbInputs(DATA, join(DATA, `${opt.kind}-${size}`));
      log(`dataset ${size}: deleted (use --keep-data to keep it)`);
    }
  }
  await stopDbInputs();
  rmSync(join(DATA, `out-${process.pid}`), { recursive: true, force: true });
  const prefix = readmeBlock(results) === 'db-results' ? 'db-' : ''; // database-only runs: own files
  const resultsPath = join(RESULTS, `${results.date.slice(0, 10)}-${prefix}${sizes.join('-')}.json`);
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  updateReadme(README, results, relative(ROOT, resultsPath));
  process.stdout.write(`${renderMarkdown(results, relative(ROOT, resultsPath))}\n`);
  log(`results: ${relative(ROOT, resultsPath)}; README table updated`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exitCode = 1;
});
