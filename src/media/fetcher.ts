// Fetches task media (images for the *_WITH_IMAGES formats, audio for ASR_MANIFEST) with bounded
// concurrency and retries. A small file is kept in memory (within a fixed budget), a larger one
// goes to a temp file that is deleted once read. A medium shared by many tasks is fetched once per
// run: SeenUrls remembers every fetched or failed URL in constant memory (spilling to the run's
// temp dir). Failures are counted and reported, never fatal.

import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { countSkip, type RunContext } from '../run-context.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isBucketUrl, openBucketStore, parseBucketUrl } from '../storage/bucket-url.js';
import { locateMedia, type MediaLocation, type MediaOptions } from './locate.js';
import { bodyOf, discard, HttpGetter } from './http-get.js';
import { Http1Body } from './http1.js';
import { SeenUrls } from './seen-urls.js';
import { urlForLog } from './url-for-log.js';

/** The bytes of a fresh fetch: in memory (`data`) or in a temp file (`file`), exactly one of them. */
export interface FetchedBody {
  data?: Buffer;
  file?: string;
}

export type FetchResult =
  | (FetchedBody & {
      ok: true;
      /** false: an earlier item of this run already got it, and no bytes come with it */
      fresh: boolean;
      /** What the fetcher's inspector said about the bytes; null without one or when it could not tell. */
      note: number | null;
    })
  | { ok: false; reason: string };

/** Looks at a fetched medium once (e.g. a WAV duration); the result is kept for later takers. */
export type Inspector = (body: Buffer | string) => Promise<number | null>;

export interface FetcherSettings extends MediaOptions {
  concurrency: number;
  retries: number;
  /** HTTP: a request fails when its socket is idle this long (connecting, waiting or mid-body). */
  timeoutMs: number;
  s3Endpoint?: string;
}

const WARN_LIMIT = 20;
/** Media up to this size are kept in memory, as long as the held total stays within MEMORY_BUDGET. */
const MEMORY_ITEM = 1 << 20;
const MEMORY_BUDGET = 16 << 20;
const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

class HttpError extends Error {
  constructor(
    readonly status: number,
    url: string,
  ) {
    super(`HTTP ${status} for ${urlForLog(url)}`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Limit = <T>(fn: () => Promise<T>) => Promise<T>;

/** At most `max` of the functions run at once, the others wait in order (p-limit without its per-call promises). */
function limiter(max: number): Limit {
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  const go = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = fn();
    p.then(release, release);
    return p;
  };
  return (fn) => {
    if (active < max) {
      active++;
      return go(fn);
    }
    return new Promise<void>((resolve) => waiting.push(resolve)).then(() => go(fn));
  };
}

export class MediaFetcher {
  private readonly limit: Limit;
  private readonly dir: string;
  private readonly seen: SeenUrls;
  private readonly http: HttpGetter;
  /** Prefetched results not taken yet, with the prefetch() call (generation) that started them. */
  private readonly inflight = new Map<string, { result: Promise<FetchResult>; gen: number }>();
  private gen = 0;
  private readonly stores = new Map<string, Promise<BlobStore>>();
  private inspector: Inspector | undefined;
  /** Bytes of fetched media kept in memory and not yet taken. */
  private held = 0;
  private files = 0;
  private warned = 0;

  constructor(
    private readonly settings: FetcherSettings,
    private readonly ctx: RunContext,
  ) {
    this.limit = limiter(settings.concurrency);
    this.dir = join(ctx.tmpDir, 'media');
    mkdirSync(this.dir, { recursive: true }); // once per run; SeenUrls spills into it synchronously
    this.seen = new SeenUrls(this.dir);
    this.http = new HttpGetter(settings.concurrency, settings.timeoutMs, MEMORY_ITEM);
    ctx.signal.addEventListener('abort', () => this.http.close(), { once: true });
  }

  /** Every medium fetched from now on is inspected once; later takers of the URL get the same note. */
  inspectWith(inspector: Inspector): void {
    this.inspector = inspector;
  }

  /**
   * Starts fetching these URLs (bounded concurrency); collect each with take(). Each call is a
   * generation (callers prefetch a batch, or the next batch while taking this one): results of two
   * generations ago that nobody took are dropped, so the map stays bounded, and their URLs are
   * forgotten so that a later take() fetches them again instead of getting no bytes.
   */
  prefetch(urls: Iterable<string>): void {
    const gen = ++this.gen;
    for (const [url, entry] of this.inflight) {
      if (entry.gen > gen - 2) break; // insertion order is generation order
      this.inflight.delete(url);
      void entry.result.then((r) => this.drop(url, r));
    }
    for (const u of urls) if (!this.inflight.has(u)) this.inflight.set(u, { result: this.start(u), gen });
  }

  /**
   * The result for `url`; `fresh` (with the bytes) only for the first taker in the run, unless
   * `again`: then a URL fetched earlier is fetched anew and comes with its bytes (DOCLANG packs a
   * page into every archive that shows it); one that failed earlier still fails without a request.
   */
  async take(url: string, opts?: { again?: boolean }): Promise<FetchResult> {
    const again = opts?.again === true;
    const entry = this.inflight.get(url);
    if (entry) this.inflight.delete(url);
    const r = await (entry ? entry.result : this.start(url, again));
    if (r.ok && r.data) this.held -= r.data.length;
    return r;
  }

  /** The bytes of a fresh result as an entry body; a temp file is deleted once read. */
  static body(fetched: FetchedBody): Buffer | Readable {
    if (fetched.data) return fetched.data;
    const file = fetched.file as string;
    const s = createReadStream(file);
    s.on('close', () => void rm(file, { force: true }).catch(() => undefined));
    return s;
  }

  /** Known outcomes (cannot be fetched, fetched or failed earlier in this run) cost no I/O and no queue slot. */
  private start(url: string, again = false): Promise<FetchResult> {
    const where = locateMedia(url, this.settings);
    if (where.kind === 'unavailable') return Promise.resolve(this.failed(url, where.reason));
    const key = SeenUrls.key(url);
    const known = this.known(key, again);
    if (known) return Promise.resolve(known);
    return this.limit(() => this.fetchOnce(url, key, where, again));
  }

  /** The outcome of an earlier fetch of the URL, if any (with `again`, only an earlier failure counts). */
  private known(key: string, again: boolean): FetchResult | undefined {
    const seen = this.seen.get(key);
    if (!seen || (again && seen.ok)) return undefined;
    return seen.ok ? { ok: true, fresh: false, note: seen.note } : { ok: false, reason: 'failed earlier in this run' };
  }

  private drop(url: string, r: FetchResult): void {
    if (!r.ok || !r.fresh) return;
    if (r.data) this.held -= r.data.length;
    if (r.file) void rm(r.file, { force: true }).catch(() => undefined);
    this.seen.forget(SeenUrls.key(url));
  }

  private async fetchOnce(url: string, key: string, where: Exclude<MediaLocation, { kind: 'unavailable' }>, again: boolean): Promise<FetchResult> {
    // Started before an earlier fetch of the same URL finished (a take() without prefetch).
    const known = this.known(key, again);
    if (known) return known;
    for (let attempt = 0; ; attempt++) {
      let file: string | undefined;
      try {
        const body = await this.download(await this.open(where), () => (file = this.newFile()));
        const inspected = this.inspector ? await this.inspector(body.data ?? (body.file as string)).catch(() => null) : null;
        this.seen.set(key, { ok: true, note: inspected });
        return { ok: true, fresh: true, note: inspected, ...body };
      } catch (e) {
        if (file) await rm(file, { force: true });
        const retryable = e instanceof HttpError ? RETRY_STATUS.has(e.status) : (e as Error).name !== 'AbortError' && where.kind !== 'file';
        if (!retryable || attempt >= this.settings.retries || this.ctx.signal.aborted) {
          this.seen.set(key, { ok: false, note: null });
          return this.failed(url, (e as Error).message);
        }
        await sleep(Math.min(5000, 100 * 2 ** attempt) * (0.5 + Math.random()));
      }
    }
  }

  private newFile(): string {
    return join(this.dir, `${this.files++}`);
  }

  /**
   * Reads a medium into memory while it and everything held stay within the budget; past that, the
   * bytes read so far and the rest go to a temp file (named by `fileName` when needed).
   */
  private download(src: Readable | Buffer, fileName: () => string): Promise<FetchedBody> {
    if (Buffer.isBuffer(src)) return this.keep(src, fileName);
    const signal = this.ctx.signal;
    return new Promise<FetchedBody>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0; // reserved in `held`, so parallel fetches share the budget
      const onAbort = () => src.destroy(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      const detach = () => {
        src.off('data', onData).off('end', onEnd).off('error', onError);
        signal.removeEventListener('abort', onAbort);
      };
      const onError = (err: Error) => {
        detach();
        this.held -= size;
        reject(err);
      };
      const onEnd = () => {
        detach();
        resolve({ data: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size) });
      };
      const onData = (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        this.held += chunk.length;
        if (size <= MEMORY_ITEM && this.held <= MEMORY_BUDGET) return;
        detach();
        src.pause().on('error', () => undefined); // until spill()'s pipeline reports it
        this.held -= size;
        resolve(this.spill(src, chunks, fileName()));
      };
      if (signal.aborted) {
        src.destroy();
        return reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      }
      // An HTTP response fails on abort anyway (HttpGetter.close() destroys its socket).
      if (!(src instanceof IncomingMessage || src instanceof Http1Body)) signal.addEventListener('abort', onAbort, { once: true });
      src.on('data', onData).once('end', onEnd).once('error', onError);
    });
  }

  /** A body that came whole: kept in memory within the same limits as a streamed one, else written to a temp file. */
  private async keep(data: Buffer, fileName: () => string): Promise<FetchedBody> {
    if (data.length <= MEMORY_ITEM && this.held + data.length <= MEMORY_BUDGET) {
      this.held += data.length;
      return { data };
    }
    const file = fileName();
    await writeFile(file, data, { signal: this.ctx.signal });
    return { file };
  }

  private async spill(src: Readable, head: Buffer[], file: string): Promise<FetchedBody> {
    const out = createWriteStream(file);
    for (const chunk of head) out.write(chunk);
    await pipeline(src, out, { signal: this.ctx.signal });
    return { file };
  }

  private async open(where: Exclude<MediaLocation, { kind: 'unavailable' }>): Promise<Readable | Buffer> {
    if (where.kind === 'file') return createReadStream(where.path);
    if (where.kind === 'bucket') {
      const uri = where.uri.replace(/^azure-blob:/i, 'azure:');
      if (!isBucketUrl(uri)) throw new Error(`not a bucket URL: ${where.uri}`);
      const u = parseBucketUrl(uri);
      const key = `${u.scheme}://${u.bucket}`;
      let store = this.stores.get(key);
      if (!store) {
        store = openBucketStore(u, { concurrency: this.settings.concurrency, s3Endpoint: this.settings.s3Endpoint });
        this.stores.set(key, store);
      }
      return (await store).get(u.path);
    }
    const headers: Record<string, string> = {};
    if (where.withToken && this.settings.lsToken) headers.Authorization = `Token ${this.settings.lsToken}`;
    const res = await this.http.get(where.url, headers);
    if (!res.statusCode || res.statusCode < 200 || res.statusCode >= 300) {
      discard(res);
      throw new HttpError(res.statusCode ?? 0, where.url);
    }
    return bodyOf(res);
  }

  /** Counted every time; the first WARN_LIMIT are logged as warnings, the rest at debug level. */
  private failed(url: string, reason: string): FetchResult {
    countSkip(this.ctx.stats, 'media not fetched');
    const level = this.warned++ < WARN_LIMIT ? 'warn' : 'debug';
    this.ctx.log[level]({ url: urlForLog(url), reason }, level === 'warn' && this.warned === WARN_LIMIT ? 'media not fetched (further ones at debug level)' : 'media not fetched');
    return { ok: false, reason };
  }

  async close(): Promise<void> {
    this.http.close();
    for (const s of this.stores.values()) await (await s.catch(() => null))?.close?.();
  }
}
