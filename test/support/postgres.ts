// A real PostgreSQL for tests (shared/notes/toolchain.md §3–4):
//   1. DATABASE_URL when set (e.g. a CI service);
//   2. else a Docker engine, if one answers GET /_ping within 1 s, via testcontainers;
//   3. else a throwaway cluster from the local binaries (/usr/lib/postgresql/*/bin): initdb and
//      postgres run as the `postgres` OS user when we are root (initdb refuses root), on a free
//      port, fsync off; stopped and deleted afterwards.
// Each test file creates its own databases with createDatabase(), so files never share state.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgServer {
  /** Admin URL (database `postgres`). */
  url: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export const PG_SCHEMA = readFileSync(new URL('../fixtures/label-studio-schema.sql', import.meta.url), 'utf8');

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function admin(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function server(url: string, stop: () => Promise<void>): PgServer {
  const made: string[] = [];
  return {
    url,
    async createDatabase(name) {
      const db = `${name}_${process.pid}_${made.length}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      await admin(url, `DROP DATABASE IF EXISTS ${db}`);
      await admin(url, `CREATE DATABASE ${db}`);
      made.push(db);
      return withDatabase(url, db);
    },
    async stop() {
      if (process.env.DATABASE_URL) for (const db of made) await admin(url, `DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
      await stop();
    },
  };
}

/** True when a Docker engine answers /_ping within 1 s (never lets testcontainers hang). */
export async function dockerAvailable(): Promise<boolean> {
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  let opts: http.RequestOptions;
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    if (!existsSync(socketPath)) return false;
    opts = { socketPath };
  } else {
    const u = new URL(host.replace(/^tcp:/, 'http:'));
    opts = { host: u.hostname, port: Number(u.port || 2375) };
  }
  return new Promise((resolve) => {
    const req = http.get({ ...opts, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function startContainer(): Promise<PgServer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const c = await new GenericContainer('postgres:16-alpine')
    .withEnvironment({ POSTGRES_PASSWORD: 'test' })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const url = `postgres://postgres:test@${c.getHost()}:${c.getMappedPort(5432)}/postgres`;
  return server(url, async () => {
    await c.stop();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function pgBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) {
    throw new Error('no PostgreSQL for tests: set DATABASE_URL, run a Docker engine, or install the server (apt-get install postgresql)');
  }
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return join(root, versions[0], 'bin');
}

async function startLocal(): Promise<PgServer> {
  const bin = pgBin();
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot
    ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) }
    : {};
  const dir = mkdtempSync(join(tmpdir(), 'ls-pg-'));
  if (asRoot) chownSync(dir, ids.uid as number, ids.gid as number);
  const data = join(dir, 'data');
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'], {
    ...ids,
    stdio: 'pipe',
  });
  const port = await freePort();
  const log = openSync(join(dir, 'pg.log'), 'a');
  if (asRoot) chownSync(join(dir, 'pg.log'), ids.uid as number, ids.gid as number);
  const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const child: ChildProcess = spawn(join(bin, 'postgres'), args, { ...ids, stdio: ['ignore', log, log] });
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
      if (child.exitCode !== null || Date.now() - t0 > 20_000) {
        throw new Error(`test PostgreSQL did not start: ${(e as Error).message}\n${readFileSync(join(dir, 'pg.log'), 'utf8')}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return server(url, async () => {
    process.removeListener('exit', kill);
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      kill();
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
}

export async function startPostgres(): Promise<PgServer> {
  if (process.env.DATABASE_URL) return server(process.env.DATABASE_URL, async () => undefined);
  if (await dockerAvailable()) return startContainer();
  return startLocal();
}

/** A fresh database with the Label Studio schema loaded; returns its URL. */
export async function createLsDatabase(pgServer: PgServer, name: string): Promise<string> {
  const url = await pgServer.createDatabase(name);
  await admin(url, PG_SCHEMA);
  return url;
}
