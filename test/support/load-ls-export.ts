// Test-only: writes Label Studio export JSON (tasks with annotations, drafts, predictions, users)
// into Label Studio's tables, in PostgreSQL (jsonb, timestamptz, uuid) or SQLite (Django's text
// JSON, naive-UTC datetime text, 0/1, char(32) uuid). Rows get the values the export carries and
// Label Studio's defaults for the rest, so exporting them back must give the input again.

import Database from 'better-sqlite3';
import pg from 'pg';
import { lsDateTime } from '../../src/sources/ls-render.js';

type Kind = 'json' | 'dt' | 'bool' | 'uuid' | 'v';
type Cell = readonly [Kind, unknown];
export interface PlannedRow {
  table: string;
  row: Record<string, Cell>;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

export interface LoadOptions {
  /** Project for tasks without a `project` key (default 1). */
  projectId?: number;
  labelConfig?: string;
  title?: string;
}

const EPOCH = '2024-01-01T00:00:00Z';
export const IMPORTER_ID = 999_999;

const v = (x: unknown): Cell => ['v', x === undefined ? null : x];
const json = (x: unknown): Cell => ['json', x === undefined ? null : x];
const dt = (x: unknown): Cell => ['dt', x === undefined ? null : x];
const bool = (x: unknown): Cell => ['bool', x === undefined ? null : x];
const idOf = (x: unknown): number | null => (typeof x === 'object' && x !== null ? (x as Obj).id : ((x as number | null | undefined) ?? null));

/** Rows to insert, in an order that satisfies foreign keys. */
export function planRows(input: Obj[], opts: LoadOptions = {}): PlannedRow[] {
  const users = new Map<number, { email: string; first_name: string; last_name: string }>();
  const user = (x: unknown, details?: Obj) => {
    const id = idOf(x);
    if (id === null) return null;
    const d = details ?? (typeof x === 'object' ? (x as Obj) : undefined);
    const known = users.get(id);
    if (!known || (d && d.email)) {
      users.set(id, { email: d?.email ?? known?.email ?? `user${id}@example.com`, first_name: d?.first_name ?? '', last_name: d?.last_name ?? '' });
    }
    return id;
  };
  users.set(IMPORTER_ID, { email: 'importer@example.com', first_name: '', last_name: '' });
  const projects = new Set<number>();
  const rows: PlannedRow[] = [];
  const later: PlannedRow[] = [];
  let uploadId = 0;

  for (const t of input) {
    const project: number = t.project ?? opts.projectId ?? 1;
    projects.add(project);
    const anns: Obj[] = t.annotations ?? t.completions ?? [];
    let fileUploadId: number | null = null;
    if (typeof t.file_upload === 'string') {
      fileUploadId = ++uploadId;
      rows.push({ table: 'data_import_fileupload', row: { id: v(fileUploadId), user_id: v(IMPORTER_ID), project_id: v(project), file: v(`upload/${project}/${t.file_upload}`) } });
    }
    rows.push({
      table: 'task',
      row: {
        id: v(t.id),
        data: json(t.data),
        meta: json('meta' in t ? t.meta : {}),
        project_id: v(project),
        created_at: dt(t.created_at ?? EPOCH),
        updated_at: dt(t.updated_at ?? EPOCH),
        updated_by_id: v(user(t.updated_by)),
        is_labeled: bool(typeof t.is_labeled === 'boolean' ? t.is_labeled : anns.some((a) => !a.was_cancelled)),
        allow_skip: bool(t.allow_skip ?? null),
        overlap: v(1),
        file_upload_id: v(fileUploadId),
        inner_id: v(t.inner_id ?? t.id),
        total_annotations: v(t.total_annotations ?? anns.filter((a) => !a.was_cancelled).length),
        cancelled_annotations: v(t.cancelled_annotations ?? anns.filter((a) => a.was_cancelled).length),
        total_predictions: v(t.total_predictions ?? (t.predictions ?? []).length),
        precomputed_agreement: v(null),
        comment_count: v(t.comment_count ?? 0),
        unresolved_comment_count: v(t.unresolved_comment_count ?? 0),
        last_comment_updated_at: dt(t.last_comment_updated_at ?? null),
      },
    });
    for (const p of t.predictions ?? []) {
      const o: Obj = typeof p === 'object' ? p : { id: p };
      later.push({
        table: 'prediction',
        row: {
          id: v(o.id),
          result: json(o.result ?? []),
          score: v(o.score ?? null),
          model_version: v(o.model_version ?? ''),
          model_id: v(o.model ?? null),
          model_run_id: v(o.model_run ?? null),
          cluster: v(o.cluster ?? null),
          neighbors: json(o.neighbors ?? null),
          mislabeling: v(o.mislabeling ?? 0),
          task_id: v(t.id),
          project_id: v(o.project ?? project),
          created_at: dt(o.created_at ?? EPOCH),
          updated_at: dt(o.updated_at ?? EPOCH),
        },
      });
    }
    for (const a of anns) {
      later.push({
        table: 'task_completion',
        row: {
          id: v(a.id),
          result: json(a.result ?? []),
          task_id: v(t.id),
          project_id: v(a.project ?? project),
          completed_by_id: v(user(a.completed_by)),
          updated_by_id: v(user(a.updated_by)),
          was_cancelled: bool(a.was_cancelled ?? false),
          ground_truth: bool(a.ground_truth ?? false),
          created_at: dt(a.created_at ?? EPOCH),
          updated_at: dt(a.updated_at ?? EPOCH),
          draft_created_at: dt(a.draft_created_at ?? null),
          lead_time: v(a.lead_time ?? null),
          prediction: json(a.prediction ?? {}),
          result_count: v(a.result_count ?? 0),
          parent_prediction_id: v(a.parent_prediction ?? null),
          parent_annotation_id: v(a.parent_annotation ?? null),
          unique_id: ['uuid', a.unique_id ?? null],
          import_id: v(a.import_id ?? null),
          last_action: v(a.last_action ?? null),
          last_created_by_id: v(user(a.last_created_by)),
          bulk_created: bool(a.bulk_created ?? false),
        },
      });
    }
    for (const d of t.drafts ?? []) {
      const o: Obj = typeof d === 'object' ? d : { id: d };
      let userId = IMPORTER_ID;
      if (typeof o.user === 'string') {
        const m = /, (\d+)$/.exec(String(o.created_username ?? ''));
        const name = /^(.*?) ?\S+@\S+, \d+$/.exec(String(o.created_username ?? ''))?.[1] ?? '';
        const [first, ...rest] = name.trim().split(' ');
        userId = m ? Number(m[1]) : 500_000 + o.id;
        user(userId, { email: o.user, first_name: first ?? '', last_name: rest.join(' ') });
      }
      later.push({
        table: 'tasks_annotationdraft',
        row: {
          id: v(o.id),
          result: json(o.result ?? []),
          lead_time: v(o.lead_time ?? null),
          task_id: v(t.id),
          annotation_id: v(o.annotation ?? null),
          user_id: v(userId),
          was_postponed: bool(o.was_postponed ?? false),
          import_id: v(o.import_id ?? null),
          created_at: dt(o.created_at ?? EPOCH),
          updated_at: dt(o.updated_at ?? EPOCH),
        },
      });
    }
    for (const u of t.comment_authors ?? []) later.push({ table: 'task_comment_authors', row: { task_id: v(t.id), user_id: v(user(u)) } });
  }
  const head: PlannedRow[] = [...users].map(([id, u]) => ({
    table: 'htx_user',
    row: {
      id: v(id),
      password: v(''),
      is_superuser: bool(false),
      username: v(u.email),
      email: v(u.email),
      first_name: v(u.first_name),
      last_name: v(u.last_name),
      phone: v(''),
      avatar: v(''),
      is_staff: bool(false),
      is_active: bool(true),
      date_joined: dt(EPOCH),
      activity_at: dt(EPOCH),
    },
  }));
  for (const id of projects) {
    head.push({
      table: 'project',
      row: {
        id: v(id),
        title: v(opts.title ?? `project ${id}`),
        label_config: v(opts.labelConfig ?? '<View></View>'),
        maximum_annotations: v(1),
        created_at: dt(EPOCH),
        updated_at: dt(EPOCH),
      },
    });
  }
  return [...head, ...rows, ...later];
}

// ---------------------------------------------------------------------------------------------

/** Python json.dumps style (ASCII-escaped), as Django writes SQLite JSON columns. */
function pyJson(x: unknown): string {
  return JSON.stringify(x).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sqliteValue([kind, x]: Cell): unknown {
  if (x === null) return null;
  switch (kind) {
    case 'json':
      return pyJson(x);
    case 'dt':
      return lsDateTime(String(x)).replace('T', ' ').replace('Z', '');
    case 'bool':
      return x ? 1 : 0;
    case 'uuid':
      return String(x).replace(/-/g, '').toLowerCase();
    default:
      return typeof x === 'boolean' ? (x ? 1 : 0) : x;
  }
}

export const SQLITE_SCHEMA = new URL('../fixtures/label-studio-schema.sqlite.sql', import.meta.url);

/** Writes rows into a SQLite file (creating the schema when the file is new). */
export async function loadIntoSqlite(file: string, input: Obj[], opts: LoadOptions = {}): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const db = new Database(file);
  try {
    const hasSchema = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'task'`).get();
    if (!hasSchema) db.exec(readFileSync(SQLITE_SCHEMA, 'utf8'));
    const insert = db.transaction((rows: PlannedRow[]) => {
      for (const { table, row } of rows) {
        const cols = Object.keys(row);
        db.prepare(`INSERT OR IGNORE INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(
          ...cols.map((c) => sqliteValue(row[c])),
        );
      }
    });
    insert(planRows(input, opts));
  } finally {
    db.close();
  }
}

const PG_CAST: Record<Kind, string> = { json: '::jsonb', dt: '::timestamptz', bool: '::boolean', uuid: '::uuid', v: '' };

/** Writes rows into a PostgreSQL database holding the Label Studio schema. */
export async function loadIntoPostgres(url: string, input: Obj[], opts: LoadOptions = {}): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN');
    // Fixtures reference rows they do not carry (parent predictions, other projects' users):
    // skip FK triggers as a restore would. Needs a superuser, which the test clusters are.
    await c.query(`SET LOCAL session_replication_role = replica`);
    for (const { table, row } of planRows(input, opts)) {
      const cols = Object.keys(row);
      const values = cols.map((k) => {
        const [kind, x] = row[k];
        return x === null ? null : kind === 'json' ? JSON.stringify(x) : x;
      });
      await c.query(
        `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((k, i) => `$${i + 1}${PG_CAST[row[k][0]]}`).join(', ')}) ON CONFLICT DO NOTHING`,
        values,
      );
    }
    await c.query('COMMIT');
  } finally {
    await c.end();
  }
}
