// NDJSON (our addition): one compact task object per line, the shape of the JSON format.

import type { Encoder } from '../../contracts.js';
import { singleFileEntry } from './single-file.js';

export const encodeNdjson: Encoder = async function* (tasks, ctx) {
  async function* encoded() {
    for await (const batch of tasks) {
      if (batch.length === 0) continue;
      ctx.stats.written += batch.length;
      let text = '';
      for (const t of batch) text += `${JSON.stringify(t)}\n`;
      yield text;
    }
  }
  yield singleFileEntry('result.ndjson', encoded());
};
