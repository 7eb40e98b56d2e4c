// Per-task blobs as Label Studio's target storage writes them (spec §4): `<task_id>.json` or
// `<task_id>` holding one task object. Read from any blob store (local folder, buckets) with
// bounded concurrency, page by page, in listing order. A prefix of per-annotation blobs (the
// Community default layout) is regrouped into tasks by annotation-blobs.ts. A task stored as both
// `<id>` and `<id>.json` in one folder is exported once, the newest copy.

import pLimit from 'p-limit';
import type { Source } from '../contracts.js';
import { InputError, throwIfAborted } from '../errors.js';
import { countDrop, type RunContext } from '../run-context.js';
import type { BlobInfo, BlobStore } from '../storage/blob-store.js';
import { isNotFound, withRetry } from '../storage/retry.js';
import { isPerAnnotationBlob, regroupAnnotationBlobs } from './annotation-blobs.js';
import { isTaskLike, type Task, type TaskBatch } from '../task.js';

const TASK_KEY = /(?:^|\/)(\d+)(?:\.json)?$/;

async function readOnce(store: BlobStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The whole blob; a body cut off midway (reset, timeout) is fetched again (storage/retry.ts).
 * null when the blob vanished between listing and reading (Label Studio deletes a task's blob
 * when its annotation is deleted): counted as dropped, not an error.
 */
async function readText(store: BlobStore, key: string, ctx: RunContext): Promise<string | null> {
  try {
    return await withRetry(() => readOnce(store, key), {
      signal: ctx.signal,
      onRetry: (e, attempt) => ctx.log.debug({ key, attempt, err: (e as Error).message }, 'blob read retried'),
    });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    countDrop(ctx.stats, 'blob deleted after listing');
    ctx.log.warn({ key }, 'blob listed but gone when read (deleted meanwhile); skipped');
    return null;
  }
}


interface Held {
  key: string;
  updated?: Date;
  task: Task;
}

/** `dir/123` and `dir/123.json`: the same task in one folder. */
function sameTaskBlob(a: string, b: string): boolean {
  return a.replace(/\.json$/, '') === b.replace(/\.json$/, '');
}

function lastChange(t: Task): string {
  let last = String(t.updated_at ?? '');
  for (const a of t.annotations ?? []) if (typeof a.updated_at === 'string' && a.updated_at > last) last = a.updated_at;
  return last;
}

/** Newest wins: by the blobs' modification times when the store gives them, else by the task's own timestamps. */
function newerBlob(a: Held, b: Held): boolean {
  if (a.updated && b.updated && a.updated.getTime() !== b.updated.getTime()) return a.updated > b.updated;
  return lastChange(a.task) >= lastChange(b.task);
}

/**
 * The task-blob keys under `prefix` in listing order, one listing page read ahead: the next
 * LIST request runs while the current page's blobs are read, so reads never wait for it.
 */
async function* taskKeys(store: BlobStore, prefix: string, ctx: RunContext): AsyncGenerator<BlobInfo> {
  const pages = store.list(prefix)[Symbol.asyncIterator]();
  let next = pages.next();
  try {
    for (;;) {
      const r = await next;
      if (r.done) return;
      throwIfAborted(ctx.signal);
      next = pages.next();
      next.catch(() => undefined); // surfaces when awaited
      for (const b of r.value) {
        if (TASK_KEY.test(b.key)) {
          yield b;
        } else {
          countDrop(ctx.stats, 'not a task blob name');
          ctx.log.debug({ key: b.key }, 'skipped: not a <task_id>[.json] key');
        }
      }
    }
  } finally {
    await next.catch(() => undefined);
    await pages.return?.(undefined);
  }
}

export function openBlobSource(store: BlobStore, prefix: string, concurrency = 16): Source {
  const limit = pLimit(concurrency);
  const window = Math.max(4 * concurrency, 64);
  async function* batches(ctx: RunContext): AsyncGenerator<TaskBatch> {
    let batch: Task[] = [];
    let pending: Held | undefined;
    const keys = taskKeys(store, prefix, ctx);
    // Windows of consecutive keys (across listing pages), two in flight so that the reads never
    // drain at a window boundary: memory is bounded by 2 × window × blob size. Each window takes
    // its keys after the previous one has (takes are chained), so windows stay in listing order.
    let taking: Promise<BlobInfo[]> = Promise.resolve([]);
    const takeKeys = async (): Promise<BlobInfo[]> => {
      const out: BlobInfo[] = [];
      while (out.length < window) {
        const r = await keys.next();
        if (r.done) break;
        out.push(r.value);
      }
      return out;
    };
    const readWindow = () => {
      const slice = (taking = taking.then(takeKeys));
      const p = slice.then(async (s) => ({ slice: s, texts: await Promise.all(s.map((b) => limit(() => readText(store, b.key, ctx)))) }));
      p.catch(() => undefined); // surfaces when awaited; not "unhandled" while waiting its turn
      return p;
    };
    const inFlight = [readWindow(), readWindow()];
    try {
      for (;;) {
        const { slice, texts } = await (inFlight.shift() as ReturnType<typeof readWindow>);
        if (slice.length === 0) break;
        inFlight.push(readWindow());
        for (let i = 0; i < slice.length; i++) {
          const key = slice[i].key;
          const text = texts[i];
          if (text === null) continue;
          ctx.stats.bytesRead += Buffer.byteLength(text);
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch (e) {
            ctx.rejections.reject(new InputError(`malformed JSON: ${(e as Error).message}`, `${store.url}/${key}`, text));
            continue;
          }
          if (typeof value === 'object' && value !== null && isPerAnnotationBlob(value as Record<string, unknown>)) {
            if (ctx.stats.read > 0 || batch.length > 0 || pending) {
              throw new InputError('a per-annotation blob among per-task blobs: one prefix must hold one layout', `${store.url}/${key}`);
            }
            // Label Studio Community's default layout: regroup the whole prefix (annotation-blobs.ts).
            await stop(inFlight, keys);
            yield* regroupAnnotationBlobs(store, prefix, (k) => TASK_KEY.test(k), (k) => readText(store, k, ctx), concurrency, ctx);
            return;
          }
          if (!isTaskLike(value)) {
            ctx.rejections.reject(new InputError('not a Label Studio task (an object with a "data" object)', `${store.url}/${key}`, text));
            continue;
          }
          ctx.stats.read++;
          const held: Held = { key, updated: slice[i].updated, task: value };
          if (pending && sameTaskBlob(pending.key, key)) {
            // `<id>` and `<id>.json` side by side (LS wrote both, FUTURE_SAVE_TASK_TO_STORAGE_JSON_EXT
            // was toggled); they sort next to each other, so keeping one pending blob suffices.
            const [keep, drop] = newerBlob(held, pending) ? [held, pending] : [pending, held];
            countDrop(ctx.stats, 'task blob under two keys (older copy)');
            ctx.log.debug({ kept: keep.key, dropped: drop.key }, 'task found under two keys; the newest is kept');
            pending = keep;
            continue;
          }
          if (pending) batch.push(pending.task);
          pending = held;
          if (batch.length >= ctx.batchSize) {
            yield batch;
            batch = [];
          }
        }
      }
    } finally {
      await stop(inFlight, keys);
    }
    if (pending) batch.push(pending.task);
    if (batch.length > 0) yield batch;
  }
  return { name: store.url, batches, close: async () => store.close?.() };
}

/** Lets the windows in flight settle (their reads are bounded) and ends the listing. */
async function stop(inFlight: Array<Promise<unknown>>, keys: AsyncGenerator<BlobInfo>): Promise<void> {
  await Promise.allSettled(inFlight.splice(0));
  await keys.return(undefined);
}
