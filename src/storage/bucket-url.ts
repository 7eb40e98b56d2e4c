// Bucket URLs: s3://bucket/prefix, gs://bucket/prefix, azure://container/prefix (also
// azure-blob://). The SDK of a scheme is imported only when a URL of that scheme is used, so the
// CLI does not pay for three cloud SDKs on every start.

import { UsageError } from '../errors.js';
import type { BlobStore } from './blob-store.js';

export type BucketScheme = 's3' | 'gs' | 'azure';

export interface BucketUrl {
  scheme: BucketScheme;
  bucket: string;
  /** The key or prefix after the bucket, without a leading slash ('' for the whole bucket). */
  path: string;
}

const URL_RE = /^(s3|gs|azure|azure-blob):\/\/([^/?#]+)(?:\/(.*))?$/i;

export function isBucketUrl(text: string): boolean {
  return URL_RE.test(text);
}

export function parseBucketUrl(text: string): BucketUrl {
  const m = URL_RE.exec(text);
  if (!m) throw new UsageError(`"${text}" is not a bucket URL (s3://, gs://, azure:// or azure-blob://)`);
  const raw = m[1].toLowerCase();
  const scheme: BucketScheme = raw === 's3' ? 's3' : raw === 'gs' ? 'gs' : 'azure';
  const bucket = m[2];
  if (bucket.includes('@') || bucket.includes(':')) throw new UsageError(`${raw}://: credentials do not belong in the URL; use the environment`);
  return { scheme, bucket, path: m[3] ?? '' };
}

/** A listing prefix that matches only whole path segments: "a/b" → "a/b/". */
export function dirPrefix(path: string): string {
  return path === '' || path.endsWith('/') ? path : `${path}/`;
}

export interface StoreSettings {
  concurrency: number;
  s3Endpoint?: string;
}

export async function openBucketStore(url: BucketUrl, settings: StoreSettings): Promise<BlobStore> {
  switch (url.scheme) {
    case 's3': {
      const { S3Store } = await import('./s3.js');
      return new S3Store({ bucket: url.bucket, endpoint: settings.s3Endpoint, concurrency: settings.concurrency });
    }
    case 'gs': {
      const { GcsStore } = await import('./gcs.js');
      return new GcsStore({ bucket: url.bucket });
    }
    case 'azure': {
      const { AzureStore } = await import('./azure.js');
      return new AzureStore({ container: url.bucket, concurrency: settings.concurrency });
    }
  }
}
