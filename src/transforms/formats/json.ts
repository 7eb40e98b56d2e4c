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
export const PIECE_CHARS = 64 * 1024;

/** `JSON.stringify` of each task joined by `sep`, in pieces of about PIECE_CHARS, each + `end`. */
export function* stringifiedPieces(batch: Task[], sep: string, end: string): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  for (const task of batch) {
    // Pass-through of the source text when the run has no transform (a one-line text only, so the
    // output keeps one task per line).
    const raw = task[RAW_JSON];
    const text = raw !== undefined && raw.indexOf('\n') < 0 ? raw : JSON.stringify(task);
    parts.push(text);
    size += text.length;
    if (size >= PIECE_CHARS) {
      yield parts.join(sep) + end;
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) yield parts.join(sep) + end;
}

export const encodeJson: Encoder = async function* (tasks, ctx) {
  async function* encoded() {
    for await (const batch of tasks) {
      ctx.stats.written += batch.length;
      yield* stringifiedPieces(batch, ',\n', '');
    }
  }
  yield singleFileEntry('result.json', framed(encoded(), { open: '[\n', sep: ',\n', close: '\n]\n', empty: '[]\n' }));
};
