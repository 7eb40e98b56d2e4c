// Source registry: maps --from to a source implementation by URL scheme or file type.

import { stat } from 'node:fs/promises';
import type { Source } from '../contracts.js';
import type { ExportSpec } from '../export-spec.js';
import { UsageError } from '../errors.js';
import { dirPrefix, isBucketUrl, openBucketStore, parseBucketUrl } from '../storage/bucket-url.js';
import { LocalStore } from '../storage/local.js';
import { openBlobSource } from './blobs.js';
import { openExportFile } from './export-file.js';
import { isPostgresUrl, openPostgres } from './postgres.js';
import { isSqlitePath, openSqlite } from './sqlite.js';

export type SourceOpener = (from: string, spec: ExportSpec) => Promise<Source>;

/** Openers tried in order; the first whose `match` accepts --from wins. */
const openers: Array<{ match: (from: string) => boolean; open: SourceOpener }> = [];

/** Registers a source kind (database and bucket sources plug in here). */
export function registerSource(match: (from: string) => boolean, open: SourceOpener): void {
  openers.push({ match, open });
}

// s3:// gs:// azure:// — per-task blobs under a bucket prefix.
registerSource(isBucketUrl, async (from, spec) => {
  const url = parseBucketUrl(from);
  const store = await openBucketStore(url, { concurrency: spec.concurrency, s3Endpoint: spec.s3Endpoint });
  return openBlobSource(store, dirPrefix(url.path), spec.concurrency);
});

// Label Studio's database: PostgreSQL URL, or a SQLite file (.sqlite3/.sqlite/.db, sqlite:<path>).
registerSource(isPostgresUrl, openPostgres);
registerSource(isSqlitePath, openSqlite);

export async function openSource(spec: ExportSpec): Promise<Source> {
  const from = spec.from;
  for (const o of openers) if (o.match(from)) return o.open(from, spec);
  if (from === '-') return openExportFile('-');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(from)) {
    throw new UsageError(`--from ${from.replace(/\/\/[^@/]*@/, '//***@')}: unsupported URL scheme`);
  }
  const st = await stat(from).catch(() => null);
  if (!st) throw new UsageError(`--from ${from}: no such file or directory`);
  if (st.isDirectory()) return openBlobSource(new LocalStore(from), '', spec.concurrency);
  return openExportFile(from);
}
