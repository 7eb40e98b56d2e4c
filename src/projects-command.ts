// `labelstream projects --from <db>`: the projects of a Label Studio database (id, task count,
// title), to find the --project ID for an export. Read-only, like the database sources.

import { type Command, Option } from 'commander';
import { UsageError } from './errors.js';
import { listProjects, type LsDriver, readSchema } from './sources/ls-db.js';
import { connectPostgres, isPostgresUrl } from './sources/postgres.js';
import { connectSqlite, isSqlitePath } from './sources/sqlite.js';

async function connect(from: string): Promise<LsDriver> {
  if (isPostgresUrl(from)) return connectPostgres(from);
  if (isSqlitePath(from)) return connectSqlite(from);
  throw new UsageError(`--from ${from}: not a database; use postgres://…, postgres: (PG* environment) or a .sqlite3/.sqlite/.db file`);
}

export function addProjectsCommand(program: Command): void {
  program
    .command('projects')
    .description("List a Label Studio database's projects: id, task count, title")
    .addOption(new Option('--from <db>', 'postgres://user:pass@host/db, postgres: (DATABASE_URL / PG* env), or label_studio.sqlite3').env('LABELSTREAM_FROM'))
    .addOption(new Option('--json', 'print JSON instead of a table'))
    .action(async (o: { from?: string; json?: boolean }) => {
      if (!o.from) throw new UsageError('--from is required (a PostgreSQL URL or a SQLite file)');
      const driver = await connect(o.from);
      try {
        const projects = await listProjects(driver, await readSchema(driver));
        if (o.json) {
          process.stdout.write(`${JSON.stringify(projects)}\n`);
          return;
        }
        process.stdout.write(`${'ID'.padStart(6)}  ${'TASKS'.padStart(9)}  TITLE\n`);
        for (const p of projects) process.stdout.write(`${String(p.id).padStart(6)}  ${String(p.tasks).padStart(9)}  ${p.title ?? ''}\n`);
      } finally {
        await driver.close();
      }
    });
}
