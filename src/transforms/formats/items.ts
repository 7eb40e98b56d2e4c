// The converter's item stream (export-formats.md §2, `annotation_result_from_task`): one item per
// kept (non-cancelled) annotation, newest `created_at` first; one empty item for a task without
// annotations; nothing for a task whose annotations are all cancelled. Every converter format
// except JSON/NDJSON encodes items, so this is the one place that decides them.

import type { LabelConfig, OutputTag } from '../../label-config.js';
import { countSkip, type RunStats } from '../../run-context.js';
import type { Annotation, Json, JsonObject, ResultRegion, Task, UserDetails } from '../../task.js';

export interface Region extends JsonObject {}

/**
 * The task and annotation keys the item stream (and so every converter format but DOCLANG) reads,
 * with the in-process filters that may run before it (annotation filter: ground_truth; --finished
 * without is_labeled: annotations). Database sources leave the other columns out for these formats.
 */
export const ITEM_TASK_KEYS: ReadonlySet<string> = new Set(['id', 'data', 'annotations', 'agreement', 'updated_at']);
export const ITEM_ANNOTATION_KEYS: ReadonlySet<string> = new Set([
  'id', 'completed_by', 'result', 'was_cancelled', 'ground_truth', 'created_at', 'updated_at', 'lead_time', 'history',
]);

export interface Item {
  id: number;
  input: JsonObject;
  /** from_name → regions, in order of first appearance. */
  output: Map<string, Region[]>;
  completed_by: number | UserDetails | null | undefined;
  annotation_id: number | null;
  created_at: string | null;
  updated_at: string | null;
  lead_time: number | null;
  history: Json | undefined;
  agreement?: Json;
  hasAgreement: boolean;
  /** The task the item came from (for formats that need more than the item). */
  task: Task;
  /** The annotation's results grouped by output, not copied (what `output` is built from). */
  groups: ReadonlyMap<string, OutputGroup>;
  annotation?: Annotation;
}

export interface ItemOptions {
  /** Copy `id` and `parentID` of results into regions (YOLO keypoint mode only). */
  keepRegionIds?: boolean;
}

const escapeRe = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

/** Repeater tags' name patterns, compiled once per config (not per result of every task). */
const repeaterPatterns = new WeakMap<LabelConfig, Array<{ tag: OutputTag; re: RegExp; len: number }>>();

function patternsOf(config: LabelConfig) {
  let list = repeaterPatterns.get(config);
  if (!list) {
    list = [];
    for (const [name, tag] of Object.entries(config.schema)) {
      if (!tag.regex) continue;
      let pattern = escapeRe(name);
      for (const [v, re] of Object.entries(tag.regex)) pattern = pattern.split(escapeRe(v)).join(re);
      list.push({ tag, re: new RegExp(`^${pattern}$`), len: name.length });
    }
    repeaterPatterns.set(config, list);
  }
  return list;
}

/** Finds the schema tag for a result's from_name: exact, else the longest matching Repeater pattern. */
export function tagFor(config: LabelConfig, fromName: string): OutputTag | undefined {
  const exact = config.schema[fromName];
  if (exact) return exact;
  let best: { tag: OutputTag; len: number } | undefined;
  for (const p of patternsOf(config)) if (p.re.test(fromName) && (!best || p.len > best.len)) best = p;
  return best?.tag;
}

function byCreatedAtDesc(a: Annotation, b: Annotation): number {
  const x = a.created_at ?? '';
  const y = b.created_at ?? '';
  return x < y ? 1 : x > y ? -1 : 0;
}

/** One output (from_name) of an annotation: its results in order, and each one's schema tag type. */
export interface OutputGroup {
  results: ResultRegion[];
  types: string[];
}

/** An annotation's results grouped by output, in order of first appearance (results of no known tag dropped). */
function groupResults(result: ResultRegion[] | null | undefined, config: LabelConfig): Map<string, OutputGroup> {
  const groups = new Map<string, OutputGroup>();
  for (const r of result ?? []) {
    let type: string;
    if (r.type === 'chatmessage') {
      type = 'chatmessage';
    } else {
      if (typeof r.from_name !== 'string') continue;
      const tag = tagFor(config, r.from_name);
      if (!tag) continue;
      type = tag.type;
    }
    const name = typeof r.from_name === 'string' ? r.from_name : 'chatmessage';
    let group = groups.get(name);
    if (!group) {
      group = { results: [], types: [] };
      groups.set(name, group);
    }
    group.results.push(r);
    group.types.push(type);
  }
  return groups;
}

/** The regions of each output: a result's value plus its tag type and image size. */
function buildOutput(groups: ReadonlyMap<string, OutputGroup>, opts: ItemOptions): Map<string, Region[]> {
  const output = new Map<string, Region[]>();
  for (const [name, { results, types }] of groups) {
    const regions: Region[] = new Array(results.length);
    for (let i = 0; i < results.length; i++) {
      const r = results[i];
      // A shallow copy: encoders add keys to a region but never change its nested values.
      const region: Region = { ...((r.value ?? {}) as JsonObject) };
      region.type = types[i];
      if (r.original_width !== undefined) region.original_width = r.original_width;
      if (r.original_height !== undefined) region.original_height = r.original_height;
      if (opts.keepRegionIds) {
        if (r.id !== undefined) region.id = r.id;
        if (r.parentID !== undefined) region.parentID = r.parentID;
      }
      regions[i] = region;
    }
    output.set(name, regions);
  }
  return output;
}

const NO_GROUPS: ReadonlyMap<string, OutputGroup> = new Map();

/**
 * An item whose outputs are built on first use: JSON_MIN writes them from the grouped results
 * (`groups`) without copying every result into a region.
 */
class AnnotationItem implements Item {
  private grouped: Map<string, OutputGroup> | undefined;
  private built: Map<string, Region[]> | undefined;
  readonly id: number;
  readonly input: JsonObject;
  readonly completed_by: Item['completed_by'];
  readonly annotation_id: number | null;
  readonly created_at: string | null;
  readonly updated_at: string | null;
  readonly lead_time: number | null;
  readonly history: Json | undefined;
  readonly agreement: Json | undefined;

  constructor(
    readonly task: Task,
    readonly hasAgreement: boolean,
    readonly annotation: Annotation | undefined,
    private readonly config: LabelConfig,
    private readonly opts: ItemOptions,
  ) {
    const a = annotation;
    this.id = task.id;
    this.input = task.data;
    this.completed_by = a?.completed_by;
    this.annotation_id = a === undefined ? null : (a.id ?? null);
    this.created_at = a?.created_at ?? null;
    this.updated_at = a?.updated_at ?? null;
    this.lead_time = a?.lead_time ?? null;
    this.history = a?.history as Json | undefined;
    this.agreement = hasAgreement ? (task.agreement as Json) : undefined;
  }

  get groups(): ReadonlyMap<string, OutputGroup> {
    if (this.annotation === undefined) return NO_GROUPS;
    return (this.grouped ??= groupResults(this.annotation.result, this.config));
  }

  get output(): Map<string, Region[]> {
    return (this.built ??= buildOutput(this.groups, this.opts));
  }
}

/** The items of one task, in the converter's order. */
export function itemsOfTask(task: Task, config: LabelConfig, opts: ItemOptions = {}): Item[] {
  const list = task.annotations ?? task.completions;
  if (list === undefined) return [];
  const hasAgreement = Object.prototype.hasOwnProperty.call(task, 'agreement');
  if (list.length === 0) return [new AnnotationItem(task, hasAgreement, undefined, config, opts)];
  const kept = list.filter((a) => !a.was_cancelled && !(a as { skipped?: unknown }).skipped);
  if (kept.length > 1) kept.sort(byCreatedAtDesc); // stable: ties keep input order
  const items: Item[] = new Array(kept.length);
  for (let i = 0; i < kept.length; i++) items[i] = new AnnotationItem(task, hasAgreement, kept[i], config, opts);
  return items;
}

/** `get_annotator` (§4), with F8: a null completed_by is "no annotator", never the string "None". */
export function annotatorOf(completedBy: Item['completed_by'], intId: boolean): string | number | null {
  if (completedBy === null || completedBy === undefined) return null;
  if (typeof completedBy === 'object') return typeof completedBy.email === 'string' ? completedBy.email : null;
  if (typeof completedBy === 'number') return intId ? completedBy : String(completedBy);
  return String(completedBy);
}

/**
 * prettify_result's value for one region instead of the region itself (Choices and TextArea with
 * one entry, a chat message), or undefined. `value` holds the region's keys (a region or the
 * result value it was copied from); `type` is its schema tag type.
 */
export function bareRegionValue(type: unknown, value: JsonObject): Json | undefined {
  if (type === 'Choices' && Array.isArray(value.choices) && value.choices.length === 1) return value.choices[0];
  if (type === 'TextArea' && Array.isArray(value.text) && value.text.length === 1) return value.text[0];
  if ((type === 'Chat' || type === 'chatmessage') && value.chatmessage !== undefined && value.chatmessage !== null) return value.chatmessage;
  return undefined;
}

/** prettify_result writes an output's only value rather than a list (last region Choices or TextArea). */
export const isBareOutput = (lastType: unknown, count: number) => (lastType === 'Choices' || lastType === 'TextArea') && count === 1;

/** `prettify_result` (§4): the JSON_MIN / CSV value of one output. */
export function prettify(regions: Region[]): Json {
  const out: Json[] = regions.map((r) => {
    const bare = bareRegionValue(r.type, r);
    if (bare !== undefined) return bare;
    // Every key but `type`, in order (a copy loop: object rest destructuring is several times slower).
    const rest: JsonObject = {};
    for (const k in r) if (k !== 'type') rest[k] = r[k];
    return rest;
  });
  const lastType = regions.length > 0 ? regions[regions.length - 1].type : undefined;
  return isBareOutput(lastType, out.length) ? out[0] : out;
}

/**
 * The items of a task for an encoder that writes every item: counts the task as written, or as
 * skipped ("no non-cancelled annotation") when it yields none, so the run summary adds up.
 */
export function countedItems(task: Task, config: LabelConfig, stats: RunStats, opts: ItemOptions = {}): Item[] {
  const items = itemsOfTask(task, config, opts);
  if (items.length === 0) countSkip(stats, 'no non-cancelled annotation');
  else stats.written++;
  return items;
}
