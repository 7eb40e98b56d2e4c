// The null sink reads and encodes everything and writes nothing (read-path benchmarks).

import type { Sink } from '../contracts.js';
import { bodyStream } from './body.js';

export const nullSink: Sink = async (entries, ctx) => {
  let files = 0;
  for await (const entry of entries) {
    const body = entry.body;
    if (Buffer.isBuffer(body)) ctx.stats.bytesWritten += body.length; // no stream per in-memory body
    else if (typeof body === 'string') ctx.stats.bytesWritten += Buffer.byteLength(body);
    else for await (const chunk of bodyStream(body)) ctx.stats.bytesWritten += (chunk as Buffer).length;
    files++;
  }
  return { location: 'null', files, bytes: ctx.stats.bytesWritten };
};
