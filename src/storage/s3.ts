// Amazon S3 and S3-compatible stores (MinIO, Ceph, R2, s3rver) as a BlobStore.
//
// Credentials and region come only from the AWS SDK's default chain (AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE + shared config files, SSO, web
// identity, ECS/EC2 metadata). An S3-compatible endpoint comes from --s3-endpoint or
// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL; with one, addressing is path-style and checksums are
// only sent when an operation requires them (several S3-compatible servers mishandle the SDK's
// aws-chunked trailer checksums on streamed bodies).
//
// Retries: the SDK's "standard" retry strategy, maxAttempts 6: exponential backoff with full
// jitter on throttling (SlowDown, 503, 429, Throttling*), 5xx, timeouts and connection resets.
// Timeouts: connect 10 s; a socket idle for LABELSTREAM_STORAGE_TIMEOUT_MS (default 60 s) fails
// the request, which is then retried.
// Memory: an upload buffers at most partSize × queueSize bytes (default 8 MiB × 4 = 32 MiB).

import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { PassThrough, type Readable } from 'node:stream';
import { GetObjectCommand, paginateListObjectsV2, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload as S3Upload } from '@aws-sdk/lib-storage';
import { type BlobInfo, type BlobStore, type Upload, uploadOf } from './blob-store.js';
import { storageTimeoutMs } from './retry.js';

export interface S3StoreOptions {
  bucket: string;
  /** S3-compatible endpoint; default from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. */
  endpoint?: string;
  /** Parallel requests this store is expected to carry (sizes the HTTP agent). */
  concurrency?: number;
  partSize?: number;
  queueSize?: number;
}

const PAGE = 1000;

export class S3Store implements BlobStore {
  readonly url: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly agents: Array<HttpAgent | HttpsAgent>;

  constructor(opts: S3StoreOptions) {
    this.bucket = opts.bucket;
    this.url = `s3://${opts.bucket}`;
    this.partSize = opts.partSize ?? 8 * 1024 * 1024;
    this.queueSize = opts.queueSize ?? 4;
    const endpoint = opts.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    const sockets = Math.max(8, (opts.concurrency ?? 16) + this.queueSize);
    const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: sockets });
    const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: sockets });
    this.agents = [httpAgent, httpsAgent];
    this.client = new S3Client({
      ...(endpoint
        ? { endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
        : {}),
      // Without any region configured the SDK refuses to start; S3-compatible servers ignore it.
      ...(process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION ? {} : { region: 'us-east-1' }),
      retryMode: 'standard',
      maxAttempts: 6,
      requestHandler: { httpAgent, httpsAgent, connectionTimeout: 10_000, requestTimeout: storageTimeoutMs() },
    });
  }

  async *list(prefix: string): AsyncIterable<BlobInfo[]> {
    const pages = paginateListObjectsV2({ client: this.client, pageSize: PAGE }, { Bucket: this.bucket, Prefix: prefix || undefined });
    for await (const page of pages) {
      const items = (page.Contents ?? []).map((o) => ({ key: o.Key as string, size: o.Size, updated: o.LastModified }));
      if (items.length > 0) yield items;
    }
  }

  async get(key: string): Promise<Readable> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return res.Body as Readable;
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: typeof body === 'string' ? Buffer.from(body) : body }));
  }

  /**
   * Multipart upload through lib-storage (a single PutObject when the body is smaller than one
   * part). Nothing is visible until the upload completes; on failure or abort() the multipart
   * upload is aborted, so no object and no orphaned parts are left.
   */
  upload(key: string): Upload {
    const stream = new PassThrough({ highWaterMark: 1 << 20 });
    const up = new S3Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: stream },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    const done = up.done();
    // A failed part upload must also fail the writer, or it would block on backpressure forever.
    done.catch((e: Error) => stream.destroy(e));
    return uploadOf(stream, done, () => up.abort());
  }

  async close(): Promise<void> {
    this.client.destroy();
    for (const a of this.agents) a.destroy();
  }
}
