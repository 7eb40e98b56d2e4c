// Database inputs for the harness: the dataset's NDJSON loaded into a Label Studio SQLite file
// (benchmarks/data/<kind>-<size>.sqlite3) and a database of the benchmark PostgreSQL cluster
// (benchmarks/data/pg, started once per harness run). A loaded database is reused while its
// NDJSON is unchanged (size + mtime recorded next to it).

import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { loadPostgres, loadSqlite } from './load.mjs';
import { startCluster } from './pg-cluster.mjs';

export const DB_INPUTS = new Set(['pg', 'sqlite']);

let cluster = null;

async function admin(sql) {
  const c = new pg.Client({ connectionString: cluster.url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

const stamp = (file) => {
  const s = statSync(file);
  return { size: s.size, mtimeMs: s.mtimeMs };
};

/**
 * Loads (or reuses) the databases the chosen scenarios need. Returns { pg?: url, sqlite?: path,
 * load: { pg?: seconds, sqlite?: seconds } }.
 */
export async function dbInputs(dataDir, base, files, kinds, log) {
  const want = JSON.stringify(stamp(files.ndjson));
  const labelConfig = readFileSync(files.config, 'utf8');
  const out = { load: {} };
  if (kinds.has('sqlite')) {
    const file = `${base}.sqlite3`;
    const meta = `${file}.meta.json`;
    if (!(existsSync(file) && existsSync(meta) && readFileSync(meta, 'utf8') === want)) {
      log(`loading ${file}…`);
      const t0 = Date.now();
      rmSync(meta, { force: true });
      await loadSqlite(file, files.ndjson, labelConfig);
      writeFileSync(meta, want);
      out.load.sqlite = (Date.now() - t0) / 1000;
    } else log(`reusing ${file}`);
    out.sqlite = file;
  }
  if (kinds.has('pg')) {
    cluster ??= await startCluster(join(dataDir, 'pg'));
    const name = base.split('/').pop().toLowerCase().replace(/[^a-z0-9]/g, '_');
    const meta = join(dataDir, 'pg', `${name}.meta.json`);
    const exists = (await admin(`SELECT 1 FROM pg_database WHERE datname = '${name}'`)).rowCount > 0;
    if (!(exists && existsSync(meta) && readFileSync(meta, 'utf8') === want)) {
      log(`loading PostgreSQL database ${name}…`);
      const t0 = Date.now();
      rmSync(meta, { force: true });
      await admin(`DROP DATABASE IF EXISTS ${name}`);
      await admin(`CREATE DATABASE ${name}`);
      await loadPostgres(cluster.database(name), files.ndjson, labelConfig);
      writeFileSync(meta, want);
      out.load.pg = (Date.now() - t0) / 1000;
    } else log(`reusing PostgreSQL database ${name}`);
    out.pg = cluster.database(name);
  }
  return out;
}

/** Deletes the databases of one dataset (big sizes, after their run). */
export async function dropDbInputs(dataDir, base) {
  rmSync(`${base}.sqlite3`, { force: true });
  rmSync(`${base}.sqlite3.meta.json`, { force: true });
  if (cluster) {
    const name = base.split('/').pop().toLowerCase().replace(/[^a-z0-9]/g, '_');
    await admin(`DROP DATABASE IF EXISTS ${name}`);
    rmSync(join(dataDir, 'pg', `${name}.meta.json`), { force: true });
  }
}

export async function stopDbInputs() {
  await cluster?.stop();
  cluster = null;
}
