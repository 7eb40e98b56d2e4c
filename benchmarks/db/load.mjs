// Loads a generated project (the NDJSON of `labelstream generate`) into Label Studio's tables, fast:
// PostgreSQL through `COPY … FROM STDIN` (one psql per table, all fed in the same pass, FK triggers
// off like a restore), SQLite through prepared inserts in one transaction. Secondary indexes are
// created after the rows (test/fixtures/label-studio-schema*.sql, split into tables then indexes).
//
//   node benchmarks/db/load.mjs --ndjson FILE --config XML (--pg URL | --sqlite FILE)
//
// Rows carry what the export carries (test/support/load-ls-export.ts does the same for the tests,
// row by row): exporting them back gives the generated tasks again.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCHEMA = { pg: join(ROOT, 'test/fixtures/label-studio-schema.sql'), sqlite: join(ROOT, 'test/fixtures/label-studio-schema.sqlite.sql') };
const EPOCH = '2024-01-01T00:00:00Z';

// Value kinds: J json, D datetime, B boolean, U uuid, V plain.
const COLUMNS = {
  data_import_fileupload: [['id', 'V'], ['user_id', 'V'], ['project_id', 'V'], ['file', 'V']],
  task: [
    ['id', 'V'], ['data', 'J'], ['meta', 'J'], ['project_id', 'V'], ['created_at', 'D'], ['updated_at', 'D'], ['updated_by_id', 'V'],
    ['is_labeled', 'B'], ['allow_skip', 'B'], ['overlap', 'V'], ['file_upload_id', 'V'], ['inner_id', 'V'], ['total_annotations', 'V'],
    ['cancelled_annotations', 'V'], ['total_predictions', 'V'], ['comment_count', 'V'], ['unresolved_comment_count', 'V'], ['last_comment_updated_at', 'D'],
  ],
  prediction: [
    ['id', 'V'], ['result', 'J'], ['score', 'V'], ['model_version', 'V'], ['model_id', 'V'], ['model_run_id', 'V'], ['cluster', 'V'], ['neighbors', 'J'],
    ['mislabeling', 'V'], ['task_id', 'V'], ['project_id', 'V'], ['created_at', 'D'], ['updated_at', 'D'],
  ],
  task_completion: [
    ['id', 'V'], ['result', 'J'], ['task_id', 'V'], ['project_id', 'V'], ['completed_by_id', 'V'], ['updated_by_id', 'V'], ['was_cancelled', 'B'],
    ['ground_truth', 'B'], ['created_at', 'D'], ['updated_at', 'D'], ['draft_created_at', 'D'], ['lead_time', 'V'], ['prediction', 'J'], ['result_count', 'V'],
    ['parent_prediction_id', 'V'], ['parent_annotation_id', 'V'], ['unique_id', 'U'], ['import_id', 'V'], ['last_action', 'V'], ['last_created_by_id', 'V'], ['bulk_created', 'B'],
  ],
  tasks_annotationdraft: [
    ['id', 'V'], ['result', 'J'], ['lead_time', 'V'], ['task_id', 'V'], ['annotation_id', 'V'], ['user_id', 'V'], ['was_postponed', 'B'], ['import_id', 'V'],
    ['created_at', 'D'], ['updated_at', 'D'],
  ],
  task_comment_authors: [['task_id', 'V'], ['user_id', 'V']],
  htx_user: [
    ['id', 'V'], ['password', 'V'], ['is_superuser', 'B'], ['username', 'V'], ['email', 'V'], ['first_name', 'V'], ['last_name', 'V'], ['phone', 'V'],
    ['avatar', 'V'], ['is_staff', 'B'], ['is_active', 'B'], ['date_joined', 'D'], ['activity_at', 'D'],
  ],
  project: [['id', 'V'], ['title', 'V'], ['label_config', 'V'], ['maximum_annotations', 'V'], ['created_at', 'D'], ['updated_at', 'D']],
};
const TABLES = Object.keys(COLUMNS);

const idOf = (x) => (x && typeof x === 'object' ? x.id : (x ?? null));

/** Turns tasks into table rows (arrays in COLUMNS order); users and uploads deduplicated. */
class Planner {
  users = new Map();
  uploads = new Map();
  project = null;
  user(x, details) {
    const id = idOf(x);
    if (id === null) return null;
    const d = details ?? (typeof x === 'object' ? x : undefined);
    if (!this.users.has(id) || d?.email) this.users.set(id, { email: d?.email ?? `user${id}@example.com`, first: d?.first_name ?? '', last: d?.last_name ?? '' });
    return id;
  }
  /** Calls emit(table, row) for every row of task t. */
  task(t, emit) {
    const PROJECT_ID = (this.project ??= t.project ?? 1);
    const anns = t.annotations ?? [];
    let uploadId = null;
    if (typeof t.file_upload === 'string') {
      uploadId = this.uploads.get(t.file_upload);
      if (uploadId === undefined) {
        uploadId = this.uploads.size + 1;
        this.uploads.set(t.file_upload, uploadId);
        emit('data_import_fileupload', [uploadId, 1, PROJECT_ID, `upload/${PROJECT_ID}/${t.file_upload}`]);
      }
    }
    const live = anns.filter((a) => !a.was_cancelled).length;
    emit('task', [
      t.id, t.data, t.meta ?? {}, PROJECT_ID, t.created_at ?? EPOCH, t.updated_at ?? EPOCH, this.user(t.updated_by), live > 0, t.allow_skip ?? null, 1, uploadId,
      t.inner_id ?? t.id, t.total_annotations ?? live, t.cancelled_annotations ?? anns.length - live, t.total_predictions ?? (t.predictions ?? []).length,
      t.comment_count ?? 0, t.unresolved_comment_count ?? 0, t.last_comment_updated_at ?? null,
    ]);
    for (const p of t.predictions ?? []) {
      const o = typeof p === 'object' ? p : { id: p };
      emit('prediction', [
        o.id, o.result ?? [], o.score ?? null, o.model_version ?? '', o.model ?? null, o.model_run ?? null, o.cluster ?? null, o.neighbors ?? null,
        o.mislabeling ?? 0, t.id, PROJECT_ID, o.created_at ?? EPOCH, o.updated_at ?? EPOCH,
      ]);
    }
    for (const a of anns) {
      emit('task_completion', [
        a.id, a.result ?? [], t.id, PROJECT_ID, this.user(a.completed_by), this.user(a.updated_by), a.was_cancelled ?? false, a.ground_truth ?? false,
        a.created_at ?? EPOCH, a.updated_at ?? EPOCH, a.draft_created_at ?? null, a.lead_time ?? null, a.prediction ?? {}, a.result_count ?? 0,
        a.parent_prediction ?? null, a.parent_annotation ?? null, a.unique_id ?? null, a.import_id ?? null, a.last_action ?? null, this.user(a.last_created_by),
        a.bulk_created ?? false,
      ]);
    }
    for (const d of t.drafts ?? []) {
      const o = typeof d === 'object' ? d : { id: d };
      let userId = 1;
      if (typeof o.user === 'string') {
        const m = /^(.*?) ?\S+@\S+, (\d+)$/.exec(String(o.created_username ?? ''));
        userId = m ? Number(m[2]) : 500_000 + o.id;
        const [first, ...rest] = (m?.[1] ?? '').trim().split(' ');
        this.user(userId, { email: o.user, first_name: first ?? '', last_name: rest.join(' ') });
      }
      emit('tasks_annotationdraft', [
        o.id, o.result ?? [], o.lead_time ?? null, t.id, o.annotation ?? null, userId, o.was_postponed ?? false, o.import_id ?? null,
        o.created_at ?? EPOCH, o.updated_at ?? EPOCH,
      ]);
    }
    for (const u of t.comment_authors ?? []) emit('task_comment_authors', [t.id, this.user(u)]);
  }
  /** Users and the project: written last (FKs are not checked while loading). */
  tail(labelConfig, emit) {
    if (!this.users.has(1)) this.users.set(1, { email: 'importer@example.com', first: '', last: '' });
    for (const [id, u] of this.users) emit('htx_user', [id, '', false, u.email, u.email, u.first, u.last, '', '', false, true, EPOCH, EPOCH]);
    emit('project', [this.project ?? 1, 'benchmark', labelConfig, 1, EPOCH, EPOCH]);
  }
}

async function* tasksOf(ndjson) {
  const lines = createInterface({ input: createReadStream(ndjson, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) yield JSON.parse(line);
}

/** Schema text split into [tables+constraints, indexes]. */
function splitSchema(file) {
  const stmts = readFileSync(file, 'utf8')
    .replace(/--[^\n]*/g, '')
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  const isIndex = (s) => /^CREATE\s+(UNIQUE\s+)?INDEX/i.test(s) && !/UNIQUE/i.test(s);
  return [stmts.filter((s) => !isIndex(s)), stmts.filter(isIndex)];
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

const copyText = (s) => s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));

function pgCell(kind, v) {
  if (v === null || v === undefined) return '\\N';
  if (kind === 'J') return copyText(JSON.stringify(v));
  if (kind === 'B') return v ? 't' : 'f';
  return copyText(String(v));
}

async function psql(url, sql, input) {
  const child = spawn('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], {
    env: { ...process.env, PGOPTIONS: '-c session_replication_role=replica' },
    stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`psql ${sql.slice(0, 60)}: exit ${code}: ${err}`)))),
  );
  return { stdin: child.stdin, done };
}

export async function loadPostgres(url, ndjson, labelConfig) {
  const [tables, indexes] = splitSchema(SCHEMA.pg);
  await (await psql(url, `${tables.join(';\n')};`)).done;
  const copies = {};
  const buf = {};
  for (const t of TABLES) {
    copies[t] = await psql(url, `COPY ${t} (${COLUMNS[t].map(([c]) => c).join(', ')}) FROM STDIN`, true);
    buf[t] = [];
  }
  const flush = async (t) => {
    if (buf[t].length === 0) return;
    const ok = copies[t].stdin.write(buf[t].join(''));
    buf[t] = [];
    if (!ok) await once(copies[t].stdin, 'drain');
  };
  const counts = Object.fromEntries(TABLES.map((t) => [t, 0]));
  const emit = (t, row) => {
    const cols = COLUMNS[t];
    buf[t].push(`${row.map((v, i) => pgCell(cols[i][1], v)).join('\t')}\n`);
    counts[t]++;
  };
  const plan = new Planner();
  let n = 0;
  for await (const task of tasksOf(ndjson)) {
    plan.task(task, emit);
    if (++n % 2000 === 0) for (const t of TABLES) await flush(t);
  }
  plan.tail(labelConfig, emit);
  for (const t of TABLES) {
    await flush(t);
    copies[t].stdin.end();
  }
  await Promise.all(TABLES.map((t) => copies[t].done));
  // Two index builds at a time (2 cores), then statistics for the planner.
  const queue = [...indexes];
  await Promise.all([0, 1].map(async () => {
    for (let s = queue.shift(); s; s = queue.shift()) await (await psql(url, s)).done;
  }));
  await (await psql(url, 'VACUUM ANALYZE')).done;
  return { tasks: n, rows: counts };
}

// ---------------------------------------------------------------------------------------------
// SQLite (Django's storage: text JSON, naive-UTC datetime text, 0/1, uuid as 32 hex)

function sqliteCell(kind, v) {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case 'J':
      return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    case 'D':
      return String(v).replace('T', ' ').replace(/Z$|[+-]00:?00$/, '');
    case 'B':
      return v ? 1 : 0;
    case 'U':
      return String(v).replace(/-/g, '').toLowerCase();
    default:
      return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }
}

export async function loadSqlite(file, ndjson, labelConfig) {
  const { default: Database } = await import('better-sqlite3');
  rmSync(file, { force: true });
  const db = new Database(file);
  try {
    db.pragma('foreign_keys = OFF'); // better-sqlite3 turns them on; rows come children first
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const [tables, indexes] = splitSchema(SCHEMA.sqlite);
    db.exec(`${tables.join(';\n')};`);
    const insert = Object.fromEntries(
      TABLES.map((t) => [t, db.prepare(`INSERT INTO "${t}" (${COLUMNS[t].map(([c]) => `"${c}"`).join(', ')}) VALUES (${COLUMNS[t].map(() => '?').join(', ')})`)]),
    );
    const counts = Object.fromEntries(TABLES.map((t) => [t, 0]));
    const emit = (t, row) => {
      const cols = COLUMNS[t];
      insert[t].run(row.map((v, i) => sqliteCell(cols[i][1], v)));
      counts[t]++;
    };
    const plan = new Planner();
    let n = 0;
    db.exec('BEGIN');
    for await (const task of tasksOf(ndjson)) {
      plan.task(task, emit);
      n++;
    }
    plan.tail(labelConfig, emit);
    db.exec('COMMIT');
    for (const s of indexes) db.exec(s);
    db.exec('ANALYZE');
    return { tasks: n, rows: counts };
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: o } = parseArgs({ options: { ndjson: { type: 'string' }, config: { type: 'string' }, pg: { type: 'string' }, sqlite: { type: 'string' } } });
  if (!o.ndjson || !(o.pg || o.sqlite)) throw new Error('usage: load.mjs --ndjson FILE --config XML (--pg URL | --sqlite FILE)');
  const labelConfig = o.config ? readFileSync(o.config, 'utf8') : '<View></View>';
  const t0 = Date.now();
  const r = o.pg ? await loadPostgres(o.pg, o.ndjson, labelConfig) : await loadSqlite(o.sqlite, o.ndjson, labelConfig);
  process.stdout.write(`${JSON.stringify({ ...r, seconds: (Date.now() - t0) / 1000 })}\n`);
}
