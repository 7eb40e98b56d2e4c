// Component limit for PostgreSQL input: pg-query-stream (batchSize 1000) over the same rows and
// columns the export reads (task + task_completion + prediction + tasks_annotationdraft of the
// project), one streamed query per table, no ordering of children, timestamps as text (as the
// source reads them), jsonb parsed by pg. No rendering, no encoder, no output.
// Usage: node pg-read.mjs URL  →  prints {"tasks": n, "rows": m} on stdout.
import pg from 'pg';
import QueryStream from 'pg-query-stream';
import { TABLES } from './db-columns.mjs';

const text = (s) => s;
const types = { getTypeParser: (oid, format) => (oid === 1114 || oid === 1184 ? text : pg.types.getTypeParser(oid, format)) };
const client = new pg.Client({ connectionString: process.argv[2], types });
await client.connect();
await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
const project = (await client.query('SELECT min(id) AS id FROM project')).rows[0].id;
let tasks = 0;
let rows = 0;
let touched = 0;
for (const [table, cols] of TABLES) {
  const order = table === 'task' ? ' ORDER BY id' : '';
  const stream = client.query(new QueryStream(`SELECT ${cols.join(', ')} FROM ${table} WHERE ${table === 'tasks_annotationdraft' ? `task_id IN (SELECT id FROM task WHERE project_id = $1)` : 'project_id = $1'}${order}`, [project], { batchSize: 1000 }));
  for await (const row of stream) {
    rows++;
    if (table === 'task') tasks++;
    touched += row.id & 1; // touch the row so the read cannot be skipped
  }
}
await client.query('ROLLBACK');
await client.end();
process.stdout.write(`${JSON.stringify({ tasks, rows, touched })}\n`);
