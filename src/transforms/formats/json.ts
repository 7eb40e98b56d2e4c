// JSON: Label Studio's export shape, streamed as an array with one compact task per line
// (`[\n` task `,\n` task `\n]\n`), so the file is valid JSON and still line-diffable.

import type { Encoder } from '../../contracts.js';
import { framed, singleFileEntry } from './single-file.js';

export const encodeJson: Encoder = async function* (tasks, ctx) {
  async function* encoded() {
    for await (const batch of tasks) {
      ctx.stats.written += batch.length;
      yield batch.map((t) => JSON.stringify(t)).join(',\n');
    }
  }
  yield singleFileEntry('result.json', framed(encoded(), { open: '[\n', sep: ',\n', close: '\n]\n', empty: '[]\n' }));
};
