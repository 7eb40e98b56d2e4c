// The blob source over a real folder: a blob deleted between listing and reading (Label Studio
// deletes a task's blob when its annotation is deleted) is skipped and counted, not fatal.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newStats, Rejections, type RunContext } from '../../src/run-context.js';
import { openBlobSource } from '../../src/sources/blobs.js';
import type { BlobInfo } from '../../src/storage/blob-store.js';
import { LocalStore } from '../../src/storage/local.js';

/** A local store whose listing deletes one listed file before handing the page out. */
class DeletingStore extends LocalStore {
  constructor(
    root: string,
    private readonly victim: string,
  ) {
    super(root);
  }
  override async *list(prefix: string): AsyncIterable<BlobInfo[]> {
    for await (const page of super.list(prefix)) {
      if (page.some((b) => b.key === this.victim)) await rm(join(this.root, this.victim));
      yield page;
    }
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labelstream-blobs-'));
  for (const id of [1, 2, 3]) await writeFile(join(dir, `${id}.json`), JSON.stringify({ id, data: { text: `t${id}` }, annotations: [] }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('skips and counts a blob deleted after it was listed', async () => {
  const stats = newStats();
  const log = pino({ level: 'silent' });
  const ctx: RunContext = { log, stats, rejections: new Rejections(stats, 0, undefined, log), signal: new AbortController().signal, batchSize: 10, tmpDir: dir };
  const source = openBlobSource(new DeletingStore(dir, '2.json'), '', 4);
  const ids: number[] = [];
  for await (const batch of source.batches(ctx)) ids.push(...batch.map((t) => t.id));
  expect(ids.sort()).toEqual([1, 3]);
  expect(stats.dropped).toEqual({ 'blob deleted after listing': 1 });
  expect(stats.read).toBe(2);
});

/** A local store listing two keys per page, recording when pages are requested and reads finish. */
class SmallPagesStore extends LocalStore {
  readonly events: string[] = [];
  override async *list(prefix: string): AsyncIterable<BlobInfo[]> {
    const all: BlobInfo[] = [];
    for await (const page of super.list(prefix)) all.push(...page);
    all.sort((a, b) => a.key.localeCompare(b.key));
    for (let i = 0; i < all.length; i += 2) {
      this.events.push(`list ${i / 2}`);
      await new Promise((r) => setTimeout(r, 5));
      yield all.slice(i, i + 2);
    }
  }
  override async get(key: string) {
    const body = await super.get(key);
    await new Promise((r) => setTimeout(r, 20));
    this.events.push(`read ${key}`);
    return body;
  }
}

it('reads across listing pages in listing order, with the next page listed while the current one is read', async () => {
  const root = await mkdtemp(join(tmpdir(), 'labelstream-blobs-pages-'));
  const ids = [10, 11, 12, 13, 14, 15, 16, 17, 18];
  for (const id of ids) await writeFile(join(root, `${id}.json`), JSON.stringify({ id, data: { n: id } }));
  const stats = newStats();
  const log = pino({ level: 'silent' });
  const ctx: RunContext = { log, stats, rejections: new Rejections(stats, 0, undefined, log), signal: new AbortController().signal, batchSize: 4, tmpDir: root };
  const store = new SmallPagesStore(root);
  const seen: number[] = [];
  for await (const batch of openBlobSource(store, '', 3).batches(ctx)) seen.push(...batch.map((t) => t.id));
  await rm(root, { recursive: true, force: true });
  expect(seen).toEqual(ids);
  // Page 1 was requested before the first read of page 0 finished: listing never waits for reads.
  expect(store.events.indexOf('list 1')).toBeLessThan(store.events.indexOf('read 10.json'));
});
