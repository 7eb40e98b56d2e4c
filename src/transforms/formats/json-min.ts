// JSON_MIN (export-formats.md §5 "JSON_MIN"): one flat record per kept annotation, plus one per
// unannotated task. Framing `[\n` records `,\n` `\n]`, each record ujson indent 2, not ASCII-escaped.

import type { Encoder } from '../../contracts.js';
import type { Json, JsonObject } from '../../task.js';
import { annotatorOf, bareRegionValue, countedItems, isBareOutput, type Item, type OutputGroup, prettify } from './items.js';
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

/** The [prefix, suffix] lengths JSON.stringify(value wrapped in `level` arrays, null, 2) adds. */
const WRAP = [1, 2, 3].map((level) => {
  let probe: unknown = 0;
  for (let i = 0; i < level; i++) probe = [probe];
  const text = JSON.stringify(probe, null, 2);
  return [text.indexOf('0'), text.length - text.indexOf('0') - 1] as const;
});

/**
 * Indent-2 JSON text of `value` as it reads at nesting `level` (1–3), written that way by one
 * JSON.stringify of the value wrapped in arrays (no re-indenting pass over the text); a value JSON
 * cannot represent reads `null`, as in a list.
 */
function atLevel(value: unknown, level: 1 | 2 | 3): string {
  let wrapped: unknown = value;
  for (let i = 0; i < level; i++) wrapped = [wrapped];
  const [head, tail] = WRAP[level - 1];
  const text = JSON.stringify(wrapped, null, 2);
  return text.slice(head, text.length - tail);
}

/** A record value's text at level 1 (scalars, the usual data values, need no re-indenting). */
function level1(value: unknown): string | undefined {
  const text = pretty(value);
  return text === undefined ? undefined : deeper(text);
}

/** `"key": value` of an indent-2 object at level 0, `text` already at level 1 ('' when undefined). */
function member(key: string, text: string | undefined): string {
  return text === undefined ? '' : `,\n  ${JSON.stringify(key)}: ${text}`;
}

/** A member of a region object whose own text is at `level` (its members one level deeper). */
const regionMember = (key: string, value: unknown, level: 1 | 2) =>
  `,\n${level === 1 ? '    ' : '      '}${JSON.stringify(key)}: ${atLevel(value, level === 1 ? 2 : 3)}`;

/**
 * prettify() (items.ts) of one output as indent-2 JSON text at level 1, written from the results
 * themselves instead of regions copied from them: a region is the result's value plus `type` and
 * the image size, and prettify copies it again without `type`. Undefined when a value is not a
 * plain object or has one of those keys itself (the caller then prettifies the regions).
 */
function outputText(group: OutputGroup): string | undefined {
  const { results, types } = group;
  const bare = isBareOutput(types[types.length - 1], results.length); // the value, not a list
  let list = '';
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    const value = (r.value ?? {}) as JsonObject;
    if (typeof value !== 'object' || Array.isArray(value)) return undefined;
    if (value.type !== undefined || value.original_width !== undefined || value.original_height !== undefined) return undefined;
    const single = bareRegionValue(types[i], value);
    const level = bare ? 1 : 2;
    let text = atLevel(single !== undefined ? single : value, level);
    if (single === undefined && (r.original_width !== undefined || r.original_height !== undefined)) {
      let extra = '';
      if (r.original_width !== undefined) extra += regionMember('original_width', r.original_width, level);
      if (r.original_height !== undefined) extra += regionMember('original_height', r.original_height, level);
      const close = level === 1 ? '\n  }' : '\n    }';
      text = text === '{}' ? `{${extra.slice(1)}${close}` : `${text.slice(0, -close.length)}${extra}${close}`;
    }
    if (bare) return text;
    list += `${i === 0 ? '\n    ' : ',\n    '}${text}`;
  }
  return `[${list}\n  ]`;
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
    body += member(k, level1(k === 'id' ? item.id : data[k]));
  }
  if (!hasId) body += member('id', level1(item.id));
  for (const [name, group] of item.groups) body += member(name, outputText(group) ?? level1(prettify(item.output.get(name) ?? [])));
  body += member('annotator', level1(annotatorOf(item.completed_by, true)));
  body += member('annotation_id', level1(item.annotation_id));
  body += member('created_at', level1(item.created_at));
  body += member('updated_at', level1(item.updated_at));
  body += member('lead_time', level1(item.lead_time));
  if (item.hasAgreement) body += member('agreement', level1(item.agreement));
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
