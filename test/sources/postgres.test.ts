// The PostgreSQL source against a real server (test/support/postgres.ts: DATABASE_URL, Docker, or a
// throwaway local cluster), with Label Studio's schema (test/fixtures/label-studio-schema.sql).

import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/export-spec.js';
import { newStats, type RunContext } from '../../src/run-context.js';
import type { LsDriver } from '../../src/sources/ls-db.js';
import { connectPostgres, openPostgres } from '../../src/sources/postgres.js';
import { runCli } from '../support/cli.js';
import { describeLsSource, exportJson, type MakeDb } from '../support/ls-db-cases.js';
import { loadIntoPostgres } from '../support/load-ls-export.js';
import { createLsDatabase, type PgServer, startPostgres } from '../support/postgres.js';

let server: PgServer;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

const makeDb: MakeDb = async (name, tasks, opts) => {
  const url = await createLsDatabase(server, name);
  await loadIntoPostgres(url, tasks, opts);
  return url;
};

describeLsSource('postgres', () => makeDb);

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

describe('postgres: storage details', () => {
  it('emits jsonb keys in PostgreSQL order and microseconds from timestamptz text', async () => {
    const url = await makeDb('jsonb', [{ id: 1, data: { value: 1.5, id: 2, from_name: 3, type: 4 }, created_at: '2024-01-30T02:40:43.100000Z', annotations: [] }]);
    const { text, tasks } = await exportJson(url);
    const data = text.slice(text.indexOf('"data"'));
    const order = ['"id"', '"type"', '"value"', '"from_name"'].map((k) => data.indexOf(k));
    expect(order).toEqual([...order].sort((a, b) => a - b)); // jsonb: shorter keys first
    expect(tasks[0].created_at).toBe('2024-01-30T02:40:43.100000Z'); // PostgreSQL prints .1
  });

  it('reads older schemas: optional columns come from information_schema', async () => {
    const url = await makeDb('old_schema', [{ id: 1, data: { text: 'a' }, annotations: [{ id: 2, completed_by: null, result: [] }] }]);
    await query(url, 'ALTER TABLE task_completion DROP COLUMN bulk_created, DROP COLUMN last_created_by_id; ALTER TABLE task DROP COLUMN allow_skip');
    const { tasks } = await exportJson(url);
    expect('bulk_created' in tasks[0].annotations[0]).toBe(false);
    expect('last_created_by' in tasks[0].annotations[0]).toBe(false);
    expect('allow_skip' in tasks[0]).toBe(false);
    expect(Object.keys(tasks[0].annotations[0]).at(-1)).toBe('parent_annotation');
  });

  it('reads the next page ahead: tasks stay in order with their children, and stopping early ends cleanly', async () => {
    const tasks = [1, 2, 3, 4, 5].map((id) => ({ id, data: { text: `t${id}` }, annotations: [{ id: 10 + id, completed_by: null, result: [] }] }));
    const url = await makeDb('read_ahead', tasks);
    const ctx = { stats: newStats(), signal: new AbortController().signal, batchSize: 500 } as unknown as RunContext;
    const spec = { ...defaultSpec(url, 'null', 'JSON'), pageSize: 2 };
    const all = await openPostgres(url, spec);
    const seen: Array<[number, number]> = [];
    for await (const batch of all.batches(ctx)) for (const t of batch) seen.push([t.id, t.annotations[0].id as number]);
    await all.close();
    expect(seen).toEqual(tasks.map((t) => [t.id, 10 + t.id]));
    const early = await openPostgres(url, spec);
    for await (const batch of early.batches(ctx)) {
      expect(batch[0].id).toBe(1);
      break; // the read-ahead of page 2 is in flight here
    }
    await early.close();
    const left = await query(url, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'labelstream'`);
    expect(left.rows[0].n).toBe(0);
  });

  it('worker connections read the snapshot of the run (pg_export_snapshot), not later commits', async () => {
    const url = await makeDb('snapshot', [{ id: 1, data: { text: 'a' }, annotations: [] }]);
    const count = async (d: LsDriver) => Number((await d.all('SELECT count(*) AS n FROM task', []))[0].n);
    const main = await connectPostgres(url);
    try {
      expect(await count(main)).toBe(1);
      const conn = await main.workerConnection?.();
      expect(conn?.snapshot).toMatch(/^[0-9A-F-]+$/);
      await query(url, `INSERT INTO task (id, data, meta, project_id, created_at, updated_at, is_labeled, overlap, inner_id, total_annotations, cancelled_annotations, total_predictions, comment_count, unresolved_comment_count) SELECT 2, data, meta, project_id, created_at, updated_at, is_labeled, overlap, 2, 0, 0, 0, 0, 0 FROM task WHERE id = 1`);
      const worker = await connectPostgres(url, { snapshot: conn?.snapshot });
      const fresh = await connectPostgres(url);
      expect(await count(worker)).toBe(1);
      expect(await count(fresh)).toBe(2);
      await worker.close();
      await fresh.close();
    } finally {
      await main.close();
    }
  });

  it.each([0, 2])('fails cleanly when the server drops its connections mid-run (no output file), --workers %i', async (workers) => {
    const tasks = Array.from({ length: 4000 }, (_, i) => ({ id: i + 1, data: { text: `t${i}` }, annotations: [{ id: 100000 + i, completed_by: null, result: [] }] }));
    const url = await makeDb(`dropped_${workers}`, tasks);
    const dir = mkdtempSync(join(tmpdir(), 'ls-pg-drop-'));
    const out = join(dir, 'out.json');
    const running = runCli(['export', '--from', url, '--to', out, '--page-size', '5', '--workers', String(workers)]);
    // Once the run's connections are up (main + workers), the server ends them.
    let killed = 0;
    for (let i = 0; i < 400 && killed === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const r = await query(url, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'labelstream'`);
      if (r.rows[0].n >= workers + 1) killed = (await query(url, `SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'labelstream') k`)).rows[0].n;
    }
    const r = await running;
    expect(killed).toBeGreaterThanOrEqual(workers + 1);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/terminat|connection/i);
    expect(readdirSync(dir)).toEqual([]); // neither the file nor a temp file
  });

  it('reads in a read-only transaction (no write reaches the database)', async () => {
    const url = await makeDb('readonly', [{ id: 1, data: { text: 'a' }, annotations: [] }]);
    const before = await query(url, `SELECT n_tup_ins + n_tup_upd + n_tup_del AS w FROM pg_stat_user_tables WHERE relname = 'task'`);
    await exportJson(url, ['--drafts', 'full', '--predictions', 'full']);
    const after = await query(url, `SELECT n_tup_ins + n_tup_upd + n_tup_del AS w FROM pg_stat_user_tables WHERE relname = 'task'`);
    expect(after.rows[0].w).toBe(before.rows[0].w);
  });

  it('uses DATABASE_URL, else the PG* variables, for --from postgres:', async () => {
    const url = await makeDb('env', [{ id: 1, data: { text: 'env' }, annotations: [] }]);
    const out = await runCli(['export', '--from', 'postgres:', '--to', '-', '--progress', '0'], { env: { DATABASE_URL: url } });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout.toString())[0].data).toEqual({ text: 'env' });
    const u = new URL(url);
    const pgEnv = { DATABASE_URL: '', PGHOST: u.hostname, PGPORT: u.port, PGUSER: decodeURIComponent(u.username), PGPASSWORD: decodeURIComponent(u.password), PGDATABASE: u.pathname.slice(1) };
    const viaPg = await runCli(['export', '--from', 'postgres:', '--to', '-', '--progress', '0'], { env: pgEnv });
    expect(viaPg.code, viaPg.stderr).toBe(0);
    expect(JSON.parse(viaPg.stdout.toString())[0].data).toEqual({ text: 'env' });
  });

  it('says what to fix for an unreachable server, without printing the password', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const r = await runCli(['export', '--from', `postgres://ls:s3cr3t-pw@127.0.0.1:${port}/ls`, '--to', '-']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach PostgreSQL at postgres://ls:***@127.0.0.1');
    expect(r.stderr).not.toContain('s3cr3t-pw');
  });

  it('says the credentials were refused (unknown role), without printing the password', async () => {
    const u = new URL(server.url);
    u.username = 'no_such_role';
    u.password = 'pw-s3cret';
    const r = await runCli(['export', '--from', u.toString(), '--to', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refused the credentials');
    expect(r.stderr).toContain('no_such_role:***@');
    expect(r.stderr).not.toContain('pw-s3cret');
  });

  it('names a missing database and a non-Label-Studio database', async () => {
    const missing = new URL(server.url);
    missing.pathname = '/no_such_db_here';
    const r = await runCli(['export', '--from', missing.toString(), '--to', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no_such_db_here');
    const empty = await server.createDatabase('empty');
    const e = await runCli(['export', '--from', empty, '--to', '-']);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain('does not look like a Label Studio database');
  });
});
