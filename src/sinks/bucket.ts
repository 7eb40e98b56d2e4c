// Buckets as sinks (s3://, gs://, azure://):
//   - a key (`s3://b/path/export.json`): the one entry of a single-file format, streamed into one
//     upload that becomes visible only when it completed;
//   - a prefix (ending in "/", or any key with --layout per-task): every entry as its own object
//     under the prefix, up to `concurrency` writes in flight;
//   - a `.zip` / `.tar` key: the entries streamed as an archive into one upload.
// Objects already written under a prefix stay there when a later one fails (object stores have
// no multi-object commit); the run then fails and says how many were written.

import type { Writable } from 'node:stream';
import pLimit from 'p-limit';
import type { Entry, Sink } from '../contracts.js';
import { UsageError } from '../errors.js';
import type { RunContext } from '../run-context.js';
import type { BlobStore } from '../storage/blob-store.js';
import { tarInto, zipInto } from './archive.js';
import { writeBody } from './body.js';
import { safeRelativePath } from './safe-path.js';

/** Streams into store.upload(key); commits on success, aborts (no object) on any failure. */
async function uploadWith(store: BlobStore, key: string, ctx: RunContext, write: (out: Writable) => Promise<void>): Promise<void> {
  const up = store.upload(key);
  try {
    await write(up.stream);
    await up.commit();
  } catch (e) {
    await up.abort().catch(() => undefined);
    throw e;
  }
}

export function bucketObjectSink(store: BlobStore, key: string, format: string): Sink {
  return async (entries, ctx) => {
    let files = 0;
    try {
      for await (const entry of entries) {
        if (files > 0) {
          throw new UsageError(`${format} writes several files; give a bucket prefix ending in "/" or a .zip/.tar key`);
        }
        await uploadWith(store, key, ctx, (out) => writeBody(entry.body, out, ctx));
        files++;
      }
      if (files === 0) throw new UsageError(`${format} produced no output file`);
    } finally {
      await store.close?.();
    }
    return { location: `${store.url}/${key}`, files, bytes: ctx.stats.bytesWritten };
  };
}

export function bucketArchiveSink(store: BlobStore, key: string, kind: 'zip' | 'tar'): Sink {
  return async (entries, ctx) => {
    let files = 0;
    try {
      await uploadWith(store, key, ctx, async (out) => {
        files = kind === 'zip' ? await zipInto(entries, out, ctx) : await tarInto(entries, out, ctx);
      });
    } finally {
      await store.close?.();
    }
    return { location: `${store.url}/${key}`, files, bytes: ctx.stats.bytesWritten };
  };
}

function keyUnder(prefix: string, path: string): string {
  return prefix + safeRelativePath(path);
}

/** Small bodies go out as single puts, in parallel; streamed bodies as uploads, one at a time. */
export function bucketPrefixSink(store: BlobStore, prefix: string, concurrency: number): Sink {
  return async (entries, ctx) => {
    const limit = pLimit(concurrency);
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    let files = 0;
    const put = async (entry: Entry, key: string) => {
      const body = entry.body as Buffer | string;
      await store.put(key, body);
      ctx.stats.bytesWritten += Buffer.byteLength(body);
      files++;
    };
    try {
      for await (const entry of entries) {
        if (failure) break;
        const key = keyUnder(prefix, entry.path);
        if (typeof entry.body === 'string' || Buffer.isBuffer(entry.body)) {
          const p: Promise<void> = limit(() => put(entry, key))
            .catch((e: unknown) => {
              failure ??= e;
            })
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
          // Backpressure: do not pull more entries than can be written at once.
          if (inFlight.size >= concurrency) await Promise.race(inFlight);
        } else {
          await uploadWith(store, key, ctx, (out) => writeBody(entry.body, out, ctx));
          files++;
        }
      }
      await Promise.all(inFlight);
      if (failure) throw failure;
    } catch (e) {
      await Promise.all(inFlight);
      ctx.log.error({ location: `${store.url}/${prefix}`, objectsWritten: files }, 'bucket export failed; objects already written remain');
      throw e;
    } finally {
      await store.close?.();
    }
    return { location: `${store.url}/${prefix}`, files, bytes: ctx.stats.bytesWritten };
  };
}
