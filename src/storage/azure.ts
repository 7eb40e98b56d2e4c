// Azure Blob Storage as a BlobStore (@azure/storage-blob).
//
// Credentials come only from the environment: AZURE_STORAGE_CONNECTION_STRING (which also
// carries the endpoint, e.g. Azurite's BlobEndpoint=…), or AZURE_STORAGE_ACCOUNT with
// AZURE_STORAGE_KEY (shared key) or AZURE_STORAGE_SAS_TOKEN. Microsoft Entra ID
// (DefaultAzureCredential) is not supported: it needs @azure/identity, which is not a
// dependency of labelstream.
//
// Retries: the SDK's StorageRetryPolicy, exponential (0, 0.2, 0.6, 1.4, 3 s … capped at 30 s,
// no jitter), maxTries 6, on 500/503 (Azure signals throttling as 503 ServerBusy) and network
// errors (ECONNRESET, ETIMEDOUT, EPIPE, …). Downloads resume from the broken offset
// (maxRetryRequests). HTTP: the SDK's keep-alive client.
// Memory: an upload buffers at most blockSize × concurrency bytes (default 8 MiB × 4 = 32 MiB).

import { PassThrough, type Readable } from 'node:stream';
import {
  AnonymousCredential,
  BlobServiceClient,
  type ContainerClient,
  StorageRetryPolicyType,
  StorageSharedKeyCredential,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { UsageError } from '../errors.js';
import { type BlobInfo, type BlobStore, type Upload, uploadOf } from './blob-store.js';

export interface AzureStoreOptions {
  container: string;
  blockSize?: number;
  concurrency?: number;
}

const PAGE = 1000;

const PIPELINE: StoragePipelineOptions = {
  retryOptions: { retryPolicyType: StorageRetryPolicyType.EXPONENTIAL, maxTries: 6, retryDelayInMs: 200, maxRetryDelayInMs: 30_000 },
  keepAliveOptions: { enable: true },
};

function serviceClient(): BlobServiceClient {
  const env = process.env;
  if (env.AZURE_STORAGE_CONNECTION_STRING) return BlobServiceClient.fromConnectionString(env.AZURE_STORAGE_CONNECTION_STRING, PIPELINE);
  const account = env.AZURE_STORAGE_ACCOUNT;
  if (!account) {
    throw new UsageError(
      'azure:// needs AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN',
    );
  }
  const endpoint = `https://${account}.blob.core.windows.net`;
  if (env.AZURE_STORAGE_KEY) return new BlobServiceClient(endpoint, new StorageSharedKeyCredential(account, env.AZURE_STORAGE_KEY), PIPELINE);
  if (env.AZURE_STORAGE_SAS_TOKEN) {
    return new BlobServiceClient(`${endpoint}?${env.AZURE_STORAGE_SAS_TOKEN.replace(/^\?/, '')}`, new AnonymousCredential(), PIPELINE);
  }
  throw new UsageError('AZURE_STORAGE_ACCOUNT is set but neither AZURE_STORAGE_KEY nor AZURE_STORAGE_SAS_TOKEN');
}

export class AzureStore implements BlobStore {
  readonly url: string;
  private readonly container: ContainerClient;
  private readonly blockSize: number;
  private readonly uploadConcurrency: number;

  constructor(opts: AzureStoreOptions) {
    this.url = `azure://${opts.container}`;
    this.container = serviceClient().getContainerClient(opts.container);
    this.blockSize = opts.blockSize ?? 8 * 1024 * 1024;
    this.uploadConcurrency = 4;
  }

  async *list(prefix: string): AsyncIterable<BlobInfo[]> {
    const pages = this.container.listBlobsFlat({ prefix: prefix || undefined }).byPage({ maxPageSize: PAGE });
    for await (const page of pages) {
      const items = page.segment.blobItems.map((b) => ({ key: b.name, size: b.properties.contentLength, updated: b.properties.lastModified }));
      if (items.length > 0) yield items;
    }
  }

  async get(key: string): Promise<Readable> {
    const res = await this.container.getBlobClient(key).download(0, undefined, { maxRetryRequests: 5 });
    return res.readableStreamBody as Readable;
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    await this.container.getBlockBlobClient(key).upload(b, b.length);
  }

  /**
   * Blocks are staged as the stream fills them and committed (Put Block List) only when the
   * stream ended cleanly; on failure nothing is committed and the service discards the
   * uncommitted blocks.
   */
  upload(key: string): Upload {
    const stream = new PassThrough({ highWaterMark: 1 << 20 });
    const done = this.container.getBlockBlobClient(key).uploadStream(stream, this.blockSize, this.uploadConcurrency);
    done.catch((e: Error) => stream.destroy(e));
    return uploadOf(stream, done);
  }
}
