// A single output file. Written to a temp name beside the destination and renamed on success, so
// a reader never sees a truncated file at the destination path. A destination that exists and is
// not a regular file (/dev/null, a named pipe, a shell's /dev/fd/N) is written to directly: renaming
// over it would replace the device or pipe with a file. A format that writes several files needs a
// directory, a .zip/.tar path or stdout (tar) instead.

import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Sink } from '../contracts.js';
import { UsageError } from '../errors.js';
import { WRITE_AHEAD_BYTES, writeBody } from './body.js';

export function tempPathFor(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.labelstream-tmp-${process.pid}`);
}

export function fileSink(path: string, format: string): Sink {
  return async (entries, ctx) => {
    const existing = await stat(path).catch(() => undefined);
    const special = existing !== undefined && !existing.isFile() && !existing.isDirectory();
    const tmp = special ? path : tempPathFor(path);
    let files = 0;
    try {
      for await (const entry of entries) {
        if (files > 0) {
          throw new UsageError(
            `${format} writes several files; give a directory (a path ending in "/"), a .zip or .tar path, or "-" for a tar on stdout`,
          );
        }
        await writeBody(entry.body, createWriteStream(tmp, { highWaterMark: WRITE_AHEAD_BYTES }), ctx);
        files++;
      }
      if (files === 0) throw new UsageError(`${format} produced no output file`);
      if (!special) await rename(tmp, path);
    } catch (e) {
      if (!special) await rm(tmp, { force: true });
      throw e;
    }
    return { location: path, files, bytes: ctx.stats.bytesWritten };
  };
}
