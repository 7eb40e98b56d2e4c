// JSON_MIN (export-formats.md §5 "JSON_MIN"): one flat record per kept annotation, plus one per
// unannotated task. Framing `[\n` records `,\n` `\n]`, each record ujson indent 2, not ASCII-escaped.

import type { Encoder } from '../../contracts.js';
import type { Json, JsonObject } from '../../task.js';
import { annotatorOf, type Item, countedItems, type OutputGroup, prettify } from './items.js';
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

/** Keys of the record after the outputs (agreement only when the task has one). */
const TAIL_KEYS = ['annotator', 'annotation_id', 'created_at', 'updated_at', 'lead_time', 'agreement'];
/** Array-index keys, which a JS object (so jsonMinRecord) orders before every other key. */
const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;

/**
 * True when the record's keys are plain: no array-index key and no output or tail key that repeats a
 * data key (or another record key). Then the record's key order is simply data keys, id, outputs,
 * tail, and jsonMinText can write it without building the object.
 */
function plainKeys(item: Item): boolean {
  const data = item.input;
  for (const k in data) if (INDEX_KEY.test(k)) return false;
  for (const k of TAIL_KEYS) if (Object.hasOwn(data, k)) return false;
  for (const name of item.groups.keys()) {
    if (name === 'id' || INDEX_KEY.test(name) || Object.hasOwn(data, name) || TAIL_KEYS.includes(name)) return false;
  }
  return true;
}

/** Indent-2 JSON text of `value` at nesting level 0 (undefined when JSON.stringify omits it). */
const pretty = (value: unknown): string | undefined => JSON.stringify(value, null, 2);

/** `text` (indent-2 JSON at level 0) moved one level deeper: JSON strings hold no raw newline. */
const deeper = (text: string) => (text.includes('\n') ? text.replaceAll('\n', '\n  ') : text);

/** `"key": value` at indent level 1 of an indent-2 object ('' for a value JSON leaves out). */
function member(key: string, text: string | undefined): string {
  return text === undefined ? '' : `,\n  ${JSON.stringify(key)}: ${deeper(text)}`;
}

/**
 * prettify() (items.ts) of one output as indent-2 JSON text, written from the results themselves
 * instead of regions copied from them: a region is the result's value plus `type` and the image
 * size, and prettify copies it again without `type`. Undefined when a value is not a plain object
 * or has one of those keys itself (the caller then prettifies the regions).
 */
function outputText(group: OutputGroup): string | undefined {
  const { results, types } = group;
  const texts: string[] = new Array(results.length);
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    const value = (r.value ?? {}) as JsonObject;
    if (typeof value !== 'object' || Array.isArray(value)) return undefined;
    if (value.type !== undefined || value.original_width !== undefined || value.original_height !== undefined) return undefined;
    const type = types[i];
    let single: Json | undefined;
    if (type === 'Choices' && Array.isArray(value.choices) && value.choices.length === 1) single = value.choices[0];
    else if (type === 'TextArea' && Array.isArray(value.text) && value.text.length === 1) single = value.text[0];
    else if ((type === 'Chat' || type === 'chatmessage') && value.chatmessage !== undefined && value.chatmessage !== null) single = value.chatmessage;
    if (single !== undefined) {
      texts[i] = pretty(single) ?? 'null'; // JSON writes a list element it cannot represent as null
      continue;
    }
    let text = pretty(value) as string;
    let extra = '';
    if (r.original_width !== undefined) extra += member('original_width', pretty(r.original_width));
    if (r.original_height !== undefined) extra += member('original_height', pretty(r.original_height));
    if (extra !== '') text = text === '{}' ? `{\n${extra.slice(2)}\n}` : `${text.slice(0, -2)}${extra}\n}`;
    texts[i] = text;
  }
  const last = types[types.length - 1];
  if ((last === 'Choices' || last === 'TextArea') && texts.length === 1) return texts[0];
  let list = '[';
  for (let i = 0; i < texts.length; i++) list += `${i === 0 ? '\n  ' : ',\n  '}${deeper(texts[i])}`;
  return `${list}\n]`;
}

/**
 * `ujson(jsonMinRecord(item), { indent: 2 })` without the intermediate record object: the
 * members are written in the record's key order (the fallback keeps the object where keys collide).
 */
export function jsonMinText(item: Item): string {
  if (!plainKeys(item)) return ujson(jsonMinRecord(item), { indent: 2 });
  const data = item.input;
  let body = '';
  let hasId = false;
  for (const k in data) {
    if (k === 'id') hasId = true;
    body += member(k, pretty(k === 'id' ? item.id : data[k]));
  }
  if (!hasId) body += member('id', pretty(item.id));
  for (const [name, group] of item.groups) body += member(name, outputText(group) ?? pretty(prettify(item.output.get(name) ?? [])));
  body += member('annotator', pretty(annotatorOf(item.completed_by, true)));
  body += member('annotation_id', pretty(item.annotation_id));
  body += member('created_at', pretty(item.created_at));
  body += member('updated_at', pretty(item.updated_at));
  body += member('lead_time', pretty(item.lead_time));
  if (item.hasAgreement) body += member('agreement', pretty(item.agreement));
  const text = `{\n${body.slice(2)}\n}`;
  return text.includes('/') ? text.replaceAll('/', '\\/') : text;
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
          const text = jsonMinText(item);
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
