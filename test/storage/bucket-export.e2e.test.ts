// End to end through the built CLI against real storage servers (s3rver, our GCS JSON-API server,
// azurite), one describe block per cloud: per-task blobs in a bucket → JSON (checked with the
// conformance compare.mjs), JSON and per-task exports into buckets, a tar into one object, a
// failing export leaving no object, and an export through a proxy that injects throttling,
// resets and cut-off bodies.

import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import tarStream from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { AzureStore } from '../../src/storage/azure.js';
import { GcsStore } from '../../src/storage/gcs.js';
import { S3Store } from '../../src/storage/s3.js';
import { connectionStringFor, startAzurite } from '../support/azurite.js';
import { createAzureContainer, createGcsBucket, createS3Bucket } from '../support/buckets.js';
import { CLI, CONFORMANCE, runCli, summaryOf } from '../support/cli.js';
import { type Flavor, startFaultProxy } from '../support/fault-proxy.js';
import { startGcsServer } from '../support/gcs-server.js';
import { startS3rver } from '../support/s3rver.js';

const exec = promisify(execFile);
const FIXTURES = ['csv_test', 'yolo_data', 'yolo_obb', 'doclang_data', 'json_min_data'];
const BUCKET = 'e2e-bucket';
const FAULTY = 150;

interface Cloud {
  scheme: string;
  flavor: Flavor;
  start(): Promise<{ endpoint: string; stop(): Promise<void> }>;
  createBucket(endpoint: string): Promise<void>;
  /** Environment that points the CLI (and the stores built here) at `endpoint`. */
  env(endpoint: string): Record<string, string>;
  store(endpoint: string): BlobStore;
}

let azureConn = '';
const clouds: Cloud[] = [
  {
    scheme: 's3',
    flavor: 's3',
    start: startS3rver,
    createBucket: (e) => createS3Bucket(e, BUCKET),
    env: (e) => ({ AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: e }),
    store: (e) => new S3Store({ bucket: BUCKET, endpoint: e }),
  },
  {
    scheme: 'gs',
    flavor: 'gcs',
    start: startGcsServer,
    createBucket: (e) => createGcsBucket(e, BUCKET),
    env: (e) => ({ LABELSTREAM_GCS_ENDPOINT: e }),
    store: (e) => new GcsStore({ bucket: BUCKET, endpoint: e }),
  },
  {
    scheme: 'azure',
    flavor: 'azure',
    start: async () => {
      const a = await startAzurite();
      azureConn = a.connectionString;
      return a;
    },
    createBucket: () => createAzureContainer(azureConn, BUCKET),
    env: (e) => ({ AZURE_STORAGE_CONNECTION_STRING: connectionStringFor(e) }),
    store: (e) => {
      process.env.AZURE_STORAGE_CONNECTION_STRING = connectionStringFor(e);
      return new AzureStore({ container: BUCKET });
    },
  },
];

async function readObject(store: BlobStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function listKeys(store: BlobStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of store.list(prefix)) keys.push(...page.map((b) => b.key));
  return keys;
}

async function compare(format: string, expected: string, actual: string): Promise<{ code: number; out: string }> {
  try {
    const r = await exec(process.execPath, [join(CONFORMANCE, 'compare.mjs'), '--format', format, expected, actual]);
    return { code: 0, out: r.stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

async function fixtureTasks(fixture: string): Promise<Array<Record<string, unknown>>> {
  return JSON.parse(await readFile(join(CONFORMANCE, fixture, 'input.json'), 'utf8')) as Array<Record<string, unknown>>;
}

function syntheticTask(id: number): Record<string, unknown> {
  return {
    id,
    data: { text: `task ${id} — ${'x'.repeat(200)}` },
    annotations: [{ id: id * 10, completed_by: 1, result: [], was_cancelled: false, ground_truth: false, created_at: '2024-01-01T00:00:00Z' }],
    drafts: [],
    predictions: [],
    meta: {},
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
  };
}

describe.each(clouds)('$scheme:// end to end', (cloud) => {
  let server: { endpoint: string; stop(): Promise<void> };
  let store: BlobStore;
  let env: Record<string, string>;
  let tmp: string;
  const url = (path: string) => `${cloud.scheme}://${BUCKET}/${path}`;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), `labelstream-e2e-${cloud.scheme}-`));
    server = await cloud.start();
    await cloud.createBucket(server.endpoint);
    env = cloud.env(server.endpoint);
    Object.assign(process.env, env);
    store = cloud.store(server.endpoint);
    // Label Studio's per-task target-storage layout: <prefix>/<task_id>.json, one task per blob.
    for (const f of FIXTURES) for (const t of await fixtureTasks(f)) await store.put(`in/${f}/${t.id}.json`, JSON.stringify(t));
    const limit = pLimit(16);
    await Promise.all(Array.from({ length: FAULTY }, (_, i) => limit(() => store.put(`faulty/${i + 1}.json`, JSON.stringify(syntheticTask(i + 1))))));
  });

  afterAll(async () => {
    await store?.close?.();
    await server?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it.each(FIXTURES)('per-task blobs of %s → JSON file matching the converter reference', async (fixture) => {
    const out = join(tmp, `${fixture}.json`);
    const r = await runCli(['export', '--from', url(`in/${fixture}`), '--to', out, '--format', 'JSON'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(summaryOf(r).tasksRead).toBe((await fixtureTasks(fixture)).length);
    const c = await compare('JSON', join(CONFORMANCE, fixture, 'JSON'), out);
    expect(c.code, c.out).toBe(0);
  });

  it('a task stored as both <id> and <id>.json is exported once, the newest copy', async () => {
    await store.put('dups/5.json', JSON.stringify({ ...syntheticTask(5), data: { text: 'old' }, updated_at: '2024-01-01T00:00:00Z' }));
    await store.put('dups/6.json', JSON.stringify(syntheticTask(6)));
    await new Promise((r) => setTimeout(r, 1100)); // S3 LastModified has one-second resolution
    await store.put('dups/5', JSON.stringify({ ...syntheticTask(5), data: { text: 'new' }, updated_at: '2025-01-01T00:00:00Z' }));
    const out = join(tmp, 'dups.json');
    const r = await runCli(['export', '--from', url('dups'), '--to', out, '--format', 'JSON'], { env });
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(await readFile(out, 'utf8')) as Array<{ id: number; data: { text: string } }>;
    expect(got.map((t) => t.id).sort()).toEqual([5, 6]);
    expect(got.find((t) => t.id === 5)?.data.text).toBe('new');
    expect(summaryOf(r).dropped).toEqual({ 'task blob under two keys (older copy)': 1 });
  });

  it('JSON export into one bucket object matches the reference', async () => {
    const input = join(CONFORMANCE, 'yolo_data', 'input.json');
    // S3 takes its endpoint from --s3-endpoint here instead of AWS_ENDPOINT_URL.
    const viaFlag = cloud.scheme === 's3' ? ['--s3-endpoint', server.endpoint] : [];
    const runEnv = cloud.scheme === 's3' ? { ...env, AWS_ENDPOINT_URL: '' } : env;
    const r = await runCli(['export', '--from', input, '--to', url('out/yolo_data/export.json'), '--format', 'JSON', ...viaFlag], { env: runEnv });
    expect(r.code, r.stderr).toBe(0);
    const local = join(tmp, 'downloaded.json');
    await writeFile(local, await readObject(store, 'out/yolo_data/export.json'));
    const c = await compare('JSON', join(CONFORMANCE, 'yolo_data', 'JSON'), local);
    expect(c.code, c.out).toBe(0);
  });

  it('--layout per-task writes <task_id>.json objects under a prefix; reading them back gives the reference JSON', async () => {
    const input = join(CONFORMANCE, 'yolo_obb', 'input.json');
    const r = await runCli(['export', '--from', input, '--to', url('migrated/yolo_obb/'), '--format', 'JSON', '--layout', 'per-task'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect((await listKeys(store, 'migrated/yolo_obb/')).sort()).toEqual(['migrated/yolo_obb/10959.json', 'migrated/yolo_obb/10960.json', 'migrated/yolo_obb/10961.json']);
    const out = join(tmp, 'roundtrip.json');
    const back = await runCli(['export', '--from', url('migrated/yolo_obb'), '--to', out, '--format', 'JSON'], { env });
    expect(back.code, back.stderr).toBe(0);
    const c = await compare('JSON', join(CONFORMANCE, 'yolo_obb', 'JSON'), out);
    expect(c.code, c.out).toBe(0);
  });

  it('YOLO to a bucket prefix: each file its own object, together equal to the reference', async () => {
    const args = ['--format', 'YOLO', '--label-config', join(CONFORMANCE, 'yolo_data', 'config.xml')];
    const r = await runCli(['export', '--from', url('in/yolo_data'), '--to', url('yolo/'), ...args], { env });
    expect(r.code, r.stderr).toBe(0);
    const keys = await listKeys(store, 'yolo/');
    expect(keys.length).toBeGreaterThan(2);
    const dir = join(tmp, 'yolo-download');
    for (const k of keys) {
      const path = join(dir, k.slice('yolo/'.length));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, await readObject(store, k));
    }
    const c = await compare('YOLO', join(CONFORMANCE, 'yolo_data', 'YOLO'), dir);
    expect(c.code, c.out).toBe(0);
  });

  it('YOLO into a .zip object: the archive equals the reference', async () => {
    const args = ['--format', 'YOLO', '--label-config', join(CONFORMANCE, 'yolo_data', 'config.xml')];
    const r = await runCli(['export', '--from', url('in/yolo_data'), '--to', url('archives/yolo.zip'), ...args], { env });
    expect(r.code, r.stderr).toBe(0);
    const local = join(tmp, 'yolo.zip');
    await writeFile(local, await readObject(store, 'archives/yolo.zip'));
    const c = await compare('YOLO', join(CONFORMANCE, 'yolo_data', 'YOLO'), local);
    expect(c.code, c.out).toBe(0);
  });

  it('a .tar key receives the per-task entries as one archive object', async () => {
    const r = await runCli(['export', '--from', url('in/doclang_data'), '--to', url('archives/doclang.tar'), '--format', 'JSON', '--layout', 'per-task'], { env });
    expect(r.code, r.stderr).toBe(0);
    const names: string[] = [];
    const extract = tarStream.extract();
    extract.on('entry', (h, s, next) => {
      names.push(h.name);
      s.resume();
      s.on('end', next);
    });
    const done = new Promise((res, rej) => extract.on('finish', res).on('error', rej));
    extract.end(await readObject(store, 'archives/doclang.tar'));
    await done;
    expect(names.sort()).toEqual(['1.json', '2.json', '3.json']);
  });

  it('a multi-file format to a plain key is refused before anything is written', async () => {
    const r = await runCli(['export', '--from', url('in/csv_test'), '--to', url('out/nope'), '--format', 'COCO', '--label-config', join(CONFORMANCE, 'yolo_data', 'config.xml')], { env });
    expect(r.code).toBe(2);
    expect(await listKeys(store, 'out/nope')).toEqual([]);
  });

  it('an export that fails midway leaves no object (the upload is aborted, not completed)', async () => {
    // ~12 MB of tasks, then a broken record: the upload is past its first 8 MiB part by then.
    const bad = join(tmp, 'bad.json');
    const tasks = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ ...syntheticTask(i + 1), data: { text: 'y'.repeat(2400) } }));
    await writeFile(bad, `[${tasks.join(',\n')},\n{"id": 5001, "data": {"text": "unterminated]`);
    const r = await runCli(['export', '--from', bad, '--to', url('out/failed/export.json'), '--format', 'JSON'], { env });
    expect(r.code).toBe(1);
    expect(await listKeys(store, 'out/failed/')).toEqual([]);
  });

  it('SIGTERM during an upload: exit 130 and no object (the multipart / resumable / block upload is abandoned)', async () => {
    const child = spawn(process.execPath, [CLI, 'export', '--from', '-', '--to', url('out/interrupted.json'), '--format', 'JSON'], {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, ...env, LABELSTREAM_PROGRESS: '0' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // ~10 MB of tasks (past the first 8 MiB part / chunk / block), then the input stalls.
    child.stdin.write('[');
    const text = 'w'.repeat(2000);
    for (let i = 0; i < 5000; i++) child.stdin.write(`${i ? ',' : ''}{"id":${i + 1},"data":{"text":"${text}"}}`);
    await new Promise((r) => setTimeout(r, 2500));
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('close', r));
    expect(code, stderr).toBe(130);
    expect(await listKeys(store, 'out/interrupted')).toEqual([]);
  });

  it('completes through throttling, resets and cut-off bodies with every task exactly once', async () => {
    const proxy = await startFaultProxy(server.endpoint, cloud.flavor, { throttleEvery: 7, resetEvery: 11, truncateEvery: 13 });
    try {
      const penv = { ...cloud.env(proxy.endpoint), LABELSTREAM_LOG_LEVEL: 'warn', LABELSTREAM_STORAGE_TIMEOUT_MS: '1500' };
      const r = await runCli(['export', '--from', url('faulty'), '--to', url('out/faulty.ndjson'), '--format', 'NDJSON', '--concurrency', '8'], {
        env: penv,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(proxy.counts.throttled).toBeGreaterThan(5);
      expect(proxy.counts.reset).toBeGreaterThan(5);
      expect(proxy.counts.truncated).toBeGreaterThan(0);
    } finally {
      await proxy.stop();
    }
    const lines = (await readObject(store, 'out/faulty.ndjson')).toString().trim().split('\n');
    const ids = lines.map((l) => (JSON.parse(l) as { id: number }).id).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: FAULTY }, (_, i) => i + 1));
  }, 180_000);
});
