// Label Studio's export serializer (shared/spec/label-studio-export.md §2–§3) for the PostgreSQL
// and SQLite sources. The field lists below are the one definition of every key, its order and its
// value kind; ls-sql.ts turns them into SQL that renders each row to its JSON text, and this module
// groups those texts into tasks (adding `created_ago` and the `$undefined$` rewrite, which need
// JavaScript). Optional columns of older/newer schemas: a key is emitted only when its column
// exists, in Django model order.

import { RAW_JSON, type JsonObject, type Task } from '../task.js';
import { DT_MARK, type Kind, keyed, literal, type Part, type SqlDialect } from './ls-sql.js';

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

// ---------------------------------------------------------------------------------------------
// Value helpers (§3)

/**
 * A stored datetime → `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` in UTC; microseconds only when non-zero.
 * Accepts PostgreSQL text output (`2024-01-30 02:40:43.8935+00`) and SQLite text (naive UTC
 * `2024-01-30 02:40:43.893565`, or ISO with an offset). The SQL renders the usual shapes itself
 * (ls-sql.ts); this formats the SQLite texts it hands back marked, and `created_ago`'s input.
 */
export function lsDateTime(text: string): string {
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
  sql: SqlDialect;
  firstDataType?: string;
  /** `completed_by` as {id,email,first_name,last_name} (joins htx_user as `u`). */
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
   * Tasks are written untouched (ctx.passthrough): each becomes its id plus its JSON text
   * (RAW_JSON), never parsed. Otherwise the text is parsed into a task object.
   */
  raw?: boolean;
}

/** A column's value as a concatenation part (JSON columns marked large: see POSTGRES_SQL.cat). */
const part = (d: SqlDialect, kind: Kind, e: string): Part => (kind === 'json' ? { large: d.value(kind, e) } : d.value(kind, e));

const pairs = (fields: Field[], d: SqlDialect, alias: string) => fields.map(([k, col, kind]) => [k, part(d, kind, `${alias}.${col}`)] as const);

/** An annotation row (alias `a`, user `u` when completed_by is expanded) as JSON text. */
export function annotationSql(o: RenderOptions): string {
  const d = o.sql;
  const p = o.annotation.map(([k, col, kind]) => {
    if (k !== 'completed_by') return [k, part(d, kind, `a.${col}`)] as const;
    const id = d.value('int', `a.${col}`);
    if (!o.completedByFull) return [k, id] as const;
    const user = d.cat(keyed([['id', `a.${col}`], ['email', d.str('u.email')], ['first_name', d.str('u.first_name')], ['last_name', d.str('u.last_name')]], '{', '}'));
    return [k, `CASE WHEN a.${col} IS NOT NULL AND u.email IS NOT NULL THEN ${user} ELSE ${id} END`] as const;
  });
  return d.cat(keyed(p, '{', '}'));
}

/**
 * A row with a `created_ago` key (expanded predictions and drafts) as three SQL texts: the JSON
 * before that key, the created_at it is computed from (a JSON string), and the rest. Without a
 * created_at column: the whole object and NULL.
 */
function splitAtAgo(d: SqlDialect, p: Array<readonly [string, Part]>, agoExpr: string | undefined): [string, string, string] {
  const at = p.findIndex(([k]) => k === 'created_ago');
  if (at < 0 || agoExpr === undefined) return [d.cat(keyed(p, '{', '}')), 'NULL', `''`];
  // created_ago is never first (`id` is), so the tail always continues the object.
  return [d.cat(keyed(p.slice(0, at), '{')), agoExpr, d.cat(keyed(p.slice(at + 1), ',', '}'))];
}

/** An expanded prediction row (alias `p`): [head, created_at, tail]. */
export function predictionSql(o: RenderOptions): [string, string, string] {
  const ago = o.prediction.find(([k]) => k === 'created_ago');
  return splitAtAgo(
    o.sql,
    pairs(o.prediction, o.sql, 'p'),
    ago && o.sql.value('dt', `p.${ago[1]}`),
  );
}

/** An expanded draft row (alias `d`, its user `u`): [head, created_at, tail]. */
export function draftSql(o: RenderOptions): [string, string, string] {
  const d = o.sql;
  // `created_username` (§2.4): `First Last email, id`, the name part only when not empty.
  const name = `coalesce(u.first_name, '') || CASE WHEN coalesce(u.last_name, '') <> '' THEN ' ' || u.last_name ELSE '' END`;
  const p = o.draft.map(([k, col, kind]) => {
    if (k === 'user') return [k, d.str(`coalesce(u.email, '')`)] as const;
    if (k === 'created_username') {
      return [k, d.str(`CASE WHEN ${name} <> '' THEN ${name} || ' ' ELSE '' END || coalesce(u.email, '') || ', ' || coalesce(d.${col}, 0)`)] as const;
    }
    return [k, part(d, kind, `d.${col}`)] as const;
  });
  const ago = o.draft.find(([k]) => k === 'created_ago');
  return splitAtAgo(d, p, ago && d.value('dt', `d.${ago[1]}`));
}

/**
 * A task row (alias `t`, its upload `f`): [`,"file_upload":"…"` or '', data, the keys after
 * data]. The keys before data (id, annotations, file_upload, drafts, predictions) and the trailing
 * comment_authors are added by taskText().
 */
export function taskSql(o: RenderOptions): [string, string, string] {
  const d = o.sql;
  const upload = o.hasFileUpload ? `CASE WHEN f.file IS NULL THEN '' ELSE ${d.cat([literal(',"file_upload":'), d.str(d.baseName('f.file'))])} END` : `''`;
  const data = o.task.find(([k]) => k === 'data');
  const rest = pairs(o.task.filter(([k]) => k !== 'data'), d, 't');
  return [upload, data ? d.value('json', `t.${data[1]}`) : `'{}'`, rest.length ? d.cat(keyed(rest, ',')) : `''`];
}

// created_ago per distinct second: rows of one import share creation times, and `now` is fixed
// for the run. Bounded: cleared when full. Holds the whole `,"created_ago":"…"` piece, as text and
// as bytes (the binary read path, postgres.ts).
const agoCache = new Map<string, AgoPiece>();
let agoNow: Date | undefined;

interface AgoPiece {
  text: string;
  bytes?: Buffer;
}

/** The `,"created_ago":…` piece (§3.5) for the created_at JSON text the SQL rendered ('null' → ''). */
function agoPiece(createdJson: string, now: Date): AgoPiece {
  // `"YYYY-MM-DDTHH:MM:SS…Z"`: the cache key is the second (timesince ignores the fraction).
  const second = createdJson.length >= 21 && createdJson.charCodeAt(0) === 34 ? createdJson.slice(1, 20) : createdJson;
  if (agoNow !== now || agoCache.size >= 10_000) {
    agoCache.clear();
    agoNow = now;
  }
  let piece = agoCache.get(second);
  if (piece === undefined) {
    piece = { text: `,"created_ago":${JSON.stringify(createdAgo(createdJson, now))}` };
    agoCache.set(second, piece);
  }
  return piece;
}

function createdAgo(createdJson: string, now: Date): string {
  if (createdJson === 'null') return '';
  const iso = createdJson.startsWith(DT_MARK) ? lsDateTime(createdJson.slice(1, -1)) : createdJson.slice(1, -1);
  return timesince(new Date(Date.parse(iso.replace(/\.\d+Z$/, 'Z'))), now);
}

/**
 * A row's JSON text as the database returned it: a string, or its UTF-8 bytes where the driver
 * reads raw column bytes (postgres.ts binaryRows: no decoding, and off the JS heap).
 */
export type Text = string | Buffer;

/** Children of one page, grouped by task id: each list's pieces (items and `,` between them), ascending by id. */
export interface Children {
  annotations: Map<number, Text[]>;
  drafts: Map<number, Text[]>;
  predictions: Map<number, Text[]>;
  commentAuthors: Map<number, Text[]>;
}

const COMMA = Buffer.from(',');

/**
 * Appends one rendered row to the list of task `key`: `head` alone, or with the `created_ago`
 * computed from `created` (the created_at JSON text) between head and tail (expanded drafts and
 * predictions, predictionSql()/draftSql()).
 */
export function push(map: Map<number, Text[]>, key: number, head: Text, created: Text | null, tail: Text | null, now: Date): void {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  else list.push(typeof head === 'string' ? ',' : COMMA);
  list.push(head);
  if (created === null) return;
  const piece = agoPiece(typeof created === 'string' ? created : created.toString(), now);
  if (typeof head === 'string') list.push(piece.text);
  else list.push((piece.bytes ??= Buffer.from(piece.text)));
  if (tail !== null) list.push(tail);
}

/** A task row as SQL returned it: [id, upload piece, data JSON, keys after data]. */
export type TaskRow = [number, Text, Text, Text];

const DT_MARKED = new RegExp(`${DT_MARK}([^${DT_MARK}]*)${DT_MARK}`, 'g');

/** The task's JSON text (bytes when its row came as bytes); one line when `o.raw`. */
export function taskText(row: TaskRow, ch: Children, o: RenderOptions): Text {
  const [id, upload, data, rest] = row;
  const p: Text[] = [`{"id":${id},"annotations":[`];
  const list = (l: Text[] | undefined) => {
    if (l !== undefined) for (const x of l) p.push(x);
  };
  list(ch.annotations.get(id));
  p.push(']', upload);
  if (o.hasDrafts) {
    p.push(',"drafts":[');
    list(ch.drafts.get(id));
    p.push(']');
  }
  if (o.hasPredictions) {
    p.push(',"predictions":[');
    list(ch.predictions.get(id));
    p.push(']');
  }
  p.push(',"data":', o.firstDataType && data.includes('"$undefined$"') ? undefinedMoved(data, o.firstDataType) : data, rest);
  if (o.hasCommentAuthors) {
    p.push(',"comment_authors":[');
    list(ch.commentAuthors.get(id));
    p.push(']');
  }
  p.push('}');
  let text: Text = typeof data === 'string' ? p.join('') : concatBytes(p);
  // Datetimes SQLite could not format (ls-sql.ts); and a task written as it is (raw) must be one
  // line, so `json` columns printed over several lines are re-serialised (a parsed task does not care).
  if (o.sql.marksDatetimes && text.includes(DT_MARK)) text = text.toString().replace(DT_MARKED, (_, v: string) => JSON.stringify(lsDateTime(v)));
  if (o.raw && text.includes('\n')) text = JSON.stringify(JSON.parse(text.toString()));
  return text;
}

/** Pieces of bytes and strings (the literals and ids above, mostly) joined into one Buffer. */
function concatBytes(pieces: Text[]): Buffer {
  let size = 0;
  for (const x of pieces) size += typeof x === 'string' ? Buffer.byteLength(x) : x.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const x of pieces) at += typeof x === 'string' ? out.write(x, at) : x.copy(out, at);
  return out;
}

/** §3.4 on `data` text (in the form it came). */
function undefinedMoved(data: Text, firstDataType: string): Text {
  const moved = JSON.stringify(replaceUndefined(JSON.parse(data.toString()) as JsonObject, firstDataType));
  return typeof data === 'string' ? moved : Buffer.from(moved);
}

/**
 * A raw-rendered task: its id and JSON text, which is all the JSON/NDJSON encoders read on the
 * pass-through path. Anything reading its content fails loudly instead of seeing an empty task.
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

/** A raw-rendered task: its id and JSON text, for the pass-through encoders only. */
export function rawTask(id: number, json: Buffer): Task {
  const t = Object.create(RAW_TASK) as Task;
  t.id = id;
  t[RAW_JSON] = json;
  return t;
}

export function renderTask(row: TaskRow, ch: Children, o: RenderOptions): Task {
  const text = taskText(row, ch, o);
  if (o.raw) return rawTask(row[0], typeof text === 'string' ? Buffer.from(text) : text);
  return JSON.parse(typeof text === 'string' ? text : text.toString()) as Task;
}
