// A minimal HTTP/1.1 GET client for plain http: media URLs, on keep-alive sockets of its own.
// Per request it costs about a fifth of the CPU of node:http with a keep-alive Agent (no
// ClientRequest/IncomingMessage/parser objects, one string write per request), which matters when
// every task has its own small audio or image file (ASR_MANIFEST over a Label Studio host).
//
// One request at a time per socket (no pipelining), at most `maxSockets` sockets per host (further
// requests wait in order). Responses: Content-Length, chunked or read-until-close bodies; 1xx
// responses are skipped. A body of known length up to `bufferLimit` bytes and without a
// Content-Encoding comes back whole as a Buffer; any other body is a Readable (with backpressure).
// A socket is reused only after a complete keep-alive response; anything unexpected destroys it.

import net from 'node:net';
import { Readable } from 'node:stream';

export interface HttpResponse {
  statusCode: number;
  /** Lowercased names; a repeated header's values joined with ", ". */
  headers: Record<string, string | string[] | undefined>;
  /** The whole body, or a stream of it (decoded from chunked framing, not from Content-Encoding). */
  body: Buffer | Readable;
}

/** The stream body of a response from Http1Client (its owner ends it when the run aborts). */
export class Http1Body extends Readable {}

const MAX_HEAD = 64 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

const named = (message: string, name: string) => Object.assign(new Error(message), { name });

type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };

/** One request/response exchange on a connection. */
interface Exchange {
  resolve: (res: HttpResponse) => void;
  reject: (err: Error) => void;
  settled: boolean;
  head: Buffer | null;
  statusCode: number;
  headers: Record<string, string>;
  framing: Framing | null;
  keepAlive: boolean;
  /** Buffered body: the parts so far and the total length. */
  parts: Buffer[] | null;
  want: number;
  stream: Http1Body | null;
  /** Chunked decoding: bytes left of the current chunk, or -1 while reading a size line / trailers. */
  chunkLeft: number;
  chunkLine: string;
  trailers: boolean;
}

class Connection {
  exchange: Exchange | null = null;
  /** Set when a response completed in keep-alive state: the socket goes back to the pool after the read that ended it. */
  private reusable = false;
  constructor(
    readonly socket: net.Socket,
    private readonly pool: HostPool,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => this.onClose(null));
    socket.on('close', () => this.onClose(null));
    socket.on('error', (e) => this.onClose(e));
    socket.on('timeout', () => socket.destroy(named(`timeout after ${pool.timeoutMs} ms`, 'TimeoutError')));
    socket.setTimeout(pool.timeoutMs);
  }

  start(path: string, headerText: string, resolve: Exchange['resolve'], reject: Exchange['reject']): void {
    this.exchange = {
      resolve,
      reject,
      settled: false,
      head: null,
      statusCode: 0,
      headers: {},
      framing: null,
      keepAlive: true,
      parts: null,
      want: 0,
      stream: null,
      chunkLeft: -1,
      chunkLine: '',
      trailers: false,
    };
    this.socket.write(`GET ${path} HTTP/1.1\r\n${headerText}\r\n`, 'latin1');
  }

  private drop(): void {
    this.reusable = false;
    this.pool.forget(this);
    if (!this.socket.destroyed) this.socket.destroy();
  }

  private onClose(err: Error | null): void {
    const ex = this.exchange;
    this.exchange = null;
    this.drop();
    if (!ex) return;
    if (!err && ex.framing?.kind === 'close') return this.finish(ex, false);
    this.fail(ex, err ?? named('socket closed before the response ended', 'ConnectionError'));
  }

  private fail(ex: Exchange, err: Error): void {
    if (!ex.settled) {
      ex.settled = true;
      ex.reject(err);
    } else ex.stream?.destroy(err);
  }

  private onData(chunk: Buffer): void {
    const ex = this.exchange;
    if (!ex) return this.drop(); // bytes nobody asked for: the socket cannot be trusted
    try {
      let data: Buffer | null = chunk;
      while (data && data.length > 0 && this.exchange === ex) {
        data = ex.framing ? this.body(ex, data) : this.headOf(ex, data);
      }
      if (this.exchange !== null) return;
      if (this.reusable && !(data && data.length > 0) && !this.socket.destroyed) {
        this.reusable = false;
        this.socket.resume();
        this.pool.release(this);
      } else this.drop(); // closing response, or bytes after the response: the socket cannot be trusted
    } catch (e) {
      this.exchange = null;
      this.drop();
      this.fail(ex, e as Error);
    }
  }

  /** Collects the head; returns the bytes after it (null while incomplete). */
  private headOf(ex: Exchange, data: Buffer): Buffer | null {
    const prev = ex.head ? ex.head.length : 0;
    const all = ex.head ? Buffer.concat([ex.head, data]) : data;
    const end = all.indexOf(CRLF2, Math.max(0, prev - 3));
    if (end < 0) {
      if (all.length > MAX_HEAD) throw new Error('response head too large');
      ex.head = all;
      return null;
    }
    ex.head = null;
    const lines = all.toString('latin1', 0, end).split('\r\n');
    const status = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]);
    if (!status) throw new Error(`not an HTTP/1.x response: ${JSON.stringify(lines[0].slice(0, 40))}`);
    const code = Number(status[2]);
    const rest = all.subarray(end + 4);
    if (code >= 100 && code < 200) return rest; // informational: the real response follows
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      if (colon <= 0) continue;
      const name = lines[i].slice(0, colon).trim().toLowerCase();
      const value = lines[i].slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    ex.statusCode = code;
    ex.headers = headers;
    const connection = (headers.connection ?? '').toLowerCase();
    ex.keepAlive = status[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
    const te = headers['transfer-encoding'];
    const cl = headers['content-length'];
    if (code === 204 || code === 304) ex.framing = { kind: 'length', left: 0 };
    else if (te !== undefined && /(^|,)\s*chunked\s*$/i.test(te)) ex.framing = { kind: 'chunked' };
    else if (te !== undefined) ex.framing = { kind: 'close' };
    else if (cl !== undefined) {
      if (!/^\d+$/.test(cl)) throw new Error(`bad Content-Length ${JSON.stringify(cl)}`);
      ex.framing = { kind: 'length', left: Number(cl) };
    } else ex.framing = { kind: 'close' };
    if (ex.framing.kind === 'close') ex.keepAlive = false;
    const encoded = headers['content-encoding'] !== undefined && headers['content-encoding'].toLowerCase() !== 'identity';
    if (ex.framing.kind === 'length' && ex.framing.left <= this.pool.bufferLimit && !encoded) {
      ex.parts = [];
      ex.want = ex.framing.left;
      if (ex.want === 0) {
        this.finish(ex, ex.keepAlive);
        return rest;
      }
    } else {
      const socket = this.socket;
      ex.stream = new Http1Body({
        read: () => {
          if (this.exchange === ex) socket.resume();
        },
        destroy: (err, cb) => {
          if (this.exchange === ex) {
            // the reader gave up before the end: the rest of the body is unread, so the socket goes
            this.exchange = null;
            this.drop();
          }
          cb(err);
        },
      });
      ex.settled = true;
      ex.resolve({ statusCode: code, headers, body: ex.stream });
    }
    return rest;
  }

  /** Takes body bytes per the framing; returns what is left after the body (null if none). */
  private body(ex: Exchange, data: Buffer): Buffer | null {
    const f = ex.framing as Framing;
    if (f.kind === 'close') {
      this.emit(ex, data);
      return null;
    }
    if (f.kind === 'length') {
      const take = Math.min(f.left, data.length);
      if (take > 0) this.emit(ex, take === data.length ? data : data.subarray(0, take));
      f.left -= take;
      if (f.left === 0) this.finish(ex, ex.keepAlive);
      return take === data.length ? null : data.subarray(take);
    }
    let pos = 0;
    while (pos < data.length) {
      if (ex.chunkLeft > 0) {
        const take = Math.min(ex.chunkLeft, data.length - pos);
        this.emit(ex, data.subarray(pos, pos + take));
        ex.chunkLeft -= take;
        pos += take;
        if (ex.chunkLeft === 0) ex.chunkLeft = -2; // the CRLF after the chunk data
        continue;
      }
      const nl = data.indexOf(10, pos);
      const piece = data.toString('latin1', pos, nl < 0 ? data.length : nl + 1);
      pos = nl < 0 ? data.length : nl + 1;
      ex.chunkLine += piece;
      if (ex.chunkLine.length > MAX_HEAD) throw new Error('chunk line too long');
      if (nl < 0) break;
      const line = ex.chunkLine.replace(/\r?\n$/, '');
      ex.chunkLine = '';
      if (ex.chunkLeft === -2) {
        if (line !== '') throw new Error('bad chunk framing');
        ex.chunkLeft = -1;
      } else if (ex.trailers) {
        if (line === '') {
          this.finish(ex, ex.keepAlive);
          return pos < data.length ? data.subarray(pos) : null;
        }
      } else {
        const size = /^([0-9a-fA-F]+)\s*(;.*)?$/.exec(line);
        if (!size) throw new Error(`bad chunk size ${JSON.stringify(line.slice(0, 20))}`);
        const n = Number.parseInt(size[1], 16);
        if (n === 0) ex.trailers = true;
        else ex.chunkLeft = n;
      }
    }
    return null;
  }

  private emit(ex: Exchange, bytes: Buffer): void {
    if (ex.parts) {
      ex.parts.push(bytes);
      return;
    }
    if (ex.stream && !ex.stream.push(bytes)) this.socket.pause();
  }

  /** The response is complete: hand out a buffered body, end a stream, release or drop the socket. */
  private finish(ex: Exchange, reuse: boolean): void {
    this.exchange = null;
    if (ex.parts) {
      const parts = ex.parts;
      // A small body cut from a larger read is copied, so it does not keep the whole read alive.
      const body = parts.length === 1 ? (parts[0].length * 2 < parts[0].buffer.byteLength ? Buffer.from(parts[0]) : parts[0]) : Buffer.concat(parts, ex.want);
      ex.settled = true;
      ex.resolve({ statusCode: ex.statusCode, headers: ex.headers, body });
    } else ex.stream?.push(null);
    this.reusable = reuse;
  }
}

/** The sockets to one host:port. */
class HostPool {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly waiting: Array<{ start: (c: Connection) => void; reject: (e: Error) => void }> = [];
  private closedWith: Error | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly maxSockets: number,
    readonly timeoutMs: number,
    readonly bufferLimit: number,
    /** Called when the last socket is gone and nobody waits: the client drops this pool (one per host in use, not per host ever seen). */
    private readonly onEmpty: () => void,
  ) {}

  acquire(start: (c: Connection) => void, reject: (e: Error) => void): void {
    if (this.closedWith) return reject(this.closedWith);
    const idle = this.idle.pop();
    if (idle) {
      idle.socket.ref();
      return start(idle);
    }
    if (this.all.size < this.maxSockets) {
      const c = new Connection(net.connect({ host: this.host, port: this.port }), this);
      this.all.add(c);
      return start(c);
    }
    this.waiting.push({ start, reject });
  }

  release(c: Connection): void {
    const next = this.waiting.shift();
    if (next) return next.start(c);
    c.socket.unref();
    this.idle.push(c);
  }

  /** The socket is gone: a waiting request gets a new one. */
  forget(c: Connection): void {
    if (!this.all.delete(c)) return;
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    const next = this.waiting.shift();
    if (next) this.acquire(next.start, next.reject);
    else if (this.all.size === 0) this.onEmpty();
  }

  destroy(err: Error): void {
    this.closedWith = err;
    for (const w of this.waiting.splice(0)) w.reject(err);
    for (const c of this.all) c.socket.destroy(err);
  }
}

export class Http1Client {
  private readonly pools = new Map<string, HostPool>();
  private closed = false;

  constructor(
    private readonly maxSockets: number,
    /** A request fails when its socket is idle this long (connecting, waiting or mid-body). */
    private readonly timeoutMs: number,
    /** Bodies of known length up to this many bytes come back as a Buffer. */
    private readonly bufferLimit: number,
  ) {}

  /** GET an http: URL (no redirects followed). `headers` must not contain CR or LF. */
  get(url: URL, headers: Record<string, string>): Promise<HttpResponse> {
    if (this.closed) return Promise.reject(named('aborted', 'AbortError'));
    let text = `Host: ${url.host}\r\n`;
    let auth = false;
    for (const name in headers) {
      const value = headers[name];
      if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) return Promise.reject(new Error(`invalid header ${name}`));
      if (name.toLowerCase() === 'authorization') auth = true;
      text += `${name}: ${value}\r\n`;
    }
    if (!auth && (url.username || url.password)) {
      text += `Authorization: Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}\r\n`;
    }
    text += 'Connection: keep-alive\r\n';
    const path = `${url.pathname}${url.search}`;
    if (/[\s]/.test(path)) return Promise.reject(new Error('request path contains unescaped characters'));
    const port = url.port ? Number(url.port) : 80;
    const key = `${url.hostname}:${port}`;
    let pool = this.pools.get(key);
    if (!pool) {
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      const created: HostPool = new HostPool(host, port, this.maxSockets, this.timeoutMs, this.bufferLimit, () => {
        if (this.pools.get(key) === created) this.pools.delete(key);
      });
      pool = created;
      this.pools.set(key, pool);
    }
    return new Promise((resolve, reject) => {
      (pool as HostPool).acquire((c) => c.start(path, text, resolve, reject), reject);
    });
  }

  /** Hosts with a socket open or a request waiting (the client's state is per host in use). */
  hostsInUse(): number {
    return this.pools.size;
  }

  /** Destroys every socket: requests in flight fail (AbortError), later ones are refused. */
  close(): void {
    this.closed = true;
    for (const p of this.pools.values()) p.destroy(named('aborted', 'AbortError'));
  }
}
