import { testContext } from '../support/encoder-context.js';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FetchResult, MediaFetcher } from '../../src/media/fetcher.js';
import { locateMedia } from '../../src/media/locate.js';

let server: Server;
let base = '';
const hits = new Map<string, number>();
const auth: Array<string | undefined> = [];
let flaky = 0;
const BIG = Buffer.alloc(3 << 20, 7); // larger than what the fetcher keeps in memory
let otherBase = ''; // the same server under another origin (localhost instead of 127.0.0.1)

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const path = req.url ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    auth.push(req.headers.authorization);
    if (path === '/flaky.png' && flaky++ < 2) {
      res.writeHead(503).end('slow down');
    } else if (path === '/hang.png') {
      // never answers: only an abort ends the request
    } else if (path === '/zipped.png') {
      res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('bytes of /zipped.png'));
    } else if (path === '/big.bin') {
      res.writeHead(200).end(BIG);
    } else if (path.startsWith('/moved/')) {
      res.writeHead(302, { location: path.endsWith('/away') ? `${otherBase}/landed.png` : '/landed.png' }).end();
    } else if (path.startsWith('/missing')) {
      res.writeHead(404).end();
    } else {
      res.writeHead(200, { 'content-type': 'image/png' }).end(`bytes of ${path}`);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  otherBase = `http://localhost:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const context = () => testContext({ tmpPrefix: 'ls-media-' });

/** The bytes a fresh result hands out, whether kept in memory or in a temp file. */
function bytesOf(r: FetchResult): string | undefined {
  if (!r.ok) return undefined;
  if (r.data) return r.data.toString('utf8');
  return r.file === undefined ? undefined : readFileSync(r.file, 'utf8');
}

describe('locateMedia', () => {
  const opts = { uploadDir: '/srv/upload', localFilesRoot: '/srv/files', lsUrl: 'https://ls.example.com/', lsToken: 't0k' };
  it('maps Label Studio URLs to files, the LS host or buckets', () => {
    expect(locateMedia('/data/upload/1/a.png', opts)).toEqual({ kind: 'file', path: '/srv/upload/1/a.png' });
    expect(locateMedia('upload/1/a b.png', opts)).toEqual({ kind: 'file', path: '/srv/upload/1/a b.png' });
    expect(locateMedia('/data/local-files/?d=dir/x.jpg', opts)).toEqual({ kind: 'file', path: '/srv/files/dir/x.jpg' });
    expect(locateMedia('/data/upload/1/a.png', { lsUrl: 'https://ls.example.com/', lsToken: 't' })).toEqual({
      kind: 'http',
      url: 'https://ls.example.com/data/upload/1/a.png',
      withToken: true,
    });
    expect(locateMedia('s3://b/k.png', opts)).toEqual({ kind: 'bucket', uri: 's3://b/k.png' });
  });
  it('never sends the token to another host, and never leaves the roots', () => {
    expect(locateMedia('https://cdn.example.org/a.png', opts)).toMatchObject({ kind: 'http', withToken: false });
    expect(locateMedia('https://ls.example.com/x.png', opts)).toMatchObject({ kind: 'http', withToken: true });
    expect(locateMedia('/data/upload/../../etc/passwd', opts)).toMatchObject({ kind: 'unavailable' });
    expect(locateMedia('/data/local-files/?d=../../etc/passwd', opts)).toMatchObject({ kind: 'unavailable' });
    expect(locateMedia('image1.jpg', opts)).toMatchObject({ kind: 'unavailable' });
    expect(locateMedia('https://ls.example.com/x.png', { ...opts, offline: true })).toMatchObject({ kind: 'unavailable' });
    expect(locateMedia('s3://b/k.png', { ...opts, offline: true })).toMatchObject({ kind: 'unavailable' });
    expect(locateMedia('/data/upload/1/a.png', { lsUrl: 'https://ls.example.com/', offline: true })).toMatchObject({ kind: 'unavailable' });
    expect(locateMedia('/data/upload/1/a.png', { ...opts, offline: true })).toEqual({ kind: 'file', path: '/srv/upload/1/a.png' });
  });
});

describe('MediaFetcher', () => {
  it('fetches over http with bounded concurrency, once per URL per run', async () => {
    const ctx = context();
    const f = new MediaFetcher({ concurrency: 4, retries: 3, timeoutMs: 5000 }, ctx);
    const urls = [`${base}/a.png`, `${base}/b.png`, `${base}/a.png`];
    f.prefetch(urls);
    const [a, b, a2] = [await f.take(urls[0]), await f.take(urls[1]), await f.take(urls[2])];
    expect(a).toMatchObject({ ok: true, fresh: true });
    expect(b).toMatchObject({ ok: true, fresh: true });
    expect(a2).toMatchObject({ ok: true, fresh: false });
    expect(bytesOf(a)).toBe('bytes of /a.png');
    expect(await f.take(`${base}/a.png`)).toMatchObject({ ok: true, fresh: false });
    expect(hits.get('/a.png')).toBe(1);
  });

  it('retries 503 with backoff, and reports a 404 once without failing', async () => {
    const ctx = context();
    const f = new MediaFetcher({ concurrency: 2, retries: 3, timeoutMs: 5000 }, ctx);
    expect(await f.take(`${base}/flaky.png`)).toMatchObject({ ok: true, fresh: true });
    expect(hits.get('/flaky.png')).toBe(3);
    expect(await f.take(`${base}/missing.png`)).toMatchObject({ ok: false, reason: expect.stringMatching(/404/) });
    expect(await f.take(`${base}/missing.png`)).toMatchObject({ ok: false });
    expect(hits.get('/missing.png')).toBe(1);
    expect(ctx.stats.skipped['media not fetched']).toBe(1);
  });

  it('reads --upload-dir and --local-files-root, and sends the token only to --ls-url', async () => {
    const ctx = context();
    const up = mkdtempSync(join(tmpdir(), 'ls-up-'));
    mkdirSync(join(up, '3'));
    writeFileSync(join(up, '3', 'x.png'), 'upload bytes');
    const f = new MediaFetcher({ concurrency: 2, retries: 0, timeoutMs: 5000, uploadDir: up, lsUrl: base, lsToken: 'secret' }, ctx);
    const r = await f.take('/data/upload/3/x.png');
    expect(bytesOf(r)).toBe('upload bytes');
    auth.length = 0;
    await f.take(`${base}/tok.png`);
    expect(auth).toEqual(['Token secret']);
    const g = new MediaFetcher({ concurrency: 2, retries: 0, timeoutMs: 5000, lsUrl: 'http://127.0.0.1:1', lsToken: 'secret' }, ctx);
    auth.length = 0;
    await g.take(`${base}/other.png`);
    expect(auth).toEqual([undefined]);
  });

  it('keeps a large medium in a temp file, deleted once its body is read', async () => {
    const ctx = context();
    const f = new MediaFetcher({ concurrency: 2, retries: 0, timeoutMs: 5000 }, ctx);
    const r = await f.take(`${base}/big.bin`);
    expect(r).toMatchObject({ ok: true, fresh: true });
    if (!r.ok || !r.file) throw new Error('expected a temp file');
    expect(r.data).toBeUndefined();
    expect(readFileSync(r.file).equals(BIG)).toBe(true);
    const chunks: Buffer[] = [];
    for await (const c of MediaFetcher.body(r) as AsyncIterable<Buffer>) chunks.push(c);
    expect(Buffer.concat(chunks).equals(BIG)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(r.file)).toBe(false);
  });

  it('follows redirects, dropping the token when the origin changes', async () => {
    const ctx = context();
    const f = new MediaFetcher({ concurrency: 2, retries: 0, timeoutMs: 5000, lsUrl: base, lsToken: 'secret' }, ctx);
    auth.length = 0;
    expect(bytesOf(await f.take(`${base}/moved/here`))).toBe('bytes of /landed.png');
    expect(auth).toEqual(['Token secret', 'Token secret']);
    auth.length = 0;
    expect(bytesOf(await f.take(`${base}/moved/away`))).toBe('bytes of /landed.png');
    expect(auth).toEqual(['Token secret', undefined]);
  });

  it('ends requests in flight when the run is aborted, without retrying', async () => {
    const ac = new AbortController();
    const f = new MediaFetcher({ concurrency: 2, retries: 3, timeoutMs: 60_000 }, { ...context(), signal: ac.signal });
    const pending = f.take(`${base}/hang.png`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    ac.abort();
    expect(await pending).toMatchObject({ ok: false });
    expect(hits.get('/hang.png')).toBe(1);
  });

  it('decodes a body the server compressed anyway', async () => {
    const f = new MediaFetcher({ concurrency: 2, retries: 0, timeoutMs: 5000 }, context());
    expect(bytesOf(await f.take(`${base}/zipped.png`))).toBe('bytes of /zipped.png');
  });

  it('inspects a medium once; later takers get the note without the bytes', async () => {
    const ctx = context();
    const f = new MediaFetcher({ concurrency: 2, retries: 0, timeoutMs: 5000 }, ctx);
    let calls = 0;
    f.inspectWith(async (body) => {
      calls++;
      return Buffer.isBuffer(body) ? body.length : -1;
    });
    const url = `${base}/noted.png`;
    f.prefetch([url, url]);
    expect(await f.take(url)).toMatchObject({ ok: true, fresh: true, note: 'bytes of /noted.png'.length });
    expect(await f.take(url)).toEqual({ ok: true, fresh: false, note: 'bytes of /noted.png'.length });
    expect(calls).toBe(1);
    expect(hits.get('/noted.png')).toBe(1);
  });

  it('drops prefetched results nobody took two batches later, and fetches them again when asked', async () => {
    const ctx = context();
    const f = new MediaFetcher({ concurrency: 2, retries: 0, timeoutMs: 5000 }, ctx);
    const url = `${base}/untaken.png`;
    f.prefetch([url]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    f.prefetch([]);
    f.prefetch([]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const r = await f.take(url);
    expect(r).toMatchObject({ ok: true, fresh: true });
    expect(bytesOf(r)).toBe('bytes of /untaken.png');
    expect(hits.get('/untaken.png')).toBe(2);
  });
});
