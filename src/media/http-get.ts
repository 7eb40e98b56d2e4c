// HTTP(S) GET for media: plain http: through Http1Client (its own keep-alive sockets, about a fifth
// of node:http's CPU per request), https: through a node:https keep-alive agent (itself about a
// third of fetch()'s CPU per request), which matters when every task has its own audio or image
// file. Follows redirects like fetch() (at most 20, GET, the Authorization header dropped when the
// origin changes); no Accept-Encoding is sent, and a body a server compresses anyway is decoded
// (bodyOf), as fetch() did, so the bytes are the file. Nothing is registered per request on the
// run's abort signal: the owner calls close() on abort, which destroys every socket and so fails
// the requests.

import https from 'node:https';
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Http1Client, type HttpResponse } from './http1.js';
import { urlForLog } from './url-for-log.js';

const MAX_REDIRECTS = 20;

export class HttpGetter {
  private readonly plain: Http1Client;
  private readonly agent: https.Agent;

  constructor(
    maxSockets: number,
    /** A request fails when its socket is idle this long (connecting, waiting or mid-body). */
    private readonly timeoutMs: number,
    /** http: bodies of known length up to this many bytes come back whole, as a Buffer. */
    bufferLimit = 1 << 20,
  ) {
    this.plain = new Http1Client(maxSockets, timeoutMs, bufferLimit);
    this.agent = new https.Agent({ keepAlive: true, maxSockets });
  }

  /** The response to GET `url` after redirects; non-2xx responses are returned too (body unread: see discard()). */
  async get(url: string, headers: Record<string, string>): Promise<HttpResponse> {
    let current = new URL(url);
    let hdrs = headers;
    for (let hop = 0; ; hop++) {
      if (this.closed) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      const res = current.protocol === 'http:' ? await this.plain.get(current, hdrs) : await this.secure(current, hdrs);
      const location = res.headers.location;
      if (!res.statusCode || res.statusCode < 300 || res.statusCode >= 400 || res.statusCode === 304 || typeof location !== 'string' || !location) return res;
      discard(res);
      if (hop >= MAX_REDIRECTS) throw new Error(`too many redirects for ${urlForLog(url)}`);
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new Error(`redirect to ${next.protocol} URL`);
      if (next.origin !== current.origin) {
        const { Authorization: _dropped, ...rest } = hdrs;
        hdrs = rest;
      }
      current = next;
    }
  }

  private secure(url: URL, headers: Record<string, string>): Promise<HttpResponse> {
    if (url.protocol !== 'https:') return Promise.reject(new Error(`not an http(s) URL: ${url.protocol}`));
    const options = {
      agent: this.agent,
      // What http.get(url) would take from the URL, without its per-request URL-to-options copy.
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      ...(url.username || url.password ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` } : {}),
      headers,
      timeout: this.timeoutMs,
    };
    return new Promise((resolve, reject) => {
      const req = https.get(options, (res) => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: res }));
      req.on('timeout', () => req.destroy(Object.assign(new Error(`timeout after ${this.timeoutMs} ms`), { name: 'TimeoutError' })));
      req.on('error', reject);
    });
  }

  private closed = false;

  /** Destroys every socket, in use or idle: requests in flight fail. */
  close(): void {
    this.closed = true;
    this.plain.close();
    this.agent.destroy();
  }
}

/** Reads and drops a response body that is not wanted (the socket can then be reused). */
export function discard(res: HttpResponse): void {
  if (res.body instanceof Readable) res.body.resume();
}

/** The response body with its Content-Encoding (gzip, deflate, br) undone (a Buffer body has none: see Http1Client). */
export function bodyOf(res: HttpResponse): Buffer | Readable {
  if (Buffer.isBuffer(res.body)) return res.body;
  const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  if (!decoder) return res.body;
  res.body.once('error', (e) => decoder.destroy(e));
  return res.body.pipe(decoder);
}
