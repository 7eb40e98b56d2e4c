// Sink registry: maps --to to a sink. "-" is stdout, "null" the null sink, a path ending in "/"
// or an existing directory a directory, ".zip"/".tar" an archive, anything else one file.

import { stat } from 'node:fs/promises';
import type { Sink } from '../contracts.js';
import type { ExportSpec } from '../export-spec.js';
import { UsageError } from '../errors.js';
import { dirPrefix, isBucketUrl, openBucketStore, parseBucketUrl } from '../storage/bucket-url.js';
import { archiveFileSink } from './archive.js';
import { bucketArchiveSink, bucketObjectSink, bucketPrefixSink } from './bucket.js';
import { directorySink } from './directory.js';
import { fileSink } from './file.js';
import { nullSink } from './null.js';
import { stdoutSink } from './stdout.js';

export type SinkOpener = (to: string, spec: ExportSpec, multiFile: boolean) => Promise<Sink>;

const openers: Array<{ match: (to: string) => boolean; open: SinkOpener }> = [];

/** Registers a sink kind (bucket sinks plug in here). */
export function registerSink(match: (to: string) => boolean, open: SinkOpener): void {
  openers.push({ match, open });
}

// s3:// gs:// azure:// — one object, an archive object, or one object per entry under a prefix.
registerSink(isBucketUrl, async (to, spec, multiFile) => {
  const url = parseBucketUrl(to);
  const store = await openBucketStore(url, { concurrency: spec.concurrency, s3Endpoint: spec.s3Endpoint });
  if (/\.zip$/i.test(url.path)) return bucketArchiveSink(store, url.path, 'zip');
  if (/\.tar$/i.test(url.path)) return bucketArchiveSink(store, url.path, 'tar');
  if (url.path === '' || url.path.endsWith('/') || spec.layout === 'per-task') {
    return bucketPrefixSink(store, dirPrefix(url.path), spec.concurrency);
  }
  if (multiFile) {
    await store.close?.();
    throw new UsageError(`${spec.format} writes several files; give a bucket prefix ending in "/" or a .zip/.tar key`);
  }
  return bucketObjectSink(store, url.path, spec.format);
});

export async function openSink(spec: ExportSpec, multiFile: boolean): Promise<Sink> {
  const to = spec.to;
  for (const o of openers) if (o.match(to)) return o.open(to, spec, multiFile);
  if (to === '-') return stdoutSink(multiFile);
  if (to === 'null') return nullSink;
  if (/\.zip$/i.test(to)) return archiveFileSink(to, 'zip');
  if (/\.tar$/i.test(to)) return archiveFileSink(to, 'tar');
  const isDir = to.endsWith('/') || (await stat(to).catch(() => null))?.isDirectory() === true;
  if (isDir || spec.layout === 'per-task') return directorySink(to);
  return fileSink(to, spec.format);
}
