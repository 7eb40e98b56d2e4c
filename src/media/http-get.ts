// HTTP(S) GET for media with node:http keep-alive agents: about a third of the CPU time of
// fetch() per request (no WHATWG streams, Headers or AbortSignal.any per request), which matters
// when every task has its own audio or image file. Follows redirects like fetch() (at most 20,
// GET, the Authorization header dropped when the origin changes); no Accept-Encoding is sent, and a
// body a server compresses anyway is decoded (bodyOf), as fetch() did, so the bytes are the file. Nothing is registered per request on the run's abort signal:
// the owner calls close() on abort, which destroys every socket and so fails the requests.

import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

const MAX_REDIRECTS = 20;

export class HttpGetter {
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(
    maxSockets: number,
    /** A request fails when its socket is idle this long (connecting, waiting or mid-body). */
    private readonly timeoutMs: number,
  ) {
    this.agents = { http: new http.Agent({ keepAlive: true, maxSockets }), https: new https.Agent({ keepAlive: true, maxSockets }) };
  }

  /** The response to GET `url` after redirects; non-2xx responses are returned too (body unread). */
  async get(url: string, headers: Record<string, string>): Promise<IncomingMessage> {
    let current = new URL(url);
    let hdrs = headers;
    for (let hop = 0; ; hop++) {
      if (this.closed) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      const res = await this.once(current, hdrs);
      const location = res.headers.location;
      if (!res.statusCode || res.statusCode < 300 || res.statusCode >= 400 || res.statusCode === 304 || !location) return res;
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new Error(`too many redirects for ${url.replace(/\?.*$/, '?…')}`);
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new Error(`redirect to ${next.protocol} URL`);
      if (next.origin !== current.origin) {
        const { Authorization: _dropped, ...rest } = hdrs;
        hdrs = rest;
      }
      current = next;
    }
  }

  private once(url: URL, headers: Record<string, string>): Promise<IncomingMessage> {
    const secure = url.protocol === 'https:';
    const options = {
      agent: secure ? this.agents.https : this.agents.http,
      // What http.get(url) would take from the URL, without its per-request URL-to-options copy.
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      ...(url.username || url.password ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` } : {}),
      headers,
      timeout: this.timeoutMs,
    };
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).get(options, resolve);
      req.on('timeout', () => req.destroy(Object.assign(new Error(`timeout after ${this.timeoutMs} ms`), { name: 'TimeoutError' })));
      req.on('error', reject);
    });
  }

  private closed = false;

  /** Destroys every socket, in use or idle: requests in flight fail. */
  close(): void {
    this.closed = true;
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/** The response body with its Content-Encoding (gzip, deflate, br) undone. */
export function bodyOf(res: IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  if (!decoder) return res;
  res.once('error', (e) => decoder.destroy(e));
  return res.pipe(decoder);
}
