// Archives, streamed: tar (tar-stream) and zip (archiver). Entries are added one at a time and
// the next is pulled only when the previous one is in, so memory does not grow with the number
// of files. Tar headers need sizes: a streamed body of unknown size is spooled to a temp file
// first (single-file formats only; multi-file formats give Buffers).

import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';
import tarStream from 'tar-stream';
import type { Entry, Sink } from '../contracts.js';
import type { RunContext } from '../run-context.js';
import { byteCounter, bodyStream, WRITE_AHEAD_BYTES } from './body.js';
import { tempPathFor } from './file.js';
import { safeRelativePath } from './safe-path.js';

let spoolSeq = 0;

async function sized(entry: Entry, ctx: RunContext): Promise<{ body: Buffer | NodeJS.ReadableStream; size: number; cleanup?: string }> {
  if (typeof entry.body === 'string' || Buffer.isBuffer(entry.body)) {
    const b = Buffer.from(entry.body);
    return { body: b, size: b.length };
  }
  const spool = join(ctx.tmpDir, `tar-spool-${process.pid}-${spoolSeq++}`);
  await pipeline(entry.body, createWriteStream(spool), { signal: ctx.signal });
  const { size } = await stat(spool);
  return { body: createReadStream(spool), size, cleanup: spool };
}

/** Writes entries as a tar into `out`; ends `out` when `endOut`. Returns the number of files. */
export async function tarInto(entries: AsyncIterable<Entry>, out: Writable, ctx: RunContext, endOut = true): Promise<number> {
  const pack = tarStream.pack();
  const done = pipeline(pack, byteCounter(ctx), out, { end: endOut, signal: ctx.signal });
  let files = 0;
  try {
    for await (const entry of entries) {
      const name = safeRelativePath(entry.path);
      const { body, size, cleanup } = await sized(entry, ctx);
      try {
        if (Buffer.isBuffer(body)) {
          await new Promise<void>((res, rej) => pack.entry({ name, size, mtime: new Date() }, body, (e) => (e ? rej(e) : res())));
        } else {
          const w = pack.entry({ name, size, mtime: new Date() });
          await pipeline(body, w);
        }
      } finally {
        if (cleanup) await rm(cleanup, { force: true });
      }
      files++;
    }
    pack.finalize();
  } catch (e) {
    pack.destroy(e as Error);
    await done.catch(() => undefined);
    throw e;
  }
  await done;
  return files;
}

/** Writes entries as a zip into `out` (ended at the end). Returns the number of files. */
export async function zipInto(entries: AsyncIterable<Entry>, out: Writable, ctx: RunContext): Promise<number> {
  const zip = new ZipArchive({ zlib: { level: 6 } });
  const done = pipeline(zip, byteCounter(ctx), out, { signal: ctx.signal });
  let files = 0;
  try {
    for await (const entry of entries) {
      const name = safeRelativePath(entry.path);
      const added = new Promise<void>((res, rej) => {
        const onEntry = () => {
          zip.off('error', onErr);
          res();
        };
        const onErr = (e: Error) => {
          zip.off('entry', onEntry);
          rej(e);
        };
        zip.once('entry', onEntry);
        zip.once('error', onErr);
      });
      const body = typeof entry.body === 'string' || Buffer.isBuffer(entry.body) ? Buffer.from(entry.body) : bodyStream(entry.body);
      zip.append(body, { name });
      await added;
      files++;
    }
    await zip.finalize();
  } catch (e) {
    zip.abort();
    await done.catch(() => undefined);
    throw e;
  }
  await done;
  return files;
}

/** A .zip or .tar file at `path`, written to a temp name and renamed on success. */
export function archiveFileSink(path: string, kind: 'zip' | 'tar'): Sink {
  return async (entries, ctx) => {
    const tmp = tempPathFor(path);
    try {
      const out = createWriteStream(tmp, { highWaterMark: WRITE_AHEAD_BYTES });
      const files = kind === 'zip' ? await zipInto(entries, out, ctx) : await tarInto(entries, out, ctx);
      await rename(tmp, path);
      return { location: path, files, bytes: ctx.stats.bytesWritten };
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  };
}
