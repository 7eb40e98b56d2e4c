// NDJSON (our addition): one compact task object per line, the shape of the JSON format.

import type { Encoder } from '../../contracts.js';
import { encodedPieces } from './json.js';
import { singleFileEntry } from './single-file.js';

export const encodeNdjson: Encoder = async function* (tasks, ctx) {
  async function* encoded() {
    for await (const batch of tasks) {
      if (batch.length === 0) continue;
      ctx.stats.written += batch.length;
      yield* encodedPieces(batch, '\n', '\n');
    }
  }
  yield singleFileEntry('result.ndjson', encoded());
};
