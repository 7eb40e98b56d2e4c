// Component limit for SQLite input: better-sqlite3 `.iterate()` over the same rows and columns the
// export reads (task + task_completion + prediction + tasks_annotationdraft of the project), one
// statement per table, JSON columns parsed with JSON.parse. No rendering, no encoder, no output.
// Usage: node sqlite-read.mjs FILE  →  prints {"tasks": n, "rows": m} on stdout.
import Database from 'better-sqlite3';
import { TABLES } from './db-columns.mjs';

const db = new Database(process.argv[2], { readonly: true, fileMustExist: true });
const project = db.prepare('SELECT min(id) AS id FROM project').get().id;
let tasks = 0;
let rows = 0;
let touched = 0;
for (const [table, cols, json] of TABLES) {
  const order = table === 'task' ? ' ORDER BY project_id, id' : '';
  for (const row of db.prepare(`SELECT ${cols.join(', ')} FROM ${table} WHERE ${table === 'tasks_annotationdraft' ? `task_id IN (SELECT id FROM task WHERE project_id = ?)` : 'project_id = ?'}${order}`).iterate(project)) {
    for (const c of json) if (typeof row[c] === 'string') row[c] = JSON.parse(row[c]);
    rows++;
    if (table === 'task') tasks++;
    touched += row.id & 1;
  }
}
db.close();
process.stdout.write(`${JSON.stringify({ tasks, rows, touched })}\n`);
