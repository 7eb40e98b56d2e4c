// One contract, every store: the local folder, S3 (s3rver), GCS (our JSON-API test server) and
// Azure (azurite), each driven through labelstream's BlobStore and the official SDK underneath.

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { LocalStore } from '../../src/storage/local.js';
import { AzureStore } from '../../src/storage/azure.js';
import { GcsStore } from '../../src/storage/gcs.js';
import { isNotFound } from '../../src/storage/retry.js';
import { S3Store } from '../../src/storage/s3.js';
import { startAzurite } from '../support/azurite.js';
import { createAzureContainer, createGcsBucket, createS3Bucket } from '../support/buckets.js';
import { startGcsServer } from '../support/gcs-server.js';
import { startS3rver } from '../support/s3rver.js';

interface Harness {
  start(): Promise<BlobStore>;
  stop(): Promise<void>;
}

const MiB = 1024 * 1024;

const harnesses: Record<string, () => Harness> = {
  local: () => {
    let dir = '';
    return {
      start: async () => {
        dir = await mkdtemp(join(tmpdir(), 'labelstream-local-store-'));
        return new LocalStore(dir);
      },
      stop: () => rm(dir, { recursive: true, force: true }),
    };
  },
  s3: () => {
    let stop = async () => undefined;
    return {
      start: async () => {
        const s = await startS3rver();
        stop = s.stop;
        Object.assign(process.env, s.env);
        await createS3Bucket(s.endpoint, 'contract');
        // 5 MiB is S3's smallest part size: the 12 MiB uploads below go multipart.
        return new S3Store({ bucket: 'contract', endpoint: s.endpoint, concurrency: 16, partSize: 5 * MiB, queueSize: 2 });
      },
      stop: () => stop(),
    };
  },
  gcs: () => {
    let stop = async () => undefined;
    return {
      start: async () => {
        const s = await startGcsServer();
        stop = s.stop;
        await createGcsBucket(s.endpoint, 'contract');
        return new GcsStore({ bucket: 'contract', endpoint: s.endpoint, chunkSize: 1 * MiB });
      },
      stop: () => stop(),
    };
  },
  azure: () => {
    let stop = async () => undefined;
    return {
      start: async () => {
        const s = await startAzurite();
        stop = s.stop;
        process.env.AZURE_STORAGE_CONNECTION_STRING = s.connectionString;
        await createAzureContainer(s.connectionString, 'contract');
        return new AzureStore({ container: 'contract', blockSize: 1 * MiB });
      },
      stop: () => stop(),
    };
  },
};

async function readAll(store: BlobStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function keysUnder(store: BlobStore, prefix: string): Promise<{ keys: string[]; pages: number[] }> {
  const keys: string[] = [];
  const pages: number[] = [];
  for await (const page of store.list(prefix)) {
    pages.push(page.length);
    keys.push(...page.map((b) => b.key));
  }
  return { keys, pages };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(Object.keys(harnesses))('BlobStore contract: %s', (kind) => {
  const harness = harnesses[kind]();
  let store: BlobStore;

  beforeAll(async () => {
    store = await harness.start();
  });

  afterAll(async () => {
    await store?.close?.();
    await harness.stop();
  });

  it('put then get returns the same bytes (Buffer and non-ASCII string)', async () => {
    await store.put('rt/a.json', Buffer.from('{"a": 1}'));
    await store.put('rt/b.json', '{"text": "größe 中文 😀"}');
    expect((await readAll(store, 'rt/a.json')).toString()).toBe('{"a": 1}');
    expect((await readAll(store, 'rt/b.json')).toString()).toBe('{"text": "größe 中文 😀"}');
  });

  it('put replaces an existing object', async () => {
    await store.put('rt/replace', 'old');
    await store.put('rt/replace', 'new!');
    expect((await readAll(store, 'rt/replace')).toString()).toBe('new!');
  });

  it('get of a missing key fails with an error recognised as not-found', async () => {
    const err = await readAll(store, 'rt/missing.json').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeDefined();
    expect(isNotFound(err)).toBe(true);
    expect(isNotFound(new Error('boom'))).toBe(false);
  });

  it('lists every key under a prefix exactly once, in pages of at most 1000, and nothing outside it', async () => {
    const n = 1203;
    const limit = pLimit(32);
    await Promise.all(Array.from({ length: n }, (_, i) => limit(() => store.put(`many/${i}.json`, `{"id": ${i}}`))));
    await store.put('many-not/1.json', '{}');
    await store.put('other/1.json', '{}');
    const { keys, pages } = await keysUnder(store, 'many/');
    expect(pages.length).toBeGreaterThan(1);
    expect(Math.max(...pages)).toBeLessThanOrEqual(1000);
    expect(keys.length).toBe(n);
    expect(new Set(keys)).toEqual(new Set(Array.from({ length: n }, (_, i) => `many/${i}.json`)));
  });

  it('lists lazily: the first page arrives before the listing is exhausted', async () => {
    const it = store.list('many/')[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(first.value.length).toBeGreaterThan(0);
    await it.return?.();
  });

  it('upload commits a large streamed object (multipart / chunked / blocks)', async () => {
    const data = randomBytes(12 * MiB);
    const up = store.upload('up/big.bin');
    const parts = Array.from({ length: 48 }, (_, i) => data.subarray(i * 256 * 1024, (i + 1) * 256 * 1024));
    await pipeline(Readable.from(parts), up.stream);
    await up.commit();
    const back = await readAll(store, 'up/big.bin');
    expect(back.length).toBe(data.length);
    expect(sha(back)).toBe(sha(data));
  });

  it('upload commits a small object', async () => {
    const up = store.upload('up/small.json');
    await pipeline(Readable.from([Buffer.from('[\n'), Buffer.from('{"id": 1}\n]\n')]), up.stream);
    await up.commit();
    expect((await readAll(store, 'up/small.json')).toString()).toBe('[\n{"id": 1}\n]\n');
  });

  it('an aborted upload leaves no object, even after parts were sent', async () => {
    const up = store.upload('up/aborted.bin');
    const data = randomBytes(7 * MiB);
    for (let i = 0; i < 7; i++) {
      if (!up.stream.write(data.subarray(i * MiB, (i + 1) * MiB))) await new Promise((r) => up.stream.once('drain', r));
    }
    await new Promise((r) => setTimeout(r, 200));
    await up.abort();
    await expect(readAll(store, 'up/aborted.bin')).rejects.toThrow();
    const { keys } = await keysUnder(store, 'up/');
    expect(keys).not.toContain('up/aborted.bin');
  });

  it('an upload whose writer fails leaves no object', async () => {
    const up = store.upload('up/failed.json');
    async function* failing() {
      yield Buffer.from('[\n{"id": 1}');
      throw new Error('encoder failed');
    }
    await expect(pipeline(Readable.from(failing()), up.stream)).rejects.toThrow('encoder failed');
    await up.abort();
    const { keys } = await keysUnder(store, 'up/');
    expect(keys).not.toContain('up/failed.json');
  });
});
