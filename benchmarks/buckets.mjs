// Bucket benchmarks (issue 4): per-task blobs read from each local test server (s3rver, azurite,
// our GCS test server) by `labelstream export --from <bucket> --to null` at several
// concurrencies, next to the raw GET rate of the bare SDK client at the same concurrency measured
// in the same run; then one big export uploaded to each store. Every server runs in its own
// process on 127.0.0.1; the CLI runs as a child under GNU time (peak RSS).
//
//   npm run build
//   node benchmarks/buckets.mjs [--tasks 100k] [--concurrency 1,16,64] [--raw-sample 5000]
//                               [--upload-copies 5] [--stores s3,gs,azure] [--skip-upload]
//   node benchmarks/buckets.mjs --report benchmarks/results/<file>.json   # README tables
//
// Blobs: the first N lines of benchmarks/data/image-100k.ndjson (run.mjs generates it), one
// `<id>.json` blob each. Upload input: that NDJSON file repeated --upload-copies times (~1.1 GB
// at 5) in a temp file, deleted at the end. Results: benchmarks/results/<date>-buckets-<N>.json.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { Storage } from '@google-cloud/storage';
import pLimit from 'p-limit';
import { measure, rssMethod } from './measure.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// BENCH_CLI: a copy of dist/ to run instead (other people rebuilding dist/ mid-run break the CLI).
const CLI = process.env.BENCH_CLI ?? join(ROOT, 'dist/cli.js');
const SRC = join(ROOT, 'benchmarks/data/image-100k.ndjson');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : process.argv[i + 1];
}
const count = (s) => Math.round(Number.parseFloat(s) * (/k$/i.test(s) ? 1e3 : /m$/i.test(s) ? 1e6 : 1));
const N = count(arg('tasks', '100k'));
const CONCURRENCIES = arg('concurrency', '1,16,64').split(',').map(Number);
const RAW_SAMPLE = count(arg('raw-sample', '5000'));
const COPIES = Number(arg('upload-copies', '5'));
const STORES = arg('stores', 's3,gs,azure').split(',');
const SKIP_UPLOAD = process.argv.includes('--skip-upload');
const LOAD_CONCURRENCY = 32;
const BUCKET = 'bench';
const PREFIX = 'tasks/';

// ---- servers (each its own process, loopback only) ----

function waitForLine(child, re, what) {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = re.exec(out);
      if (m) {
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        child.stdout.resume();
        child.stderr.resume();
        resolve(m);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}): ${out}`)));
  });
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const p = once(child, 'exit');
  child.kill('SIGTERM');
  return p;
}

const AZ_ACCOUNT = 'devstoreaccount1';
// Azurite's published development-storage key (not a secret).
const AZ_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

async function startServer(kind) {
  if (kind === 's3') {
    const dir = await mkdtemp(join(tmpdir(), 'labelstream-bench-s3rver-'));
    const bin = join(ROOT, 'node_modules/s3rver/bin/s3rver.js');
    const child = spawn(process.execPath, ['--openssl-legacy-provider', bin, '-d', dir, '-a', '127.0.0.1', '-p', '0', '--silent'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const m = await waitForLine(child, /listening on 127\.0\.0\.1:(\d+)/, 's3rver');
    const endpoint = `http://127.0.0.1:${m[1]}`;
    return {
      child, endpoint, url: `s3://${BUCKET}`,
      env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: endpoint },
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (kind === 'azure') {
    const main = join(ROOT, 'node_modules/azurite/dist/src/blob/main.js');
    const args = [main, '--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', '--silent', '--disableTelemetry', '--skipApiVersionCheck'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const m = await waitForLine(child, /listens on http:\/\/127\.0\.0\.1:(\d+)/, 'azurite');
    const endpoint = `http://127.0.0.1:${m[1]}/${AZ_ACCOUNT}`;
    const cs = `DefaultEndpointsProtocol=http;AccountName=${AZ_ACCOUNT};AccountKey=${AZ_KEY};BlobEndpoint=${endpoint};`;
    return { child, endpoint, url: `azure://${BUCKET}`, env: { AZURE_STORAGE_CONNECTION_STRING: cs }, cleanup: () => {} };
  }
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'benchmarks/buckets-gcs-server.mjs')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const m = await waitForLine(child, /gcs listening on (http:\/\/127\.0\.0\.1:\d+)/, 'gcs server');
  return { child, endpoint: m[1], url: `gs://${BUCKET}`, env: { LABELSTREAM_GCS_ENDPOINT: m[1] }, cleanup: () => {} };
}

// ---- bare SDK clients: create the bucket, put a blob, get a blob (body read to the end) ----

function bareClient(kind, server, sockets) {
  if (kind === 's3') {
    const agent = new HttpAgent({ keepAlive: true, maxSockets: sockets });
    const c = new S3Client({
      endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { httpAgent: agent },
    });
    return {
      create: () => c.send(new CreateBucketCommand({ Bucket: BUCKET })),
      put: (key, body) => c.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body })),
      get: async (key) => (await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body.transformToByteArray(),
      close: () => { c.destroy(); agent.destroy(); },
    };
  }
  if (kind === 'azure') {
    const cc = BlobServiceClient.fromConnectionString(server.env.AZURE_STORAGE_CONNECTION_STRING).getContainerClient(BUCKET);
    return {
      create: () => cc.create(),
      put: (key, body) => cc.getBlockBlobClient(key).upload(body, body.length),
      // download() + read: one request, as the CLI does (downloadToBuffer() asks for the properties first).
      get: async (key) => {
        const chunks = [];
        for await (const c of (await cc.getBlobClient(key).download()).readableStreamBody) chunks.push(c);
        return Buffer.concat(chunks);
      },
      close: () => {},
    };
  }
  const storage = new Storage({ apiEndpoint: server.endpoint, projectId: 'bench' });
  const b = storage.bucket(BUCKET);
  return {
    create: () => storage.createBucket(BUCKET),
    put: (key, body) => b.file(key).save(body, { resumable: false, validation: false }),
    get: (key) => b.file(key).download({ validation: false }),
    close: () => {},
  };
}

async function loadBlobs(client) {
  const keys = [];
  const limit = pLimit(LOAD_CONCURRENCY);
  const pending = new Set();
  const t0 = performance.now();
  const lines = createInterface({ input: createReadStream(SRC), crlfDelay: Infinity });
  for await (const line of lines) {
    if (keys.length >= N) break;
    if (!line) continue;
    const id = /"id":\s*(\d+)/.exec(line)[1];
    const key = `${PREFIX}${id}.json`;
    keys.push(key);
    const p = limit(() => client.put(key, Buffer.from(line)));
    pending.add(p);
    p.finally(() => pending.delete(p));
    if (pending.size >= LOAD_CONCURRENCY * 4) await Promise.race(pending);
  }
  lines.close();
  await Promise.all(pending);
  const s = (performance.now() - t0) / 1000;
  if (keys.length < N) throw new Error(`${SRC} has only ${keys.length} tasks`);
  return { keys, loadS: s, putsPerS: keys.length / s };
}

/** GETs of the first `sample` keys at concurrency c with the bare SDK client. */
async function rawGetRate(kind, server, keys, c) {
  const client = bareClient(kind, server, c);
  const sample = keys.slice(0, Math.min(RAW_SAMPLE, keys.length));
  // Warm the connection pool.
  await Promise.all(sample.slice(0, c).map((k) => client.get(k)));
  const limit = pLimit(c);
  const t0 = performance.now();
  await Promise.all(sample.map((k) => limit(() => client.get(k))));
  const s = (performance.now() - t0) / 1000;
  client.close();
  return { gets: sample.length, seconds: s, getsPerS: sample.length / s };
}

/** The CLI's final `export finished` log line (pino JSON on stderr). */
function summaryOf(stderr) {
  const line = stderr.split('\n').find((l) => l.includes('"summary":true'));
  return line ? JSON.parse(line) : null;
}

async function cliRun(server, args) {
  const r = await measure(process.execPath, [CLI, 'export', '--progress', '0', ...args], { env: server.env, cwd: ROOT });
  if (r.code !== 0) throw new Error(`export ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  const summary = summaryOf(r.stderr);
  if (!summary) throw new Error(`no summary line: ${r.stderr.slice(-2000)}`);
  return { ...r, summary, inProcessS: summary.seconds };
}

async function makeUploadInput() {
  const file = join(tmpdir(), `labelstream-bench-upload-${process.pid}.ndjson`);
  const out = createWriteStream(file);
  for (let i = 0; i < COPIES; i++) {
    for await (const chunk of createReadStream(SRC)) if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return file;
}

const r1 = (x) => Math.round(x * 10) / 10;

async function main() {
  if (!existsSync(CLI)) throw new Error('run `npm run build` first');
  if (!existsSync(SRC)) throw new Error(`${SRC} missing: run \`node benchmarks/run.mjs --sizes 100k\` once to generate it`);
  const result = {
    date: new Date().toISOString(), tasks: N, concurrencies: CONCURRENCIES, rawSample: RAW_SAMPLE,
    machine: { cpus: cpus().length, loadavgAtStart: loadavg().map(r1), node: process.version, rss: rssMethod },
    reads: [], uploads: [],
  };
  mkdirSync(join(ROOT, 'benchmarks/results'), { recursive: true });
  const out = join(ROOT, `benchmarks/results/${result.date.slice(0, 10)}-buckets-${N >= 1000 ? `${N / 1000}k` : N}${STORES.length < 3 ? `-${STORES.join('-')}` : ''}.json`);
  // Written after every row, so a failure late in the run keeps what was measured.
  const save = () => writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  const uploadFile = SKIP_UPLOAD ? null : await makeUploadInput();
  const uploadBytes = uploadFile ? statSync(uploadFile).size : 0;
  try {
    for (const kind of STORES) {
      const server = await startServer(kind);
      try {
        const loader = bareClient(kind, server, LOAD_CONCURRENCY);
        await loader.create();
        const { keys, loadS, putsPerS } = await loadBlobs(loader);
        loader.close();
        console.log(`${kind}: loaded ${keys.length} blobs in ${r1(loadS)} s (${Math.round(putsPerS)} PUT/s)`);
        for (const c of CONCURRENCIES) {
          const raw = await rawGetRate(kind, server, keys, c);
          const run = await cliRun(server, ['--from', `${server.url}/${PREFIX}`, '--to', 'null', '--format', 'NDJSON', '--concurrency', String(c)]);
          if (run.summary.tasksRead !== N) throw new Error(`${kind}: read ${run.summary.tasksRead} of ${N} tasks`);
          const tasksPerS = N / run.wallS;
          const row = {
            store: kind, concurrency: c, tasks: N, wallS: Math.round(run.wallS * 100) / 100, inProcessS: run.inProcessS, cpuS: run.cpuS,
            tasksPerS: Math.round(tasksPerS), rawGetsPerS: Math.round(raw.getsPerS), rawSample: raw.gets,
            ratioToRaw: Math.round((tasksPerS / raw.getsPerS) * 100) / 100, peakRssMB: r1(run.peakRssMB), loadPutsPerS: Math.round(putsPerS),
          };
          result.reads.push(row);
          save();
          console.log(JSON.stringify(row));
        }
        if (uploadFile) {
          const run = await cliRun(server, ['--from', uploadFile, '--to', `${server.url}/export.ndjson`, '--format', 'NDJSON']);
          const row = { store: kind, bytes: uploadBytes, tasks: run.summary.tasksRead, bytesWritten: run.summary.bytesWritten, wallS: r1(run.wallS), cpuS: run.cpuS, MBps: r1(uploadBytes / 1e6 / run.wallS), peakRssMB: r1(run.peakRssMB) };
          result.uploads.push(row);
          save();
          console.log(JSON.stringify(row));
        }
      } finally {
        await stop(server.child);
        server.cleanup();
      }
    }
  } finally {
    if (uploadFile) rmSync(uploadFile, { force: true });
  }
  save();
  console.log(`wrote ${out}`);
}

/** Markdown tables of a results file (for the README). */
function report(file) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const lines = [
    `${r.tasks} blobs, ${r.machine.cpus} CPUs, load average ${r.machine.loadavgAtStart.join(' / ')} at start, Node ${r.machine.node}, ${r.date.slice(0, 16)}Z`,
    '',
    '| store | C | tasks/s (CLI) | raw GET/s (same C) | CLI ÷ raw | wall s | cpu s | peak RSS MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...r.reads.map((x) => `| ${x.store} | ${x.concurrency} | ${x.tasksPerS} | ${x.rawGetsPerS} | ${x.ratioToRaw.toFixed(2)} | ${x.wallS} | ${x.cpuS?.toFixed(1)} | ${x.peakRssMB} |`),
    '',
    '| store | upload MB | wall s | MB/s | cpu s | peak RSS MB |',
    '|---|---:|---:|---:|---:|---:|',
    ...r.uploads.map((x) => `| ${x.store} | ${(x.bytes / 1e6).toFixed(0)} | ${x.wallS} | ${x.MBps} | ${x.cpuS?.toFixed(1)} | ${x.peakRssMB} |`),
  ];
  console.log(lines.join('\n'));
}

if (process.argv.includes('--report')) report(arg('report'));
else await main();
