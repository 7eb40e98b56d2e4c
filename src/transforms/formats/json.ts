// JSON: Label Studio's export shape, streamed as an array with one compact task per line
// (`[\n` task `,\n` task `\n]\n`), so the file is valid JSON and still line-diffable.

import type { Encoder } from '../../contracts.js';
import { RAW_JSON, type Task } from '../../task.js';
import { framed, singleFileEntry } from './single-file.js';

/**
 * Encoded tasks leave in pieces of about this many characters, below V8's large-object threshold
 * (~128 KB): a piece then dies young in a scavenge, where a whole-batch string (~1 MB) would sit in
 * large-object space until the next full GC. Measured at 100k tasks: peak RSS 211 → 141 MB, same
 * speed (benchmarks/README.md, "Where the time and memory go").
 */
export const PIECE_BYTES = 64 * 1024;

/**
 * Each task's JSON joined by `sep`, in pieces of about PIECE_BYTES, each followed by `end`. A task
 * that no transform touched is written as the bytes it was read from (one-line texts only, so the
 * output keeps one task per line): no JSON.stringify and no UTF-8 re-encoding on that path.
 */
export function* encodedPieces(batch: Task[], sep: string, end: string): Generator<Buffer> {
  const sepBytes = Buffer.from(sep);
  const endBytes = Buffer.from(end);
  let parts: Buffer[] = [];
  let size = 0;
  for (const task of batch) {
    const raw = task[RAW_JSON];
    const bytes = raw !== undefined && raw.indexOf(0x0a) < 0 ? raw : Buffer.from(JSON.stringify(task));
    if (parts.length > 0) parts.push(sepBytes);
    parts.push(bytes);
    size += bytes.length;
    if (size >= PIECE_BYTES) {
      parts.push(endBytes);
      yield Buffer.concat(parts);
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) {
    parts.push(endBytes);
    yield Buffer.concat(parts);
  }
}

export const encodeJson: Encoder = async function* (tasks, ctx) {
  async function* encoded() {
    for await (const batch of tasks) {
      ctx.stats.written += batch.length;
      yield* encodedPieces(batch, ',\n', '');
    }
  }
  yield singleFileEntry('result.json', framed(encoded(), { open: '[\n', sep: ',\n', close: '\n]\n', empty: '[]\n' }));
};
