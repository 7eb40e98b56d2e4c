// Single-file formats (JSON, JSON_MIN, NDJSON, CSV, …) are one entry whose body is generated
// lazily from the task batches: the sink pulls, the generator pulls the source (backpressure).

import { Readable } from 'node:stream';
import type { Entry } from '../../contracts.js';

export function singleFileEntry(path: string, chunks: AsyncIterable<string | Buffer>): Entry {
  return { path, body: Readable.from(chunks, { objectMode: false, highWaterMark: 1 }) };
}

/**
 * Frames batches of encoded records as `open` + records joined by `sep` + `close`, or `empty`
 * when there are none. `encodeBatch` returns the encoded records of one batch (joined by `sep`),
 * or '' when the batch produced no record.
 */
export async function* framed(
  batches: AsyncIterable<string | Buffer>,
  frame: { open: string; sep: string; close: string; empty: string },
): AsyncGenerator<string | Buffer> {
  let first = true;
  for await (const text of batches) {
    if (text.length === 0) continue;
    yield first ? frame.open : frame.sep;
    yield text;
    first = false;
  }
  yield first ? frame.empty : frame.close;
}
