// --from label_studio.sqlite3 (.sqlite, .db) or sqlite:<path>: Label Studio's default SQLite
// database, opened read-only (it must exist) and read inside one transaction held for the whole
// run, so every page sees the same snapshot. Keyset pages of tasks, children by task-id range;
// the event loop gets a turn between pages (better-sqlite3 is synchronous).
//
// Django's SQLite storage (spec §7): JSON as TEXT written by json.dumps (insertion order kept;
// JSON.parse still moves integer-like keys first), datetimes as naive-UTC text
// `YYYY-MM-DD HH:MM:SS[.ffffff]`, booleans 0/1, UUIDs as 32 hex digits.

import { stat } from 'node:fs/promises';
import type Database from 'better-sqlite3';
import type { Source } from '../contracts.js';
import { UsageError } from '../errors.js';
import type { ExportSpec } from '../export-spec.js';
import { type LsDriver, openLsSource, type Row } from './ls-db.js';
import { SQLITE_SQL } from './ls-sql.js';

export function isSqlitePath(from: string): boolean {
  return /^sqlite:/i.test(from) || /\.(sqlite3?|db)$/i.test(from);
}

export function sqliteFile(from: string): string {
  return from.replace(/^sqlite:(\/\/)?/i, '');
}

export async function connectSqlite(from: string): Promise<LsDriver> {
  const file = sqliteFile(from);
  const st = await stat(file).catch(() => null);
  if (!st?.isFile()) throw new UsageError(`--from ${from}: no such SQLite file`);
  // Loaded on first use (a native addon): the CLI starts faster for the other sources.
  const { default: Sqlite } = await import('better-sqlite3');
  let db: Database.Database;
  try {
    db = new Sqlite(file, { readonly: true, fileMustExist: true });
    db.exec('BEGIN');
    db.prepare('SELECT COUNT(*) FROM sqlite_master').get(); // starts the read snapshot now
  } catch (e) {
    throw new UsageError(`--from ${file}: cannot read it as SQLite (${(e as Error).message})`);
  }
  // Prepared once per SQL text: objects for all(), arrays (raw mode) for arrays().
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string, raw: boolean) => {
    const key = `${raw ? 'r' : 'o'}:${sql}`;
    let s = statements.get(key);
    if (!s) {
      s = raw ? db.prepare(sql).raw(true) : db.prepare(sql);
      statements.set(key, s);
    }
    return s;
  };
  const all = async (sql: string, params: unknown[]): Promise<Row[]> => prepared(sql, false).all(...params) as Row[];
  const arrays = async (sql: string, params: unknown[]): Promise<unknown[][]> => prepared(sql, true).all(...params) as unknown[][];
  return {
    display: file,
    dialect: 'sqlite',
    sql: SQLITE_SQL,
    all,
    arrays,
    async tables() {
      const rows = await all(`SELECT name FROM sqlite_master WHERE type IN ('table', 'view')`, []);
      return new Set(rows.map((r) => String(r.name)));
    },
    async columns(table) {
      const rows = await all(`SELECT name FROM pragma_table_info(?)`, [table]);
      return new Set(rows.map((r) => String(r.name)));
    },
    pause: () => new Promise<void>((resolve) => setImmediate(resolve)),
    readAhead: false,
    async workerConnection() {
      // Rollback-journal mode: this connection's open read transaction holds SQLite's shared lock,
      // so no writer can commit while the run lasts and every other reader sees the same data.
      const mode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
      return mode === 'wal' ? undefined : { dialect: 'sqlite', from };
    },
    async close() {
      if (!db.open) return;
      try {
        if (db.inTransaction) db.exec('ROLLBACK');
      } finally {
        db.close();
      }
    },
  };
}

export async function openSqlite(from: string, spec: ExportSpec): Promise<Source> {
  return openLsSource(await connectSqlite(from), spec);
}
