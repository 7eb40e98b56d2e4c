// Google Cloud Storage as a BlobStore (JSON API through @google-cloud/storage).
//
// Credentials come only from Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS,
// gcloud's ADC file, workload identity / metadata server). An endpoint override comes from
// LABELSTREAM_GCS_ENDPOINT (passed as apiEndpoint) or STORAGE_EMULATOR_HOST (read by the SDK
// itself); with either, the SDK sends no credentials, as for an emulator.
//
// Retries: the SDK's own (autoRetry, maxRetries 5, exponential ×2 plus up to 1 s of random
// jitter, delay capped at 32 s) on 408, 429, 5xx and network errors (ECONNRESET, ETIMEDOUT, …).
// The strategy is RetryAlways: every write here replaces a whole object, so repeating it is safe.
// HTTP: the SDK uses Node's global agents (keep-alive, unlimited sockets in Node 20); the number
// of parallel requests is bounded by the callers' concurrency limit.
// Memory: a resumable upload buffers one chunk (chunkSize, default 8 MiB) so that a failed chunk
// can be resent.
// Timeouts: a JSON response cut off midway makes the SDK's HTTP layer (node-fetch 2) wait forever,
// so every request has a timeout (storageTimeoutMs(), default 60 s) that also covers reading the
// body, timeouts count as retryable, and a media download that stalls that long is failed (and
// retried by the caller, see sources/blobs.ts).

import { PassThrough, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { IdempotencyStrategy, Storage, type Bucket, type GetFilesOptions } from '@google-cloud/storage';
import { type BlobInfo, type BlobStore, type Upload, uploadOf } from './blob-store.js';
import { isTransient, storageTimeoutMs } from './retry.js';

export interface GcsStoreOptions {
  bucket: string;
  /** Default LABELSTREAM_GCS_ENDPOINT. */
  endpoint?: string;
  chunkSize?: number;
}

const PAGE = 1000;

export class GcsStore implements BlobStore {
  readonly url: string;
  private readonly bucket: Bucket;
  private readonly chunkSize: number;
  private readonly timeoutMs = storageTimeoutMs();

  constructor(opts: GcsStoreOptions) {
    this.url = `gs://${opts.bucket}`;
    this.chunkSize = opts.chunkSize ?? 8 * 1024 * 1024;
    const endpoint = opts.endpoint ?? process.env.LABELSTREAM_GCS_ENDPOINT;
    const storage = new Storage({
      ...(endpoint ? { apiEndpoint: endpoint.replace(/\/+$/, '') } : {}),
      ...(endpoint && !process.env.GOOGLE_CLOUD_PROJECT ? { projectId: 'labelstream' } : {}),
      retryOptions: {
        autoRetry: true,
        maxRetries: 5,
        retryDelayMultiplier: 2,
        maxRetryDelay: 32,
        totalTimeout: 600,
        idempotencyStrategy: IdempotencyStrategy.RetryAlways,
        retryableErrorFn: (err) => isTransient(err),
      },
      timeout: this.timeoutMs,
    });
    this.bucket = storage.bucket(opts.bucket);
  }

  async *list(prefix: string): AsyncIterable<BlobInfo[]> {
    let query: GetFilesOptions | null = { prefix: prefix || undefined, maxResults: PAGE, autoPaginate: false };
    while (query) {
      const res = await this.bucket.getFiles(query);
      const files = res[0];
      const next = res[1] as GetFilesOptions | null | undefined;
      const items = files.map((f) => ({
        key: f.name,
        size: f.metadata.size === undefined ? undefined : Number(f.metadata.size),
        updated: f.metadata.updated ? new Date(f.metadata.updated) : undefined,
      }));
      if (items.length > 0) yield items;
      query = next?.pageToken ? { ...next, autoPaginate: false } : null;
    }
  }

  async get(key: string): Promise<Readable> {
    return idleTimeout(this.bucket.file(key).createReadStream(), this.timeoutMs);
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    await this.bucket.file(key).save(typeof body === 'string' ? Buffer.from(body) : body, { resumable: false, validation: 'md5' });
  }

  /**
   * A resumable upload sent in chunks. The object appears only when the last chunk is accepted
   * (and the returned md5 matches); an upload that is destroyed before that leaves no object.
   */
  upload(key: string): Upload {
    const stream = this.bucket.file(key).createWriteStream({ resumable: true, chunkSize: this.chunkSize, validation: 'md5' });
    return uploadOf(stream, finished(stream));
  }
}

/** Fails a download whose body delivers no bytes for `ms` (the SDK would otherwise wait forever). */
function idleTimeout(src: Readable, ms: number): Readable {
  const out = new PassThrough();
  let timer: NodeJS.Timeout | undefined;
  const fail = () => {
    const e = Object.assign(new Error(`download stalled for ${ms} ms`), { code: 'ETIMEDOUT' });
    src.destroy(e);
    out.destroy(e);
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(fail, ms);
  };
  // Armed once the response has started: waiting for headers (including the SDK's own retries
  // and their backoff) is bounded by the request timeout instead.
  src.once('response', arm);
  src.on('data', arm);
  src.on('error', (e) => {
    clearTimeout(timer);
    out.destroy(e);
  });
  src.on('end', () => clearTimeout(timer));
  out.on('close', () => {
    clearTimeout(timer);
    if (!src.destroyed) src.destroy();
  });
  src.pipe(out);
  return out;
}
