// Helpers to write an entry body (stream, Buffer or string) with byte counting.

import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Entry } from '../contracts.js';
import type { RunContext } from '../run-context.js';

export function bodyStream(body: Entry['body']): Readable {
  if (typeof body === 'string' || Buffer.isBuffer(body)) return Readable.from([Buffer.from(body)]);
  return body;
}

export function byteCounter(ctx: RunContext): Transform {
  return new Transform({
    transform(chunk: Buffer | string, _enc, cb) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      ctx.stats.bytesWritten += b.length;
      cb(null, b);
    },
  });
}

/** Pipes an entry body into `dest` (which is ended), counting bytes, honouring the abort signal. */
export async function writeBody(body: Entry['body'], dest: Writable, ctx: RunContext): Promise<void> {
  await pipeline(bodyStream(body), byteCounter(ctx), dest, { signal: ctx.signal });
}
