// A PostgreSQL cluster for the database benchmarks, from the local server binaries
// (/usr/lib/postgresql/*/bin, shared/notes/toolchain.md §3.1): initdb once into DIR (kept, so loaded
// databases are reused between harness runs), then started on a free port for one harness run and
// stopped by its pid afterwards. Runs as the `postgres` OS user when we are root (initdb refuses
// root). fsync off: the data is throwaway.

import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';

function pgBin() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)');
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return join(root, versions[0], 'bin');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts (initialising when new) the cluster in `dir`. Returns { url, bin, stop() }. */
export async function startCluster(dir) {
  const bin = pgBin();
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) } : {};
  mkdirSync(dir, { recursive: true });
  if (asRoot) chownSync(dir, ids.uid, ids.gid);
  const data = join(dir, 'data');
  if (!existsSync(join(data, 'PG_VERSION'))) {
    execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'], { ...ids, stdio: 'pipe' });
  }
  const port = await freePort();
  const logFile = join(dir, 'pg.log');
  const log = openSync(logFile, 'a');
  if (asRoot) chownSync(logFile, ids.uid, ids.gid);
  const settings = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_wal_size=8GB', 'shared_buffers=256MB', 'maintenance_work_mem=256MB'];
  const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', ...settings.flatMap((s) => ['-c', s])];
  const child = spawn(join(bin, 'postgres'), args, { ...ids, stdio: ['ignore', log, log] });
  const kill = () => child.kill('SIGINT');
  process.once('exit', kill);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const t0 = Date.now();
  for (;;) {
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      await c.end();
      break;
    } catch (e) {
      await c.end().catch(() => undefined);
      if (child.exitCode !== null || Date.now() - t0 > 60_000) throw new Error(`benchmark PostgreSQL did not start: ${e.message}\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    bin,
    database: (name) => url.replace(/\/postgres$/, `/${name}`),
    async stop() {
      process.removeListener('exit', kill);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      kill();
      await exited;
    },
  };
}
