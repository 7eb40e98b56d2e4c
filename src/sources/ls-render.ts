// Row → Task rendering shared by the PostgreSQL and SQLite sources, so both produce identical
// tasks: Label Studio's export serializer key orders (shared/spec/label-studio-export.md §2), value
// rendering (§3: datetimes, uuids, booleans, `$undefined$`, `created_ago`) and the optional columns
// of older/newer schemas (a key is emitted only when its column exists, in Django model order).
// Drivers hand raw rows plus a Decoder that knows their storage types (jsonb vs TEXT JSON, etc.).

import { type Annotation, type Draft, type JsonObject, type Prediction, RAW_JSON, type Task } from '../task.js';
import { quotedKey, RawJson, rawJson } from './raw-json.js';

/** How a driver's raw column values become JSON values. */
export interface Decoder {
  json(v: unknown): unknown;
  bool(v: unknown): boolean | null;
  uuid(v: unknown): string | null;
  /** Raw datetime → Label Studio ISO form (§3.1). */
  dt(v: unknown): string | null;
  int(v: unknown): number | null;
}

type Kind = 'int' | 'dt' | 'bool' | 'json' | 'uuid' | 'raw';
/** [export key, column, kind]. */
export type Field = readonly [string, string, Kind];

// Task fields after the leading `id, annotations, file_upload, drafts, predictions` (§2.1):
// concrete fields in model order, then the forward FKs. overlap, is_labeled and
// precomputed_agreement are excluded by the serializer. Unknown columns of other LS versions are
// not emitted (their position and whether LS excludes them cannot be known from the schema).
export const TASK_FIELDS: readonly Field[] = [
  ['data', 'data', 'json'],
  ['meta', 'meta', 'json'],
  ['created_at', 'created_at', 'dt'],
  ['updated_at', 'updated_at', 'dt'],
  ['allow_skip', 'allow_skip', 'bool'],
  ['inner_id', 'inner_id', 'int'],
  ['total_annotations', 'total_annotations', 'int'],
  ['cancelled_annotations', 'cancelled_annotations', 'int'],
  ['total_predictions', 'total_predictions', 'int'],
  ['comment_count', 'comment_count', 'int'],
  ['unresolved_comment_count', 'unresolved_comment_count', 'int'],
  ['last_comment_updated_at', 'last_comment_updated_at', 'dt'],
  ['project', 'project_id', 'int'],
  ['updated_by', 'updated_by_id', 'int'],
];

// Annotation (§2.2): `completed_by` is rendered separately (id or user object).
export const ANNOTATION_FIELDS: readonly Field[] = [
  ['id', 'id', 'int'],
  ['completed_by', 'completed_by_id', 'int'],
  ['result', 'result', 'json'],
  ['was_cancelled', 'was_cancelled', 'bool'],
  ['ground_truth', 'ground_truth', 'bool'],
  ['created_at', 'created_at', 'dt'],
  ['updated_at', 'updated_at', 'dt'],
  ['draft_created_at', 'draft_created_at', 'dt'],
  ['lead_time', 'lead_time', 'raw'],
  ['prediction', 'prediction', 'json'],
  ['result_count', 'result_count', 'int'],
  ['unique_id', 'unique_id', 'uuid'],
  ['import_id', 'import_id', 'int'],
  ['last_action', 'last_action', 'raw'],
  ['bulk_created', 'bulk_created', 'bool'],
  ['task', 'task_id', 'int'],
  ['project', 'project_id', 'int'],
  ['updated_by', 'updated_by_id', 'int'],
  ['parent_prediction', 'parent_prediction_id', 'int'],
  ['parent_annotation', 'parent_annotation_id', 'int'],
  ['last_created_by', 'last_created_by_id', 'int'],
];

// Expanded prediction (§2.3); `created_ago` is computed from created_at.
export const PREDICTION_FIELDS: readonly Field[] = [
  ['id', 'id', 'int'],
  ['result', 'result', 'json'],
  ['model_version', 'model_version', 'raw'],
  ['created_ago', 'created_at', 'raw'],
  ['score', 'score', 'raw'],
  ['cluster', 'cluster', 'int'],
  ['neighbors', 'neighbors', 'json'],
  ['mislabeling', 'mislabeling', 'raw'],
  ['created_at', 'created_at', 'dt'],
  ['updated_at', 'updated_at', 'dt'],
  ['model', 'model_id', 'int'],
  ['model_run', 'model_run_id', 'int'],
  ['task', 'task_id', 'int'],
  ['project', 'project_id', 'int'],
];

// Expanded draft (§2.4); `user`, `created_username`, `created_ago` come from the user join.
export const DRAFT_FIELDS: readonly Field[] = [
  ['id', 'id', 'int'],
  ['user', 'user_id', 'raw'],
  ['created_username', 'user_id', 'raw'],
  ['created_ago', 'created_at', 'raw'],
  ['result', 'result', 'json'],
  ['lead_time', 'lead_time', 'raw'],
  ['was_postponed', 'was_postponed', 'bool'],
  ['import_id', 'import_id', 'int'],
  ['created_at', 'created_at', 'dt'],
  ['updated_at', 'updated_at', 'dt'],
  ['task', 'task_id', 'int'],
  ['annotation', 'annotation_id', 'int'],
];

/** The fields whose column exists in this database. */
export function present(fields: readonly Field[], columns: Set<string>): Field[] {
  return fields.filter(([, col]) => columns.has(col));
}

/**
 * Distinct columns to SELECT for these fields; `jsonExpr` wraps the JSON columns (SQLite's json()
 * for raw rendering), keeping the column name.
 */
export function selectList(alias: string, fields: readonly Field[], jsonExpr?: (expr: string) => string): string {
  const json = new Set(fields.filter(([, , kind]) => kind === 'json').map(([, col]) => col));
  return [...new Set(fields.map(([, col]) => col))]
    .map((c) => (jsonExpr && json.has(c) ? `${jsonExpr(`${alias}.${c}`)} AS ${c}` : `${alias}.${c}`))
    .join(', ');
}

type Row = Record<string, unknown>;

function value(kind: Kind, raw: unknown, o: RenderOptions): unknown {
  if (raw === null || raw === undefined) return null;
  const d = o.decoder;
  switch (kind) {
    case 'int':
      return d.int(raw);
    case 'dt':
      return d.dt(raw);
    case 'bool':
      return d.bool(raw);
    case 'json':
      return o.raw && typeof raw === 'string' ? rawJson(raw) : d.json(raw);
    case 'uuid':
      return d.uuid(raw);
    default:
      return raw;
  }
}

// ---------------------------------------------------------------------------------------------
// Value helpers (§3)

/**
 * A stored datetime → `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` in UTC; microseconds only when non-zero.
 * Accepts PostgreSQL text output (`2024-01-30 02:40:43.8935+00`) and Django's SQLite text
 * (`2024-01-30 02:40:43.893565`, naive UTC), with an optional offset.
 */
export function lsDateTime(text: string): string {
  const fast = plainUtcDateTime(text);
  if (fast !== undefined) return fast;
  const m = /^(\d{4,})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?\s*(Z|[+-]\d\d(?::?\d\d)?)?$/.exec(text.trim());
  if (!m) return text;
  let [, y, mo, da, h, mi, s] = m;
  const frac = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  const off = /^([+-])(\d\d):?(\d\d)?$/.exec(m[8] ?? '');
  if (off && (Number(off[2]) !== 0 || Number(off[3] ?? 0) !== 0)) {
    const minutes = (off[1] === '-' ? -1 : 1) * (Number(off[2]) * 60 + Number(off[3] ?? 0));
    const t = Date.UTC(Number(y), Number(mo) - 1, Number(da), Number(h), Number(mi), Number(s)) - minutes * 60000;
    const iso = new Date(t).toISOString();
    [y, mo, da, h, mi, s] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13), iso.slice(14, 16), iso.slice(17, 19)];
  }
  return `${y}-${mo}-${da}T${h}:${mi}:${s}${/^0*$/.test(frac) ? '' : `.${frac}`}Z`;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

/**
 * The shapes nearly every stored datetime has, without a regex: `YYYY-MM-DD HH:MM:SS[.f…]` with no
 * offset, `+00` or `Z` (PostgreSQL text in session time zone UTC, Django's SQLite text). Anything
 * else: undefined (the general parser handles it).
 */
function plainUtcDateTime(s: string): string | undefined {
  const n = s.length;
  if (n < 19 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  const sep = s.charCodeAt(10);
  if (sep !== 32 && sep !== 84) return undefined;
  for (const i of DIGITS) if (!isDigit(s.charCodeAt(i))) return undefined;
  const end = s.endsWith('+00') ? n - 3 : s.endsWith('Z') ? n - 1 : n;
  let frac = '';
  if (end !== 19) {
    if (s.charCodeAt(19) !== 46 || end < 21) return undefined;
    let nonZero = false;
    for (let i = 20; i < end; i++) {
      const c = s.charCodeAt(i);
      if (!isDigit(c)) return undefined;
      if (c !== 48 && i < 26) nonZero = true;
    }
    if (nonZero) frac = `.${s.slice(20, Math.min(end, 26)).padEnd(6, '0')}`;
  }
  return `${s.slice(0, 10)}T${s.slice(11, 19)}${frac}Z`;
}

/** 32 hex digits (SQLite char(32)) or a dashed uuid → dashed lowercase. */
export function dashedUuid(v: string): string {
  const h = v.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(h)) return v;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Basename of `data_import_fileupload.file` (`upload/1/ab12cd34-x.json` → `ab12cd34-x.json`). */
export function uploadName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

const UNITS = ['year', 'month', 'week', 'day', 'hour', 'minute'] as const;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Django `timesince(d, now)` with depth 2 (§3.5): the first non-zero unit and the next one when it
 * is non-zero, NBSP between number and unit, `0 minutes` for < 1 minute or the future.
 */
export function timesince(d: Date, now: Date): string {
  const nb = (n: number, unit: string) => `${n}\u00a0${unit}${n === 1 ? '' : 's'}`;
  const a = new Date(Math.floor(d.getTime() / 1000) * 1000);
  const b = new Date(Math.floor(now.getTime() / 1000) * 1000);
  if (b.getTime() - a.getTime() <= 0) return nb(0, 'minute');
  const timeOf = (x: Date) => x.getUTCHours() * 3600 + x.getUTCMinutes() * 60 + x.getUTCSeconds();
  let totalMonths = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
  if (a.getUTCDate() > b.getUTCDate() || (a.getUTCDate() === b.getUTCDate() && timeOf(a) > timeOf(b))) totalMonths -= 1;
  const years = Math.floor(totalMonths / 12);
  const months = totalMonths % 12;
  let pivot = a;
  if (years || months) {
    let py = a.getUTCFullYear() + years;
    let pm = a.getUTCMonth() + 1 + months;
    if (pm > 12) {
      pm -= 12;
      py += 1;
    }
    const day = Math.min(MONTH_DAYS[pm - 1], a.getUTCDate());
    pivot = new Date(Date.UTC(py, pm - 1, day, a.getUTCHours(), a.getUTCMinutes(), a.getUTCSeconds()));
  }
  let rest = (b.getTime() - pivot.getTime()) / 1000;
  const parts: number[] = [years, months];
  for (const chunk of [604800, 86400, 3600, 60]) {
    const n = Math.floor(rest / chunk);
    parts.push(n);
    rest -= n * chunk;
  }
  const i = parts.findIndex((n) => n !== 0);
  if (i < 0) return nb(0, 'minute');
  const out = [nb(parts[i], UNITS[i])];
  if (i + 1 < parts.length && parts[i + 1] !== 0) out.push(nb(parts[i + 1], UNITS[i + 1]));
  return out.join(', ');
}

// created_ago per distinct second: rows of one import share creation times, and `now` is fixed
// for the run. Bounded: cleared when full.
const agoCache = new Map<string, string>();
let agoNow: Date | undefined;

function createdAgo(lsIso: string | null, now: Date): string {
  if (!lsIso) return '';
  const second = lsIso.replace(/\.\d+Z$/, 'Z');
  if (agoNow !== now || agoCache.size >= 10_000) {
    agoCache.clear();
    agoNow = now;
  }
  let ago = agoCache.get(second);
  if (ago === undefined) {
    ago = timesince(new Date(Date.parse(second)), now);
    agoCache.set(second, ago);
  }
  return ago;
}

/** Draft `created_username` (§2.4): `First Last email, id`. */
export function createdUsername(first: string, last: string, email: string, id: number): string {
  let name = first ?? '';
  if (last) name += ` ${last}`;
  if (name) name += ' ';
  return `${name}${email}, ${id}`;
}

/** §3.4: `data["$undefined$"]` moves to the config's first data key (which ends up last). */
export function replaceUndefined(data: JsonObject, firstDataType: string | undefined): JsonObject {
  if (firstDataType && Object.prototype.hasOwnProperty.call(data, '$undefined$')) {
    data[firstDataType] = data.$undefined$;
    delete data.$undefined$;
  }
  return data;
}

// ---------------------------------------------------------------------------------------------
// Rendering

export interface RenderOptions {
  decoder: Decoder;
  firstDataType?: string;
  /** `completed_by` as {id,email,first_name,last_name} (rows then carry u_email, u_first_name, u_last_name). */
  completedByFull: boolean;
  draftsFull: boolean;
  predictionsFull: boolean;
  /** Export time, for `created_ago`. */
  now: Date;
  /** Which optional keys exist (derived from the schema). */
  task: Field[];
  annotation: Field[];
  prediction: Field[];
  draft: Field[];
  hasFileUpload: boolean;
  hasDrafts: boolean;
  hasPredictions: boolean;
  hasCommentAuthors: boolean;
  /**
   * Raw rendering, for runs that write tasks untouched (ctx.passthrough): JSON columns are copied
   * as text (RawJson), children and tasks are rendered straight to JSON text, and each task is only
   * its id plus that text in RAW_JSON. The rows' JSON columns must then arrive as text.
   */
  raw?: boolean;
}

// Each renderer writes its keys, in export order, into an Out: a plain object (tasks that go
// through transforms and encoders), or JSON text (raw rendering, `RenderOptions.raw`), so both
// paths share one definition of every key, its order and its value.

interface Out {
  put(key: string, v: unknown): void;
  /** Children already rendered by this same Out kind (objects, or JSON texts). */
  list(key: string, items: unknown[]): void;
}

class ObjectOut implements Out {
  readonly obj: Record<string, unknown> = {};
  put(key: string, v: unknown): void {
    this.obj[key] = v;
  }
  list(key: string, items: unknown[]): void {
    this.obj[key] = items;
  }
}

class TextOut implements Out {
  text = '{';
  put(key: string, v: unknown): void {
    this.text += `${this.text.length > 1 ? ',' : ''}${quotedKey(key)}${v instanceof RawJson ? v.text : (JSON.stringify(v) ?? 'null')}`;
  }
  list(key: string, items: unknown[]): void {
    this.text += `${this.text.length > 1 ? ',' : ''}${quotedKey(key)}[${items.join(',')}]`;
  }
  done(): string {
    return `${this.text}}`;
  }
}

function annotationInto(row: Row, o: RenderOptions, out: Out): void {
  for (const [key, col, kind] of o.annotation) {
    if (key === 'completed_by') {
      const id = o.decoder.int(row[col]);
      if (o.completedByFull && id !== null && row.u_email !== null && row.u_email !== undefined) {
        out.put('completed_by', { id, email: row.u_email, first_name: row.u_first_name, last_name: row.u_last_name });
      } else out.put('completed_by', id);
    } else out.put(key, value(kind, row[col], o));
  }
}

function predictionInto(row: Row, o: RenderOptions, out: Out): void {
  for (const [key, col, kind] of o.prediction) {
    out.put(key, key === 'created_ago' ? createdAgo(o.decoder.dt(row[col]), o.now) : value(kind, row[col], o));
  }
}

function draftInto(row: Row, o: RenderOptions, out: Out): void {
  const email = String(row.u_email ?? '');
  for (const [key, col, kind] of o.draft) {
    if (key === 'user') out.put('user', email);
    else if (key === 'created_username') {
      out.put('created_username', createdUsername(String(row.u_first_name ?? ''), String(row.u_last_name ?? ''), email, Number(row[col])));
    } else if (key === 'created_ago') out.put('created_ago', createdAgo(o.decoder.dt(row[col]), o.now));
    else out.put(key, value(kind, row[col], o));
  }
}

/** A child row rendered: an object, or (raw rendering) its JSON text. */
export type Rendered<T> = T | string;

function rendered<T>(row: Row, o: RenderOptions, into: (row: Row, o: RenderOptions, out: Out) => void): Rendered<T> {
  if (o.raw) {
    const out = new TextOut();
    into(row, o, out);
    return out.done();
  }
  const out = new ObjectOut();
  into(row, o, out);
  return out.obj as T;
}

export const renderAnnotation = (row: Row, o: RenderOptions): Rendered<Annotation> => rendered(row, o, annotationInto);
export const renderPrediction = (row: Row, o: RenderOptions): Rendered<Prediction> => rendered(row, o, predictionInto);
export const renderDraft = (row: Row, o: RenderOptions): Rendered<Draft> => rendered(row, o, draftInto);

/** Children of one page, grouped by task id, each list ascending by id. */
export interface Children {
  annotations: Map<number, Array<Rendered<Annotation>>>;
  drafts: Map<number, Array<number | Rendered<Draft>>>;
  predictions: Map<number, Array<number | Rendered<Prediction>>>;
  commentAuthors: Map<number, number[]>;
}

function taskInto(row: Row, id: number, ch: Children, o: RenderOptions, out: Out): void {
  out.put('id', id);
  out.list('annotations', ch.annotations.get(id) ?? []);
  if (o.hasFileUpload && row.file_upload_file !== null && row.file_upload_file !== undefined) {
    out.put('file_upload', uploadName(String(row.file_upload_file)));
  }
  if (o.hasDrafts) out.list('drafts', ch.drafts.get(id) ?? []);
  if (o.hasPredictions) out.list('predictions', ch.predictions.get(id) ?? []);
  for (const [key, col, kind] of o.task) {
    let v = value(kind, row[col], o);
    if (key === 'data') v = v instanceof RawJson ? rawData(v, o.firstDataType) : replaceUndefined((v ?? {}) as JsonObject, o.firstDataType);
    out.put(key, v);
  }
  if (o.hasCommentAuthors) out.list('comment_authors', ch.commentAuthors.get(id) ?? []);
}

/**
 * A raw-rendered task: its id and its JSON text (RAW_JSON), which is all the JSON/NDJSON encoders
 * read on the pass-through path. Anything reading its content fails loudly instead of seeing an
 * empty task.
 */
const RAW_TASK: object = Object.freeze(
  Object.create(Object.prototype, {
    data: {
      get() {
        throw new Error('internal error: a task rendered as JSON text was read as an object (pass-through only)');
      },
    },
  }),
);

/** A task as its JSON text (raw rendering: `o.raw` must be set, children rendered as text). */
export function renderTaskText(row: Row, ch: Children, o: RenderOptions): string {
  const out = new TextOut();
  taskInto(row, o.decoder.int(row.id) as number, ch, o, out);
  return out.done();
}

/** A raw-rendered task: its id and JSON text, for the pass-through encoders only. */
export function rawTask(id: number, json: Buffer): Task {
  const t = Object.create(RAW_TASK) as Task;
  t.id = id;
  t[RAW_JSON] = json;
  return t;
}

export function renderTask(row: Row, ch: Children, o: RenderOptions): Task {
  const id = o.decoder.int(row.id) as number;
  if (o.raw) return rawTask(id, Buffer.from(renderTaskText(row, ch, o)));
  const out = new ObjectOut();
  taskInto(row, id, ch, o, out);
  return out.obj as Task;
}

/** §3.4 on raw `data` text: parsed only when the text mentions the key. */
function rawData(v: RawJson, firstDataType: string | undefined): RawJson {
  if (!firstDataType || !v.text.includes('"$undefined$"')) return v;
  return new RawJson(JSON.stringify(replaceUndefined(JSON.parse(v.text) as JsonObject, firstDataType)));
}

/** Appends `item` to the list of `key` in `map`. */
export function push<T>(map: Map<number, T[]>, key: number, item: T): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}
