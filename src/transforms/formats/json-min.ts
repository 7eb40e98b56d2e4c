// JSON_MIN (export-formats.md §5 "JSON_MIN"): one flat record per kept annotation, plus one per
// unannotated task. Framing `[\n` records `,\n` `\n]`, each record ujson indent 2, not ASCII-escaped.

import type { Encoder } from '../../contracts.js';
import type { Json, JsonObject } from '../../task.js';
import { annotatorOf, type Item, countedItems, prettify } from './items.js';
import { framed, singleFileEntry } from './single-file.js';
import { ujson } from './ujson.js';
import { requireLabelConfig } from './require-config.js';
import { PIECE_BYTES } from './json.js';

export function jsonMinRecord(item: Item): JsonObject {
  const rec: JsonObject = { ...item.input };
  rec.id = item.id; // the task id wins over data.id (R5), in data's key position
  for (const [name, regions] of item.output) rec[name] = prettify(regions);
  rec.annotator = annotatorOf(item.completed_by, true);
  rec.annotation_id = item.annotation_id;
  rec.created_at = item.created_at;
  rec.updated_at = item.updated_at;
  rec.lead_time = item.lead_time;
  if (item.hasAgreement) rec.agreement = item.agreement as Json;
  return rec;
}

export const encodeJsonMin: Encoder = async function* (tasks, ctx) {
  const config = requireLabelConfig(ctx, 'JSON_MIN');
  async function* encoded() {
    // ~64 KB pieces, not one string per batch: strings above V8's large-object threshold live
    // until the next full GC and raise peak RSS (same as the JSON encoder).
    for await (const batch of tasks) {
      let parts: string[] = [];
      let size = 0;
      for (const task of batch) {
        for (const item of countedItems(task, config, ctx.stats)) {
          const text = ujson(jsonMinRecord(item), { indent: 2 });
          parts.push(text);
          size += text.length;
          if (size >= PIECE_BYTES) {
            yield parts.join(',\n');
            parts = [];
            size = 0;
          }
        }
      }
      if (parts.length > 0) yield parts.join(',\n');
    }
  }
  yield singleFileEntry('result.json', framed(encoded(), { open: '[\n', sep: ',\n', close: '\n]', empty: '[\n\n]' }));
};
