// --from postgres://user:pass@host:5432/db (or postgresql://…, or just `postgres:` to use
// DATABASE_URL / the PG* environment variables): Label Studio's PostgreSQL database, read in one
// REPEATABLE READ READ ONLY transaction so the whole export is one consistent snapshot, and never
// written to.
//
// Read approach: plain keyset-paged queries (`WHERE project_id=$1 AND id > $last ORDER BY id LIMIT
// pageSize`, index task(project_id, id)) on one connection, children per page with
// `task_id = ANY($ids)`. Measured against a server-side cursor (DECLARE … FETCH 1000 in the same
// transaction, same children queries) on 30k tasks, 2 runs each on a loaded 2-core machine:
// keyset 7.4k / 11.0k tasks/s, cursor 7.7k / 9.4k: no gain from the cursor. Keyset pages need no
// open portal, so children queries share the connection and snapshot without a second client.
// One streamed query with the children aggregated per task (json_agg subqueries) read the same
// 100k tasks in the same wall time as pages + child queries (benchmarks/db/read-strategies.mjs,
// benchmarks/README.md "Database sources"), so the pages stay. The next page is read ahead while
// the current one is rendered and encoded (readAhead): the server's time then overlaps ours
// (profile at 100k: 3.0 s idle → 0.5 s).

// Rendering: each row comes back as its JSON text, built by PostgreSQL (ls-sql.ts POSTGRES_SQL):
// jsonb as PostgreSQL prints it (its canonical key order, which is what Label Studio emits, and
// `": "` spacing), timestamptz through to_char in session time zone UTC (microseconds kept), floats
// in PostgreSQL's shortest round-trip form. The page and children queries run as binary COPY
// (pg-copy.ts): the texts arrive as bytes and are joined into each task's bytes without decoding.
// Tasks that go through transforms or encoders are parsed from that text with JSON.parse, which
// moves integer-like keys ("0", "12") to the front of each object (a JS object property rule);
// bigints beyond 2^53 then lose precision.

import type { Source } from '../contracts.js';
import { UsageError } from '../errors.js';
import type { ExportSpec } from '../export-spec.js';
import { type LsDriver, openLsSource, type Row } from './ls-db.js';
import { POSTGRES_SQL } from './ls-sql.js';
import { copyRows } from './pg-copy.js';

export function isPostgresUrl(from: string): boolean {
  return /^postgres(ql)?:/i.test(from);
}

/** The URL with its password replaced by *** (also a `password=` query parameter). */
export function maskUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@').replace(/([?&]password=)[^&]*/i, '$1***');
}

function connectionString(from: string): string | undefined {
  if (/^postgres(ql)?:$/i.test(from.trim())) return process.env.DATABASE_URL || undefined;
  return from;
}

function displayOf(from: string): string {
  const cs = connectionString(from);
  if (cs) return maskUrl(cs);
  const e = process.env;
  return `postgres://${e.PGUSER ?? e.USER ?? ''}@${e.PGHOST ?? 'localhost'}:${e.PGPORT ?? 5432}/${e.PGDATABASE ?? e.PGUSER ?? ''} (PG* environment)`;
}

function friendly(e: unknown, display: string, password: string | undefined): Error {
  const err = e as Error & { code?: string };
  let msg = err?.message ?? String(e);
  if (password) msg = msg.split(password).join('***');
  switch (err?.code) {
    case '28P01':
    case '28000':
      return new UsageError(`${display}: PostgreSQL refused the credentials (${msg}); check the user and password (URL, PGUSER/PGPASSWORD or DATABASE_URL)`);
    case '3D000':
      return new UsageError(`${display}: ${msg}; check the database name in --from`);
    case '42501':
      return new UsageError(`${display}: ${msg}; the user needs SELECT on Label Studio's tables`);
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return new Error(`cannot reach PostgreSQL at ${display}: ${msg}; check host and port, and that the server is running`);
    default:
      if (/timeout/i.test(msg)) return new Error(`cannot reach PostgreSQL at ${display}: ${msg}`);
      return new Error(`${display}: ${msg}`);
  }
}

/** Connects and opens the run's read-only snapshot transaction. */
export async function connectPostgres(from: string, opts: { snapshot?: string } = {}): Promise<LsDriver> {
  const display = displayOf(from);
  const cs = connectionString(from);
  // Loaded on first use: the CLI starts faster for the sources that do not need it.
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: cs, connectionTimeoutMillis: 15_000, application_name: 'labelstream' });
  const password = typeof client.password === 'string' && client.password !== '' ? client.password : undefined;
  client.on('error', () => undefined); // surfaced by the failing query instead
  try {
    await client.connect();
    await client.query(`SET TIME ZONE 'UTC'`);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    if (opts.snapshot !== undefined) {
      if (!/^[0-9A-F]+(-[0-9A-F]+)+$/i.test(opts.snapshot)) throw new Error(`bad snapshot id ${opts.snapshot}`);
      await client.query(`SET TRANSACTION SNAPSHOT '${opts.snapshot}'`).catch((e: Error & { code?: string }) => {
        // The snapshot lives as long as the transaction that exported it: that connection has ended.
        if (e.code === '22023') e.message += ' (the run\'s first connection ended before this connection joined its snapshot)';
        throw e;
      });
    }
  } catch (e) {
    await client.end().catch(() => undefined);
    throw friendly(e, display, password);
  }
  const all = async (sql: string, params: unknown[]): Promise<Row[]> => {
    try {
      return (await client.query(sql, params)).rows as Row[];
    } catch (e) {
      throw friendly(e, display, password);
    }
  };
  const arrays = async (sql: string, params: unknown[]): Promise<unknown[][]> => {
    try {
      return (await client.query({ text: sql, values: params, rowMode: 'array' })).rows as unknown[][];
    } catch (e) {
      throw friendly(e, display, password);
    }
  };
  // The rendering queries (ls-db.ts prefers binaryRows). COPY takes no parameters and cannot run a
  // prepared statement, so each page's query is planned again: the server's CPU for a 100k export
  // still went down (2.6–2.7 → 2.3–2.4 s) against the named statements the row protocol used.
  const binaryRows = async (sql: string, params: unknown[]) => {
    try {
      return await copyRows(client, sql, params);
    } catch (e) {
      throw friendly(e, display, password);
    }
  };
  let ended = false;
  return {
    display,
    dialect: 'postgres',
    sql: POSTGRES_SQL,
    all,
    arrays,
    binaryRows,
    async tables() {
      const rows = await all(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`, []);
      return new Set(rows.map((r) => String(r.table_name)));
    },
    async columns(table) {
      const rows = await all(`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, [table]);
      return new Set(rows.map((r) => String(r.column_name)));
    },
    pause: async () => undefined,
    readAhead: true,
    async workerConnection() {
      const rows = await all('SELECT pg_export_snapshot() AS s', []);
      return { dialect: 'postgres', from, snapshot: String(rows[0].s) };
    },
    async close() {
      if (ended) return;
      ended = true;
      await client.query('ROLLBACK').catch(() => undefined); // read-only: nothing to commit
      await client.end().catch(() => undefined);
    },
  };
}

export async function openPostgres(from: string, spec: ExportSpec): Promise<Source> {
  return openLsSource(await connectPostgres(from), spec);
}
