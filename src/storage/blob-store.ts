// The blob-store contract shared by blob sources and bucket sinks (DESIGN.md "Contracts"):
// list page by page, get as a stream, put bytes, and upload as a writable that commits only
// on success. One implementation per store: local.ts here; S3, GCS and Azure plug in the same way.

import type { Readable, Writable } from 'node:stream';

export interface BlobInfo {
  key: string;
  size?: number;
  updated?: Date;
}

export interface Upload {
  /** Write the object's bytes here, then call commit(); abort() discards everything. */
  stream: Writable;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * An Upload over a writable whose completion is `done`: commit waits for it; abort destroys the
 * stream, runs the store's own `cancel` (e.g. abort a multipart upload) and waits for `done` to settle.
 */
export function uploadOf(stream: Writable, done: Promise<unknown>, cancel?: () => Promise<unknown>): Upload {
  done.catch(() => undefined);
  return {
    stream,
    commit: async () => {
      await done;
    },
    abort: async () => {
      stream.destroy(new Error('upload aborted'));
      await cancel?.().catch(() => undefined);
      await done.catch(() => undefined);
    },
  };
}

export interface BlobStore {
  /** Printable location (never includes credentials). */
  readonly url: string;
  /** Keys under `prefix`, lazily, one page at a time. */
  list(prefix: string): AsyncIterable<BlobInfo[]>;
  get(key: string): Promise<Readable>;
  put(key: string, body: Buffer | string): Promise<void>;
  upload(key: string): Upload;
  close?(): Promise<void>;
}
