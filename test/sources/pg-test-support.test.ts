// The Docker probe of the test support (test/support/postgres.ts): testcontainers is used only when
// a Docker engine answers /_ping, and the probe never hangs. No Docker engine runs here, so the
// engine is played by a loopback HTTP server on a unix socket or a TCP port (DOCKER_HOST); the
// container start itself cannot be exercised on this machine.

import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../support/postgres.js';

const saved = process.env.DOCKER_HOST;
const servers: Array<Server | TcpServer> = [];
afterEach(async () => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(() => r(undefined)))));
});

/** An HTTP "engine" answering /_ping with `status`, listening on a socket path or a free port. */
async function engine(status: number, socketPath?: string): Promise<string> {
  const s = createServer((req, res) => {
    res.statusCode = req.url === '/_ping' ? status : 404;
    res.end('OK');
  });
  servers.push(s);
  await new Promise<void>((resolve) => (socketPath ? s.listen(socketPath, resolve) : s.listen(0, '127.0.0.1', resolve)));
  return socketPath ? `unix://${socketPath}` : `tcp://127.0.0.1:${(s.address() as { port: number }).port}`;
}

describe('test support: Docker probe', () => {
  it('finds an engine that answers /_ping on the unix socket of DOCKER_HOST', async () => {
    process.env.DOCKER_HOST = await engine(200, join(mkdtempSync(join(tmpdir(), 'ls-docker-')), 'docker.sock'));
    expect(await dockerAvailable()).toBe(true);
  });

  it('finds an engine on a tcp:// DOCKER_HOST', async () => {
    process.env.DOCKER_HOST = await engine(200);
    expect(await dockerAvailable()).toBe(true);
  });

  it('refuses an engine that answers with an error, and a socket that does not exist', async () => {
    process.env.DOCKER_HOST = await engine(500);
    expect(await dockerAvailable()).toBe(false);
    process.env.DOCKER_HOST = `unix://${join(tmpdir(), 'no-such-dir-ls', 'docker.sock')}`;
    expect(await dockerAvailable()).toBe(false);
  });

  it('gives up within about a second on an engine that never answers', async () => {
    const silent = createTcpServer((sock) => sock.resume()); // accepts, never replies (ends when the probe hangs up)
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    process.env.DOCKER_HOST = `tcp://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const t0 = Date.now();
    expect(await dockerAvailable()).toBe(false);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
