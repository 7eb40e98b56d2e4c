import net, { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpResponse, Http1Client } from '../../src/media/http1.js';

// A raw TCP server that answers each request with the bytes a test chose for its path, so the
// client meets framings node:http would never produce (chunked with extensions and trailers,
// close-delimited, 1xx, split reads).
const replies = new Map<string, (socket: net.Socket) => void>();
const requests: string[] = [];
let connections = 0;
let server: net.Server;
let base = '';

beforeAll(async () => {
  server = net.createServer((socket) => {
    connections++;
    let pending = '';
    socket.on('data', (d) => {
      pending += d.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        requests.push(head);
        const path = head.split(' ')[1];
        (replies.get(path) ?? ((s) => s.write('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')))(socket);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function text(res: HttpResponse): Promise<string> {
  if (Buffer.isBuffer(res.body)) return res.body.toString('latin1');
  const parts: Buffer[] = [];
  for await (const c of res.body) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('latin1');
}

describe('Http1Client', () => {
  it('returns a small Content-Length body whole, reuses the socket, and sends Host and the headers', async () => {
    replies.set('/small', (s) => s.write('HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nContent-Length: 5\r\n\r\nhello'));
    const c = new Http1Client(1, 5000, 1024);
    const before = connections;
    requests.length = 0;
    for (let i = 0; i < 3; i++) {
      const res = await c.get(new URL(`${base}/small`), { Authorization: 'Token t' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('audio/wav');
      expect(Buffer.isBuffer(res.body)).toBe(true);
      expect(await text(res)).toBe('hello');
    }
    expect(connections - before).toBe(1);
    expect(requests[0]).toBe(`GET /small HTTP/1.1\r\nHost: ${new URL(base).host}\r\nAuthorization: Token t\r\nConnection: keep-alive`);
    c.close();
  });

  it('decodes chunked bodies split across reads, with extensions and trailers, then reuses the socket', async () => {
    replies.set('/chunked', (s) => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhel');
      setTimeout(() => s.write('lo\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n'), 20);
    });
    const c = new Http1Client(1, 5000, 1024);
    const before = connections;
    const res = await c.get(new URL(`${base}/chunked`), {});
    expect(res.body).toBeInstanceOf(Readable);
    expect(await text(res)).toBe('hello world');
    expect(await text(await c.get(new URL(`${base}/chunked`), {}))).toBe('hello world');
    expect(connections - before).toBe(1);
    c.close();
  });

  it('skips 100 Continue, reads a close-delimited body to the end, and streams a body over the buffer limit', async () => {
    replies.set('/continue', (s) => s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    replies.set('/until-close', (s) => {
      s.write('HTTP/1.0 200 OK\r\n\r\nall of ');
      setTimeout(() => s.end('it'), 20);
    });
    const big = 'x'.repeat(5000);
    replies.set('/big', (s) => s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n${big}`));
    const c = new Http1Client(2, 5000, 1024);
    expect(await text(await c.get(new URL(`${base}/continue`), {}))).toBe('ok');
    expect(await text(await c.get(new URL(`${base}/until-close`), {}))).toBe('all of it');
    const res = await c.get(new URL(`${base}/big`), {});
    expect(res.body).toBeInstanceOf(Readable);
    expect(await text(res)).toBe(big);
    c.close();
  });

  it('streams a compressed body as it came (the caller decodes it), and returns error statuses', async () => {
    replies.set('/gz', (s) => s.write('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc'));
    const c = new Http1Client(1, 5000, 1024);
    const res = await c.get(new URL(`${base}/gz`), {});
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(await text(res)).toBe('abc');
    const missing = await c.get(new URL(`${base}/nothing-here`), {});
    expect(missing.statusCode).toBe(404);
    c.close();
  });

  it('fails a response cut short, a timeout and an abort, and refuses requests after close()', async () => {
    replies.set('/cut', (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    replies.set('/silent', () => undefined);
    const c = new Http1Client(2, 200, 1024);
    await expect(c.get(new URL(`${base}/cut`), {})).rejects.toThrow(/closed before the response ended/);
    await expect(c.get(new URL(`${base}/silent`), {})).rejects.toMatchObject({ name: 'TimeoutError' });
    const d = new Http1Client(2, 60_000, 1024);
    const hanging = d.get(new URL(`${base}/silent`), {});
    setTimeout(() => d.close(), 50);
    await expect(hanging).rejects.toMatchObject({ name: 'AbortError' });
    await expect(d.get(new URL(`${base}/small`), {})).rejects.toMatchObject({ name: 'AbortError' });
    c.close();
  });

  it('queues requests beyond maxSockets and serves them in order', async () => {
    replies.set('/slow', (s) => setTimeout(() => s.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow'), 30));
    const c = new Http1Client(2, 5000, 1024);
    const before = connections;
    const all = await Promise.all(Array.from({ length: 6 }, () => c.get(new URL(`${base}/slow`), {}).then(text)));
    expect(all).toEqual(Array(6).fill('slow'));
    expect(connections - before).toBe(2);
    c.close();
  });

  it('drops a socket the server closed while idle and opens a new one', async () => {
    replies.set('/once', (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nonce'));
    const c = new Http1Client(1, 5000, 1024);
    const before = connections;
    expect(await text(await c.get(new URL(`${base}/once`), {}))).toBe('once');
    await new Promise((r) => setTimeout(r, 30));
    expect(await text(await c.get(new URL(`${base}/once`), {}))).toBe('once');
    expect(connections - before).toBe(2);
    await new Promise((r) => setTimeout(r, 30));
    expect(c.hostsInUse()).toBe(0); // no state kept for a host without sockets
    c.close();
  });

  it('rejects header values with line breaks instead of sending them', async () => {
    const c = new Http1Client(1, 5000, 1024);
    await expect(c.get(new URL(`${base}/small`), { Authorization: 'Token a\r\nX-Evil: 1' })).rejects.toThrow(/invalid header/);
    c.close();
  });
});
