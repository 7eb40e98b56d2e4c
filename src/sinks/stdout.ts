// stdout: a single-file format streams as is; a multi-file format streams as a tar archive.
// A closed pipe (`| head`) ends the run quietly instead of crashing.

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Sink } from '../contracts.js';
import { AbortedError } from '../errors.js';
import { tarInto } from './archive.js';
import { bodyStream } from './body.js';

export function stdoutSink(multiFile: boolean, out: Writable = process.stdout): Sink {
  return async (entries, ctx) => {
    let broken = false;
    const onError = (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') broken = true;
    };
    out.on('error', onError);
    try {
      if (multiFile) {
        const files = await tarInto(entries, out, ctx, false);
        return { location: 'stdout (tar)', files, bytes: ctx.stats.bytesWritten };
      }
      let files = 0;
      for await (const entry of entries) {
        for await (const chunk of bodyStream(entry.body)) {
          if (broken) throw new AbortedError('stdout was closed by the reader');
          if (ctx.signal.aborted) throw new AbortedError();
          ctx.stats.bytesWritten += chunk.length;
          if (!out.write(chunk)) await once(out, 'drain', { signal: ctx.signal });
        }
        files++;
      }
      return { location: 'stdout', files, bytes: ctx.stats.bytesWritten };
    } finally {
      out.off('error', onError);
    }
  };
}
