// The Label Studio database source, independent of the driver: schema discovery, project choice,
// SQL push-down of the export options, keyset pages over task(project_id, id) and one UNION ALL
// query for the children of each page (no N+1), each row rendered to its JSON text by the database (ls-sql.ts)
// and grouped into tasks by ls-render.ts. postgres.ts and sqlite.ts supply a driver (connection,
// one read-only transaction for the whole run, the dialect's value rendering).

import type { Source } from '../contracts.js';
import { throwIfAborted, UsageError } from '../errors.js';
import type { ExportSpec } from '../export-spec.js';
import { type LabelConfig, parseLabelConfig } from '../label-config.js';
import type { RunContext } from '../run-context.js';
import type { Task } from '../task.js';
import { formatInfo } from '../transforms/formats/index.js';
import { ITEM_ANNOTATION_KEYS, ITEM_TASK_KEYS } from '../transforms/formats/items.js';
import {
  ANNOTATION_FIELDS,
  annotationSql,
  type Children,
  DRAFT_FIELDS,
  draftSql,
  type Field,
  PREDICTION_FIELDS,
  predictionSql,
  present,
  push,
  type RenderOptions,
  renderTask,
  TASK_FIELDS,
  type TaskRow,
  taskSql,
  type Text,
} from './ls-render.js';
import type { SqlDialect } from './ls-sql.js';
import { type BinaryRow, intOf } from './pg-copy.js';
import { parallelBatches, workersAvailable } from './ls-db-parallel.js';
import { type PageLane, PagePipeline } from './ls-pages.js';
import type { WorkerInit } from './ls-db-worker.js';

export type Row = Record<string, unknown>;

/** Tasks per batch while the next page is read ahead (see batches()). */
const READ_AHEAD_BATCH = 100;
/** Pages a server-side database reads ahead of the one being rendered (ls-pages.ts). */
const READ_AHEAD_PAGES = 2;
/** Connections a server-side database reads pages on (ls-pages.ts). */
const READ_AHEAD_LANES = 2;

export interface LsDriver {
  /** For logs and errors; never contains a password. */
  readonly display: string;
  readonly dialect: 'postgres' | 'sqlite';
  /** How a column becomes JSON text in this database's SQL. */
  readonly sql: SqlDialect;
  all(sql: string, params: unknown[]): Promise<Row[]>;
  /** The rows as arrays of column values (the rendering queries: no per-row object). */
  arrays(sql: string, params: unknown[]): Promise<unknown[][]>;
  /**
   * The rendering queries' rows as raw column bytes, where the driver can (PostgreSQL's binary
   * COPY, pg-copy.ts): texts as UTF-8, integers big-endian (intOf). Preferred over arrays().
   */
  binaryRows?(sql: string, params: unknown[]): Promise<BinaryRow[]>;
  tables(): Promise<Set<string>>;
  columns(table: string): Promise<Set<string>>;
  /** Runs between pages (SQLite gives the event loop a turn). */
  pause(): Promise<void>;
  /**
   * Read the next page while the current one is rendered and encoded (a server-side database:
   * its query time overlaps our CPU time). Costs one page of memory more. Such a database also
   * gets a page's children in one query (one round trip) instead of one query per table.
   */
  readonly readAhead: boolean;
  /**
   * How another connection joins this run's snapshot (connectTo): a worker thread's
   * (ls-db-parallel.ts) or a second read-ahead lane's (ls-pages.ts). PostgreSQL exports the
   * transaction's snapshot; SQLite relies on the read lock this connection holds (undefined in WAL
   * mode, where a second connection could see later commits).
   */
  workerConnection?(): Promise<WorkerConnection | undefined>;
  /** Ends the read transaction and the connection. */
  close(): Promise<void>;
}

/** What another connection needs to join the same database and snapshot (never logged: may hold a password). */
export interface WorkerConnection {
  dialect: LsDriver['dialect'];
  from: string;
  snapshot?: string;
}

/** Opens a connection onto the run's snapshot that workerConnection() described. */
export async function connectTo(c: WorkerConnection): Promise<LsDriver> {
  if (c.dialect === 'postgres') {
    const { connectPostgres } = await import('./postgres.js');
    return connectPostgres(c.from, { snapshot: c.snapshot });
  }
  const { connectSqlite } = await import('./sqlite.js');
  return connectSqlite(c.from);
}

/** Positional parameters in the driver's syntax ($n or ?), in the order they appear in the SQL. */
class Params {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: LsDriver['dialect']) {}
  p(v: unknown): string {
    this.values.push(v);
    return this.dialect === 'postgres' ? `$${this.values.length}` : '?';
  }
  /** `expr` is one of `ids` (one parameter, never a long literal list). */
  in(expr: string, ids: number[]): string {
    return this.dialect === 'postgres'
      ? `${expr} = ANY(${this.p(ids)}::bigint[])`
      : `${expr} IN (SELECT value FROM json_each(${this.p(JSON.stringify(ids))}))`;
  }
  /** A datetime parameter comparable with the stored column. */
  dt(iso: string): string {
    if (this.dialect === 'postgres') return `${this.p(iso)}::timestamptz`;
    // Django's SQLite text: naive UTC `YYYY-MM-DD HH:MM:SS[.ffffff]` (compares as text).
    return this.p(new Date(Date.parse(iso)).toISOString().replace('T', ' ').replace('Z', '').replace(/\.000$/, ''));
  }
}

export interface LsSchema {
  tables: Set<string>;
  task: Set<string>;
  annotation: Set<string>;
  prediction: Set<string>;
  draft: Set<string>;
  project: Set<string>;
}

const REQUIRED = ['project', 'task', 'task_completion'];

export async function readSchema(driver: LsDriver): Promise<LsSchema> {
  const tables = await driver.tables();
  const missing = REQUIRED.filter((t) => !tables.has(t));
  if (missing.length > 0) {
    throw new UsageError(
      `${driver.display} does not look like a Label Studio database (no table ${missing.map((t) => `"${t}"`).join(', ')}); ` +
        'point --from at the database Label Studio uses (DJANGO_DB / POSTGRE_* settings, or label_studio.sqlite3)',
    );
  }
  const cols = async (t: string) => (tables.has(t) ? driver.columns(t) : new Set<string>());
  return {
    tables,
    task: await cols('task'),
    annotation: await cols('task_completion'),
    prediction: await cols('prediction'),
    draft: await cols('tasks_annotationdraft'),
    project: await cols('project'),
  };
}

export interface LsProject {
  id: number;
  title: string | null;
  tasks: number;
}

/** Projects (not soft-deleted), ascending id, with their task counts. */
export async function listProjects(driver: LsDriver, schema: LsSchema): Promise<LsProject[]> {
  const alive = schema.project.has('deleted_at') ? 'WHERE p.deleted_at IS NULL' : '';
  const rows = await driver.all(
    `SELECT p.id, p.title, COALESCE(c.n, 0) AS n FROM project p
     LEFT JOIN (SELECT project_id, COUNT(*) AS n FROM task GROUP BY project_id) c ON c.project_id = p.id
     ${alive} ORDER BY p.id`,
    [],
  );
  return rows.map((r) => ({ id: Number(r.id), title: (r.title as string | null) ?? null, tasks: Number(r.n) }));
}

function describe(projects: LsProject[]): string {
  const shown = projects.slice(0, 20).map((p) => `${p.id} "${p.title ?? ''}" (${p.tasks} tasks)`);
  return shown.join(', ') + (projects.length > 20 ? `, … (${projects.length} in all; see \`labelstream projects\`)` : '');
}

async function chooseProject(driver: LsDriver, schema: LsSchema, wanted: number | undefined): Promise<{ id: number; labelConfig?: string }> {
  const projects = await listProjects(driver, schema);
  let id = wanted;
  if (id === undefined) {
    if (projects.length === 0) throw new UsageError(`${driver.display}: the database has no projects`);
    if (projects.length > 1) throw new UsageError(`${driver.display} has ${projects.length} projects; choose one with --project ID: ${describe(projects)}`);
    id = projects[0].id;
  } else if (!projects.some((p) => p.id === id)) {
    throw new UsageError(`${driver.display}: no project ${id}; projects: ${projects.length ? describe(projects) : 'none'}`);
  }
  const cfg = schema.project.has('label_config') ? await driver.all(`SELECT label_config FROM project WHERE id = ${driver.dialect === 'postgres' ? '$1' : '?'}`, [id]) : [];
  const text = cfg[0]?.label_config;
  return { id, labelConfig: typeof text === 'string' ? text : undefined };
}

/**
 * Task-level conditions pushed into SQL. They match the in-process filters of src/transforms
 * (which still run afterwards and then keep everything: they are idempotent on these rows).
 */
function taskWhere(spec: ExportSpec, q: Params, projectId: number, hasIsLabeled: boolean): string {
  const c = [`t.project_id = ${q.p(projectId)}`];
  if (spec.ids) {
    const alt: string[] = [];
    if (spec.ids.ids.size > 0) alt.push(q.in('t.id', [...spec.ids.ids]));
    for (const [a, b] of spec.ids.ranges) alt.push(`t.id BETWEEN ${q.p(a)} AND ${q.p(b)}`);
    c.push(alt.length ? `(${alt.join(' OR ')})` : 'FALSE');
  }
  if (spec.shard) c.push(`t.id % ${q.p(spec.shard.count)} = ${q.p(spec.shard.index)}`);
  const exists = (cond: string) => `EXISTS (SELECT 1 FROM task_completion x WHERE x.task_id = t.id${cond ? ` AND ${cond}` : ''})`;
  if (spec.updatedSince) {
    c.push(`(t.updated_at >= ${q.dt(spec.updatedSince)} OR ${exists(`x.updated_at >= ${q.dt(spec.updatedSince)}`)})`);
  }
  if (spec.onlyAnnotated) c.push(exists(''));
  if (spec.skipped) c.push(`${spec.skipped === 'exclude' ? 'NOT ' : ''}${exists('x.was_cancelled')}`);
  if (spec.annotated) c.push(`${spec.annotated === 'exclude' ? 'NOT ' : ''}${exists('NOT x.was_cancelled')}`);
  // §5.1: `finished` is the task's is_labeled column (file sources approximate it from annotations).
  if (spec.finished && hasIsLabeled) c.push(`${spec.finished === 'exclude' ? 'NOT ' : ''}t.is_labeled`);
  return c.join(' AND ');
}

/**
 * The annotation filter (§5.2) as SQL, or '' when it must stay in-process: task filters that look
 * at a task's annotations (only-annotated, skipped, annotated, finished, updated-since) judge all
 * annotations in Label Studio, so with any of them the rows must come unfiltered.
 */
function annotationWhere(spec: ExportSpec): string {
  const k = spec.annotations;
  if (!k || !(k.usual || k.ground_truth || k.skipped)) return '';
  if (spec.onlyAnnotated || spec.skipped || spec.annotated || spec.finished || spec.updatedSince) return '';
  const alt: string[] = [];
  if (k.usual) alt.push('(NOT a.was_cancelled AND NOT a.ground_truth)');
  if (k.ground_truth) alt.push('a.ground_truth');
  if (k.skipped) alt.push('a.was_cancelled');
  return ` AND (${alt.join(' OR ')})`;
}

export async function openLsSource(driver: LsDriver, spec: ExportSpec): Promise<Source> {
  try {
    return await build(driver, spec);
  } catch (e) {
    await driver.close().catch(() => undefined);
    throw e;
  }
}

/** One connection's view of the project: render options and the page and children queries. */
export interface LsReader {
  projectId: number;
  labelConfig?: LabelConfig;
  hasIsLabeled: boolean;
  /** The annotation filter as SQL ('' when it stays in-process). */
  annWhere: string;
  options: RenderOptions;
  /** Up to pageSize task rows with id > after (and ≤ upTo), ascending. */
  page(o: RenderOptions, after: number, upTo?: number): Promise<TaskRow[]>;
  /** The ids page() would return (an index-only read). */
  pageIds(after: number): Promise<number[]>;
  /** Child rows of the page's tasks as JSON texts, grouped by task. */
  children(o: RenderOptions, ids: number[]): Promise<Children>;
}

/** An integer column from either read path (a number or string from arrays(), bytes from binaryRows()). */
const num = (v: unknown): number => (Buffer.isBuffer(v) ? intOf(v) : Number(v));

/** Below any id, and still a valid int4 parameter. */
export const FIRST_AFTER = -2147483648;

export async function prepareReader(driver: LsDriver, spec: ExportSpec, now = new Date()): Promise<LsReader> {
  const schema = await readSchema(driver);
  const project = await chooseProject(driver, schema, spec.project);
  let labelConfig: LabelConfig | undefined;
  if (project.labelConfig?.trim()) {
    try {
      labelConfig = parseLabelConfig(project.labelConfig);
    } catch {
      labelConfig = undefined; // a broken stored config: formats needing one then ask for --label-config
    }
  }
  const userDetails = !spec.removeUserDetails;
  // Converter formats read annotations only (export-formats.md: predictions and drafts are ignored
  // by every format but DOCLANG), so their tables are not read at all; and of tasks and annotations
  // only the keys the item stream reads (items.ts), so the rest is neither rendered nor parsed.
  const whole = spec.layout === 'per-task' ? 'as-asked' : formatInfo(spec.format).wholeTasks;
  const wholeTasks = whole !== undefined;
  const read = (keys: ReadonlySet<string>) => ([k]: Field) => wholeTasks || keys.has(k);
  const asObjects = (asked: 'ids' | 'full' | undefined) => asked === 'full' || (whole === 'objects' && asked === undefined);
  const options: RenderOptions = {
    sql: driver.sql,
    firstDataType: labelConfig?.firstDataType,
    completedByFull: spec.completedBy === 'full' && userDetails && schema.tables.has('htx_user'),
    draftsFull: asObjects(spec.drafts) && schema.tables.has('htx_user'),
    predictionsFull: asObjects(spec.predictions),
    now,
    task: present(TASK_FIELDS, schema.task).filter(read(ITEM_TASK_KEYS)),
    annotation: present(ANNOTATION_FIELDS, schema.annotation).filter(read(ITEM_ANNOTATION_KEYS)),
    prediction: present(PREDICTION_FIELDS, schema.prediction),
    draft: present(DRAFT_FIELDS, schema.draft),
    hasFileUpload: wholeTasks && schema.task.has('file_upload_id') && schema.tables.has('data_import_fileupload'),
    hasDrafts: wholeTasks && schema.tables.has('tasks_annotationdraft'),
    hasPredictions: wholeTasks && schema.tables.has('prediction'),
    hasCommentAuthors: wholeTasks && schema.tables.has('task_comment_authors'),
  };
  const hasIsLabeled = schema.task.has('is_labeled');
  const annWhere = annotationWhere(spec);
  const pageSize = Math.max(1, spec.pageSize);
  // Texts as bytes where the driver reads them so (taskText() then joins bytes), else as strings.
  const rowsOf: (sql: string, params: unknown[]) => Promise<unknown[][]> = driver.binaryRows ?? driver.arrays;

  async function page(o: RenderOptions, after: number, upTo?: number): Promise<TaskRow[]> {
    const [upload, data, rest] = taskSql(o);
    const q = new Params(driver.dialect);
    const where = taskWhere(spec, q, project.id, hasIsLabeled);
    const join = o.hasFileUpload ? ' LEFT JOIN data_import_fileupload f ON f.id = t.file_upload_id' : '';
    const from = ` AND t.id > ${q.p(after)}`; // parameters in text order: SQLite's are positional `?`
    const until = upTo === undefined ? '' : ` AND t.id <= ${q.p(upTo)}`;
    const rows = await rowsOf(
      `SELECT t.id, ${upload}, ${data}, ${rest} FROM task t${join} WHERE ${where}${from}${until} ORDER BY t.id LIMIT ${q.p(pageSize)}`,
      q.values,
    );
    for (const r of rows) r[0] = num(r[0]);
    return rows as TaskRow[];
  }

  async function pageIds(after: number): Promise<number[]> {
    const q = new Params(driver.dialect);
    const where = taskWhere(spec, q, project.id, hasIsLabeled);
    const rows = await driver.all(`SELECT t.id FROM task t WHERE ${where} AND t.id > ${q.p(after)} ORDER BY t.id LIMIT ${q.p(pageSize)}`, q.values);
    return rows.map((r) => Number(r.id));
  }
  /**
   * Child rows of the page's tasks, ordered by task, table, then id. On a server, one UNION ALL
   * query over the child tables (one round trip per page: with a query per table, the page's
   * read-ahead waited on the event loop between them and the client sat idle a third of a
   * PostgreSQL export). In-process (SQLite: no round trips) one query per table, each ordered by
   * task and id along its task_id index, instead of sorting the union's wide rows (12% less query
   * time at 100k). Each row is [task_id, table, id, head, created_at, tail]: an annotation's or
   * comment author's text in head; expanded drafts/predictions split around `created_ago`; id-only
   * drafts/predictions as the id.
   */
  async function children(o: RenderOptions, ids: number[]): Promise<Children> {
    const ch: Children = { annotations: new Map(), drafts: new Map(), predictions: new Map(), commentAuthors: new Map() };
    const wanted = new Set(ids);
    // Pages are usually dense id ranges: BETWEEN walks the task_id index once, and rows of tasks
    // outside the page (other projects, filtered out) are dropped below. Otherwise: the page's ids
    // as one array/JSON parameter (never a long literal IN list).
    const lo = ids[0];
    const hi = ids[ids.length - 1];
    const dense = hi - lo < ids.length * 4;
    const taskIn = (q: Params, col: string) => (dense ? `${col} BETWEEN ${q.p(lo)} AND ${q.p(hi)}` : q.in(col, ids));
    const { text, nullText: none } = o.sql;
    const userJoin = (fk: string) => ` LEFT JOIN htx_user u ON u.id = ${fk}`;
    // Each part adds its own parameters: positional `?` on SQLite follow the text.
    const parts: Array<(q: Params) => string> = [
      (q) =>
        `SELECT a.task_id, 0, a.id, ${annotationSql(o)}, ${none}, ${none} FROM task_completion a${o.completedByFull ? userJoin('a.completed_by_id') : ''}` +
        ` WHERE ${taskIn(q, 'a.task_id')}${annWhere}`,
    ];
    if (o.hasDrafts) {
      parts.push((q) =>
        o.draftsFull
          ? `SELECT d.task_id, 1, d.id, ${draftSql(o).join(', ')} FROM tasks_annotationdraft d${userJoin('d.user_id')} WHERE ${taskIn(q, 'd.task_id')}`
          : `SELECT d.task_id, 1, d.id, ${text('d.id')}, ${none}, ${none} FROM tasks_annotationdraft d WHERE ${taskIn(q, 'd.task_id')}`,
      );
    }
    if (o.hasPredictions) {
      parts.push((q) =>
        o.predictionsFull
          ? `SELECT p.task_id, 2, p.id, ${predictionSql(o).join(', ')} FROM prediction p WHERE ${taskIn(q, 'p.task_id')}`
          : `SELECT p.task_id, 2, p.id, ${text('p.id')}, ${none}, ${none} FROM prediction p WHERE ${taskIn(q, 'p.task_id')}`,
      );
    }
    if (o.hasCommentAuthors) {
      parts.push((q) => `SELECT c.task_id, 3, c.id, ${text('c.user_id')}, ${none}, ${none} FROM task_comment_authors c WHERE ${taskIn(q, 'c.task_id')}`);
    }
    const lists = [ch.annotations, ch.drafts, ch.predictions, ch.commentAuthors];
    const take = (rows: unknown[][]) => {
      for (const r of rows) {
        const id = num(r[0]);
        if (!wanted.has(id)) continue;
        // created_at is NULL for everything but expanded drafts/predictions (push() then keeps head).
        push(lists[num(r[1])], id, r[3] as Text, r[4] as Text | null, r[5] as Text | null, o.now);
      }
    };
    if (driver.readAhead) {
      const q = new Params(driver.dialect);
      take(await rowsOf(`${parts.map((part) => part(q)).join(' UNION ALL ')} ORDER BY 1, 2, 3`, q.values));
    } else {
      for (const part of parts) {
        const q = new Params(driver.dialect);
        take(await rowsOf(`${part(q)} ORDER BY 1, 3`, q.values));
      }
    }
    return ch;
  }

  return { projectId: project.id, labelConfig, hasIsLabeled, annWhere, options, page, pageIds, children };
}

async function build(driver: LsDriver, spec: ExportSpec): Promise<Source> {
  const reader = await prepareReader(driver, spec);
  const { projectId, labelConfig, hasIsLabeled, annWhere } = reader;
  const countQ = new Params(driver.dialect);
  const countWhere = taskWhere(spec, countQ, projectId, hasIsLabeled);
  const counted = await driver.all(`SELECT COUNT(*) AS n FROM task t WHERE ${countWhere}`, countQ.values);
  const estimatedTasks = Number(counted[0]?.n ?? 0);
  const pageSize = Math.max(1, spec.pageSize);
  const o = reader.options;
  const { page, children } = reader;

  let closed = false;
  return {
    name: `${driver.display} project ${projectId}`,
    labelConfig,
    estimatedTasks,
    rendersSerialization: true,
    // Every task filter is applied in SQL with Label Studio's semantics; the annotation filter too
    // unless a task filter needs to judge all annotations first (annotationWhere).
    pushedDown: {
      taskFilters: new Set(['ids', 'shard', 'updated-since', 'only-annotated', 'skipped', 'annotated', ...(hasIsLabeled ? ['finished'] : [])]),
      annotationFilter: annWhere !== '',
    },
    async *batches(ctx: RunContext): AsyncGenerator<Task[]> {
      const connection = spec.workers > 0 && workersAvailable() ? await driver.workerConnection?.() : undefined;
      if (connection) {
        const init: WorkerInit = { connection, spec, now: o.now.getTime() };
        yield* parallelBatches(reader, init, spec.workers, pageSize, ctx);
        return;
      }
      // Tasks written untouched (JSON/NDJSON, no transform): rendered straight to their JSON text.
      const ro: RenderOptions = { ...o, raw: ctx.passthrough === true };
      const lanes: PageLane[] = [{ page: (after) => page(ro, after), children: (ids) => children(ro, ids) }];
      // A second lane: one connection runs one query at a time, and its round trips left the
      // server idle between them (ls-pages.ts). Only for a server-side database, and more than a page.
      const second = driver.readAhead && READ_AHEAD_LANES > 1 && estimatedTasks > pageSize ? await driver.workerConnection?.() : undefined;
      const sibling = second ? await connectTo(second) : undefined;
      if (sibling) {
        const other = await prepareReader(sibling, spec, o.now).catch(async (e) => {
          await sibling.close();
          throw e;
        });
        lanes.push({ page: (after) => other.page(ro, after), children: (ids) => other.children(ro, ids) });
      }
      const pages = new PagePipeline({ lanes, pageSize, first: FIRST_AFTER }, driver.readAhead ? READ_AHEAD_PAGES : 0);
      try {
        for (;;) {
          throwIfAborted(ctx.signal);
          if (!pages.busy) await driver.pause();
          const loaded = await pages.next();
          if (!loaded?.ch) break;
          const { rows, ch } = loaded;
          // While read-ahead queries are in flight, smaller batches with an event-loop turn before
          // each: the queries advance one round trip per turn, and encoding a batch is synchronous.
          const size = Math.max(1, pages.busy ? Math.min(ctx.batchSize, READ_AHEAD_BATCH) : ctx.batchSize);
          for (let i = 0; i < rows.length; i += size) {
            if (pages.busy) await new Promise((resolve) => setImmediate(resolve));
            const tasks = rows.slice(i, i + size).map((r) => renderTask(r, ch, ro));
            ctx.stats.read += tasks.length;
            yield tasks;
          }
        }
      } finally {
        // Stopped early: the queries in flight still settle before close() ends the transaction.
        await pages.stop();
        await sibling?.close();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await driver.close();
    },
  };
}
