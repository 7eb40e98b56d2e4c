// A directory receives each entry under its relative path (names as Label Studio's converter
// writes them). Files are written into a staging folder inside the destination and moved into
// place only when the whole export succeeded; on failure the staging folder is removed.

import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Sink } from '../contracts.js';
import { WRITE_AHEAD_BYTES, writeBody } from './body.js';
import { safeRelativePath } from './safe-path.js';

export function directorySink(dir: string): Sink {
  return async (entries, ctx) => {
    await mkdir(dir, { recursive: true });
    const staging = join(dir, `.labelstream-staging-${process.pid}`);
    await mkdir(staging, { recursive: true });
    let files = 0;
    const made = new Set<string>();
    try {
      for await (const entry of entries) {
        const rel = safeRelativePath(entry.path);
        const target = join(staging, rel);
        const parent = dirname(target);
        if (!made.has(parent)) {
          await mkdir(parent, { recursive: true });
          if (made.size < 10_000) made.add(parent);
        }
        await writeBody(entry.body, createWriteStream(target, { highWaterMark: WRITE_AHEAD_BYTES }), ctx);
        files++;
      }
      // Move the top-level entries of the staging folder into place.
      for (const name of await readdir(staging)) {
        const dest = join(dir, name);
        await rm(dest, { recursive: true, force: true });
        await rename(join(staging, name), dest);
      }
      await rm(staging, { recursive: true, force: true });
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw e;
    }
    return { location: dir, files, bytes: ctx.stats.bytesWritten };
  };
}
