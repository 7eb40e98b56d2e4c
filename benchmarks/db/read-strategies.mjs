// Compares the two PostgreSQL read shapes for a database export, reading the same rows with no
// rendering (so only the query shape differs):
//   pages   keyset pages over task(project_id, id) (1000 tasks) + one query per child table per
//           page (`task_id = ANY($ids)`, ordered by task, id): what src/sources/ls-db.ts does;
//   lateral one streamed query (pg-query-stream, batch 1000) over the tasks with each child table
//           aggregated per task in a correlated subquery (json_agg … ORDER BY id).
// Usage: node benchmarks/db/read-strategies.mjs URL [pages|lateral]  →  {strategy, tasks, children, seconds, cpuS}
import pg from 'pg';
import QueryStream from 'pg-query-stream';
import { TABLES } from '../limits/db-columns.mjs';

const text = (s) => s;
const types = { getTypeParser: (oid, format) => (oid === 1114 || oid === 1184 ? text : pg.types.getTypeParser(oid, format)) };
const client = new pg.Client({ connectionString: process.argv[2], types });
const strategy = process.argv[3] ?? 'pages';
await client.connect();
await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
const project = (await client.query('SELECT min(id) AS id FROM project')).rows[0].id;
const [[, taskCols], ...childTables] = TABLES;
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
let tasks = 0;
let children = 0;
if (strategy === 'pages') {
  let after = -2147483648;
  for (;;) {
    const rows = (await client.query(`SELECT ${taskCols.map((c) => `t.${c}`).join(', ')} FROM task t WHERE t.project_id = $1 AND t.id > $2 ORDER BY t.id LIMIT 1000`, [project, after])).rows;
    if (rows.length === 0) break;
    const ids = rows.map((r) => r.id);
    for (const [table, cols] of childTables) {
      const r = await client.query(`SELECT ${cols.join(', ')} FROM ${table} WHERE task_id = ANY($1::bigint[]) ORDER BY task_id, id`, [ids]);
      children += r.rows.length;
    }
    tasks += rows.length;
    after = ids[ids.length - 1];
    if (rows.length < 1000) break;
  }
} else {
  const agg = childTables.map(([table, cols], i) => `(SELECT json_agg(c ORDER BY c.id) FROM (SELECT ${cols.join(', ')} FROM ${table} x WHERE x.task_id = t.id) c) AS c${i}`);
  const sql = `SELECT ${taskCols.map((c) => `t.${c}`).join(', ')}, ${agg.join(', ')} FROM task t WHERE t.project_id = $1 ORDER BY t.id`;
  for await (const row of client.query(new QueryStream(sql, [project], { batchSize: 1000 }))) {
    tasks++;
    for (let i = 0; i < childTables.length; i++) children += row[`c${i}`]?.length ?? 0;
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(c0);
await client.query('ROLLBACK');
await client.end();
process.stdout.write(`${JSON.stringify({ strategy, tasks, children, seconds, cpuS: (cpu.user + cpu.system) / 1e6 })}\n`);
