// Fetches task media (images for the *_WITH_IMAGES formats, audio for ASR_MANIFEST) into temp
// files with bounded concurrency and retries. An image shared by many tasks is fetched once per
// run: a marker file per URL hash under the run's temp dir remembers what was fetched, so memory
// does not grow with the number of images. Failures are counted and reported, never fatal.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import { countSkip, type RunContext } from '../run-context.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isBucketUrl, openBucketStore, parseBucketUrl } from '../storage/bucket-url.js';
import { locateMedia, type MediaLocation, type MediaOptions } from './locate.js';

export type FetchResult =
  | { ok: true; file: string; size: number; /** false: an earlier item of this run already got it */ fresh: boolean }
  | { ok: false; reason: string };

export interface FetcherSettings extends MediaOptions {
  concurrency: number;
  retries: number;
  timeoutMs: number;
  s3Endpoint?: string;
}

const WARN_LIMIT = 20;
const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

class HttpError extends Error {
  constructor(
    readonly status: number,
    url: string,
  ) {
    super(`HTTP ${status} for ${url.replace(/\?.*$/, '?…')}`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class MediaFetcher {
  private readonly limit: LimitFunction;
  private readonly dir: string;
  private readonly ready: Promise<unknown>;
  /** In-flight fetches of the current batch (bounded by what callers prefetch). */
  private readonly inflight = new Map<string, Promise<FetchResult>>();
  private readonly stores = new Map<string, Promise<BlobStore>>();
  private warned = 0;

  constructor(
    private readonly settings: FetcherSettings,
    private readonly ctx: RunContext,
  ) {
    this.limit = pLimit(settings.concurrency);
    this.dir = join(ctx.tmpDir, 'media');
    this.ready = mkdir(this.dir, { recursive: true });
  }

  /** Starts fetching these URLs (bounded concurrency); collect each with take(). */
  prefetch(urls: Iterable<string>): void {
    for (const u of urls) if (!this.inflight.has(u)) this.inflight.set(u, this.limit(() => this.fetchOnce(u)));
  }

  /** The result for `url`; `fresh` is true only for the first taker in the run. */
  async take(url: string): Promise<FetchResult> {
    let p = this.inflight.get(url);
    if (!p) p = this.limit(() => this.fetchOnce(url));
    this.inflight.delete(url);
    const r = await p;
    if (r.ok && r.fresh) this.inflight.set(url, Promise.resolve({ ...r, fresh: false }));
    if (this.inflight.size > 10_000) this.inflight.clear(); // never grows without bound
    return r;
  }

  /** A stream of a fetched file that frees the disk space (keeping the marker) once read. */
  static body(file: string): Readable {
    const s = createReadStream(file);
    s.on('close', () => void truncate(file, 0).catch(() => undefined));
    return s;
  }

  private fileFor(url: string): string {
    return join(this.dir, createHash('sha1').update(url).digest('hex'));
  }

  private async fetchOnce(url: string): Promise<FetchResult> {
    // URLs that cannot be fetched at all (offline, no --upload-dir, relative names) cost no I/O.
    const where = locateMedia(url, this.settings);
    if (where.kind === 'unavailable') return this.failed(url, where.reason);
    await this.ready;
    const file = this.fileFor(url);
    const seen = await stat(file).catch(() => null);
    if (seen) return { ok: true, file, size: seen.size, fresh: false };
    if (await stat(`${file}.failed`).catch(() => null)) return { ok: false, reason: 'failed earlier in this run' };
    for (let attempt = 0; ; attempt++) {
      try {
        await pipeline(await this.open(where), createWriteStream(file), { signal: this.ctx.signal });
        const { size } = await stat(file);
        return { ok: true, file, size, fresh: true };
      } catch (e) {
        const retryable = e instanceof HttpError ? RETRY_STATUS.has(e.status) : (e as Error).name !== 'AbortError' && where.kind !== 'file';
        if (!retryable || attempt >= this.settings.retries || this.ctx.signal.aborted) {
          await rm(file, { force: true });
          await writeFile(`${file}.failed`, '');
          return this.failed(url, (e as Error).message);
        }
        await sleep(Math.min(5000, 100 * 2 ** attempt) * (0.5 + Math.random()));
      }
    }
  }

  private async open(where: Exclude<MediaLocation, { kind: 'unavailable' }>): Promise<Readable> {
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
    const res = await fetch(where.url, { headers, signal: AbortSignal.any([this.ctx.signal, AbortSignal.timeout(this.settings.timeoutMs)]) });
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new HttpError(res.status, where.url);
    }
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  /** Counted every time; the first WARN_LIMIT are logged as warnings, the rest at debug level. */
  private failed(url: string, reason: string): FetchResult {
    countSkip(this.ctx.stats, 'media not fetched');
    const level = this.warned++ < WARN_LIMIT ? 'warn' : 'debug';
    this.ctx.log[level]({ url: url.replace(/\?.*$/, '?…'), reason }, level === 'warn' && this.warned === WARN_LIMIT ? 'media not fetched (further ones at debug level)' : 'media not fetched');
    return { ok: false, reason };
  }

  async close(): Promise<void> {
    for (const s of this.stores.values()) await (await s.catch(() => null))?.close?.();
  }
}
