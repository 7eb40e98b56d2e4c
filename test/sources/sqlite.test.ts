// The SQLite source against real SQLite files in Django's storage format.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { connectSqlite } from '../../src/sources/sqlite.js';
import { runCli } from '../support/cli.js';
import { describeLsSource, exportJson, type MakeDb } from '../support/ls-db-cases.js';
import { loadIntoSqlite } from '../support/load-ls-export.js';

const dir = mkdtempSync(join(tmpdir(), 'ls-sqlite-'));
let n = 0;
const makeDb: MakeDb = async (name, tasks, opts) => {
  const file = join(dir, `${name}-${n++}.sqlite3`);
  await loadIntoSqlite(file, tasks, opts);
  return file;
};

describeLsSource('sqlite', () => makeDb);

describe('sqlite: the committed sample database', () => {
  const sample = fileURLToPath(new URL('../../samples/label_studio.sqlite3', import.meta.url));

  it('is what scripts/make-sample-db.mjs generates', () => {
    const file = join(dir, 'sample.sqlite3');
    execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/make-sample-db.mjs', import.meta.url)), file]);
    const hash = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    expect(hash(file)).toBe(hash(sample));
  });

  it('serves the README quick start (JSON_MIN of project 1 to stdout)', async () => {
    const r = await runCli(['export', '--from', sample, '--project', '1', '--format', 'JSON_MIN', '--to', '-']);
    expect(r.code, r.stderr).toBe(0);
    const records = JSON.parse(r.stdout.toString());
    expect(records.length).toBeGreaterThan(100);
    const boxed = records.find((x: Record<string, unknown>) => Array.isArray(x.label));
    expect(boxed.image).toMatch(/^https:\/\/ls-sample\.example\.com\/street\/frame_\d{4}\.jpg$/);
    expect(boxed.label[0].rectanglelabels[0]).toMatch(/^(Car|Pedestrian|Bicycle)$/);
    const p = await runCli(['projects', '--from', sample, '--json']);
    expect(JSON.parse(p.stdout.toString())).toEqual([
      { id: 1, title: 'Street scenes', tasks: 120 },
      { id: 2, title: 'Review sentiment', tasks: 80 },
    ]);
  });
});

describe('sqlite: storage details', () => {
  it('keeps JSON text key order and decodes ASCII-escaped text, 0/1 and char(32) uuids', async () => {
    const file = await makeDb('order', [
      {
        id: 1,
        data: { b: 1, a: 'ü日本', aa: 3 },
        annotations: [{ id: 5, completed_by: null, result: [], unique_id: '3BC9DA85-967F-47A1-BFA8-410206E54CF9', was_cancelled: true }],
      },
    ]);
    const raw = new Database(file, { readonly: true });
    const row = raw.prepare('SELECT t.data, a.unique_id, a.was_cancelled FROM task t JOIN task_completion a ON a.task_id = t.id').get() as Record<string, unknown>;
    raw.close();
    expect(row).toEqual({ data: '{"b":1,"a":"\\u00fc\\u65e5\\u672c","aa":3}', unique_id: '3bc9da85967f47a1bfa8410206e54cf9', was_cancelled: 1 });
    const { tasks, text } = await exportJson(file, ['--format', 'JSON']);
    expect(text.indexOf('"b"')).toBeLessThan(text.indexOf('"a"'));
    expect(tasks[0].data).toEqual({ b: 1, a: 'ü日本', aa: 3 });
    expect(tasks[0].annotations[0].unique_id).toBe('3bc9da85-967f-47a1-bfa8-410206e54cf9');
    expect(tasks[0].annotations[0].was_cancelled).toBe(true);
  });

  it('accepts sqlite:<path> for any file name', async () => {
    const file = join(dir, 'label-studio-copy.data');
    await loadIntoSqlite(file, [{ id: 1, data: { text: 'a' } }]);
    const { tasks } = await exportJson(`sqlite:${file}`);
    expect(tasks.map((x) => x.data)).toEqual([{ text: 'a' }]);
  });

  it('lets worker threads read only while its read lock keeps writers out (not in WAL mode)', async () => {
    const file = await makeDb('locks', [{ id: 1, data: { text: 'a' }, annotations: [] }]);
    const main = await connectSqlite(file);
    try {
      expect(await main.workerConnection?.()).toEqual({ dialect: 'sqlite', from: file });
      await main.all('SELECT count(*) AS n FROM task', []);
      const writer = new Database(file, { timeout: 0 });
      expect(() => writer.exec(`UPDATE task SET meta = '{}' WHERE id = 1`)).toThrow(/locked/);
      writer.close();
    } finally {
      await main.close();
    }
    const wal = new Database(file);
    wal.pragma('journal_mode = WAL');
    wal.close();
    const walDriver = await connectSqlite(file);
    expect(await walDriver.workerConnection?.()).toBeUndefined();
    await walDriver.close();
    const { tasks } = await exportJson(file, ['--workers', '2']); // WAL: read in the main thread
    expect(tasks.map((t) => t.id)).toEqual([1]);
  });

  it('never writes to the database file', async () => {
    const file = await makeDb('readonly', [{ id: 1, data: { text: 'a' }, annotations: [] }]);
    const before = createHash('sha256').update(readFileSync(file)).digest('hex');
    await exportJson(file, ['--drafts', 'full']);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(before);
  });

  it('works with an older schema lacking the newer columns', async () => {
    const file = join(dir, 'old.sqlite3');
    const db = new Database(file);
    db.exec(`CREATE TABLE project (id integer PRIMARY KEY, title varchar(50), label_config text);
      CREATE TABLE task (id integer PRIMARY KEY, data text NOT NULL, meta text, project_id integer, created_at datetime NOT NULL, updated_at datetime NOT NULL, is_labeled bool NOT NULL, overlap integer NOT NULL);
      CREATE TABLE task_completion (id integer PRIMARY KEY, result text, task_id integer, completed_by_id integer, was_cancelled bool NOT NULL, ground_truth bool NOT NULL, created_at datetime NOT NULL, updated_at datetime NOT NULL, lead_time real, prediction text, result_count integer NOT NULL);
      INSERT INTO project VALUES (1, 'old', '<View><Image name="i" value="$image"/></View>');
      INSERT INTO task VALUES (1, '{"$undefined$": "a.jpg"}', '{}', 1, '2021-05-01 10:00:00', '2021-05-01 10:00:00.250000', 1, 1);
      INSERT INTO task_completion VALUES (9, '[]', 1, 2, 0, 0, '2021-05-01 10:00:00', '2021-05-01 10:00:00', 3.0, '{}', 0);`);
    db.close();
    const { tasks } = await exportJson(file);
    expect(tasks).toEqual([
      {
        id: 1,
        annotations: [{ id: 9, completed_by: 2, result: [], was_cancelled: false, ground_truth: false, created_at: '2021-05-01T10:00:00Z', updated_at: '2021-05-01T10:00:00Z', lead_time: 3, prediction: {}, result_count: 0, task: 1 }],
        data: { image: 'a.jpg' },
        meta: {},
        created_at: '2021-05-01T10:00:00Z',
        updated_at: '2021-05-01T10:00:00.250000Z',
        project: 1,
      },
    ]);
  });

  it('formats datetimes of other shapes, keeps a task on one line and fails on malformed JSON', async () => {
    const file = await makeDb('shapes', [{ id: 1, data: { text: 'a' }, annotations: [{ id: 5, completed_by: null, result: [] }] }]);
    const db = new Database(file);
    db.exec(`UPDATE task SET created_at = '2024-01-30T02:40:43.25+02:00', meta = '{\n  "pretty": [1,\n 2]\n}' WHERE id = 1;
      UPDATE task_completion SET updated_at = '2024-01-30 02:40:43.5' WHERE id = 5`);
    db.close();
    const { tasks, text } = await exportJson(file);
    expect(tasks[0].created_at).toBe('2024-01-30T00:40:43.250000Z'); // offset applied (lsDateTime)
    expect(tasks[0].annotations[0].updated_at).toBe('2024-01-30T02:40:43.500000Z');
    expect(tasks[0].meta).toEqual({ pretty: [1, 2] });
    expect(text.split('\n')).toHaveLength(4); // `[`, the task, `]`, '' — the stored line breaks are gone
    // Django's schema has CHECK (JSON_VALID(data)); a hand-edited file can still hold bad text.
    const bad = new Database(file);
    bad.exec(`PRAGMA ignore_check_constraints = 1; UPDATE task SET data = '{"text": ' WHERE id = 1`);
    bad.close();
    const r = await runCli(['export', '--from', file, '--to', join(dir, 'bad.json')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/malformed JSON/);
  });

  it('refuses a file that is not a Label Studio database, and a missing file', async () => {
    const empty = join(dir, 'empty.sqlite3');
    new Database(empty).close();
    const r = await runCli(['export', '--from', empty, '--to', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('does not look like a Label Studio database');
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not sqlite at all, just text that is long enough to be a header '.repeat(10));
    const j = await runCli(['export', '--from', junk, '--to', '-']);
    expect(j.code).toBe(2);
    expect(j.stderr).toContain('cannot read it as SQLite');
    const m = await runCli(['export', '--from', join(dir, 'missing.sqlite3'), '--to', '-']);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain('no such SQLite file');
  });
});
