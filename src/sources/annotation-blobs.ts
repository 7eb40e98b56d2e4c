// Per-annotation blobs (Label Studio Community's default target-storage layout, spec §4.3): one
// blob per annotation, keyed by annotation id, each carrying a snapshot of its task. They are
// regrouped into export tasks with constant memory by an external sort:
//   1. read every blob (bounded concurrency), turn it into one record line
//      [task_id, annotation_id, annotation updated_at, task updated_at, task fields, annotation],
//      collect lines up to runBytes() (16 MiB), sort them by (task, annotation, updated_at) and
//      spill each sorted run to a file under ctx.tmpDir;
//   2. k-way merge the runs; consecutive records of one task form that task. An annotation found
//      under two keys is exported once (newest updated_at wins); the task fields come from the
//      newest task snapshot (task updated_at, then annotation updated_at).
// Memory: one run buffer (runBytes() of serialised rows, kept as strings; about twice that in
// heap, measured: 32 MB live heap for 80k blobs / 20k tasks, the same as for 5k tasks) plus one
// row per run while merging; disk: about the size of the blobs. Tasks come out in id order.
//
// What the blobs cannot give back (documented, logged once): drafts and predictions (exported
// as []), file_upload (the blob has the numeric FK, not the file name; omitted), and the
// annotation fields the storage serializer leaves out (prediction, result_count, unique_id).

import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import pLimit from 'p-limit';
import { InputError, throwIfAborted } from '../errors.js';
import type { RunContext } from '../run-context.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { Annotation, JsonObject, Task, TaskBatch, UserDetails } from '../task.js';

/** Bytes of serialised rows per sorted run (LABELSTREAM_REGROUP_RUN_BYTES overrides; tests use it). */
function runBytes(): number {
  const v = Number(process.env.LABELSTREAM_REGROUP_RUN_BYTES);
  return Number.isFinite(v) && v > 0 ? v : 16 * 1024 * 1024;
}

/** Export key order of a task (spec §2.1), as far as a per-annotation blob carries the fields. */
const TASK_KEYS = [
  'data',
  'meta',
  'created_at',
  'updated_at',
  'allow_skip',
  'inner_id',
  'total_annotations',
  'cancelled_annotations',
  'total_predictions',
  'comment_count',
  'unresolved_comment_count',
  'last_comment_updated_at',
  'project',
  'updated_by',
  'comment_authors',
];
const TASK_DROPPED = new Set(['id', 'overlap', 'is_labeled', 'precomputed_agreement', 'file_upload', 'annotations', 'state']);

/** Export key order of an annotation (spec §2.2) for the fields the storage serializer keeps. */
const ANNOTATION_KEYS = [
  'id',
  'completed_by',
  'result',
  'was_cancelled',
  'ground_truth',
  'created_at',
  'updated_at',
  'draft_created_at',
  'lead_time',
  'import_id',
  'last_action',
  'bulk_created',
  'task',
  'project',
  'updated_by',
  'parent_prediction',
  'parent_annotation',
  'last_created_by',
];
const ANNOTATION_DROPPED = new Set(['created_username', 'created_ago', 'state']);

export function isPerAnnotationBlob(v: Record<string, unknown>): boolean {
  return typeof v.task === 'object' && v.task !== null && 'result' in v && !('data' in v);
}

type Row = [taskId: number, annId: number, annUpdated: string, taskUpdated: string, task: JsonObject, ann: Annotation];

function ordered<T extends Record<string, unknown>>(src: Record<string, unknown>, keys: string[], dropped: Set<string>): T {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in src) out[k] = src[k];
  for (const [k, v] of Object.entries(src)) if (!(k in out) && !dropped.has(k)) out[k] = v;
  return out as T;
}

/** completed_by of a storage blob is {id, first_name, last_name, email}; the export order is id, email, names. */
function completedBy(v: unknown): number | UserDetails | null {
  if (typeof v !== 'object' || v === null) return (v as number | null) ?? null;
  const u = v as UserDetails;
  return { id: u.id, email: u.email, first_name: u.first_name, last_name: u.last_name };
}

function toRow(blob: Record<string, unknown>, where: string): Row {
  const task = blob.task as Record<string, unknown>;
  if (typeof task.id !== 'number' || typeof blob.id !== 'number') throw new InputError('per-annotation blob without a numeric id / task.id', where);
  const ann = ordered<Annotation>({ ...blob, completed_by: completedBy(blob.completed_by), task: task.id }, ANNOTATION_KEYS, ANNOTATION_DROPPED);
  return [task.id, blob.id, String(blob.updated_at ?? ''), String(task.updated_at ?? ''), ordered<JsonObject>(task, TASK_KEYS, TASK_DROPPED), ann];
}

function compareRows(a: Row, b: Row): number {
  return a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
}

/** A row waiting in the run buffer: its sort key and its serialised line (compact in memory). */
interface Pending {
  key: Row;
  line: string;
}

function pendingOf(row: Row): Pending {
  return { key: [row[0], row[1], row[2], '', {}, { id: 0 }], line: JSON.stringify(row) };
}

async function writeRun(rows: Pending[], path: string): Promise<void> {
  rows.sort((a, b) => compareRows(a.key, b.key));
  const out = createWriteStream(path);
  for (const r of rows) if (!out.write(`${r.line}\n`)) await new Promise<void>((res) => out.once('drain', () => res()));
  out.end();
  await finished(out);
}

/** Yields the rows of all runs in (task, annotation, updated_at) order. */
async function* mergeRuns(paths: string[]): AsyncGenerator<Row> {
  const readers = paths.map((p) => createInterface({ input: createReadStream(p), crlfDelay: Infinity })[Symbol.asyncIterator]());
  const heads: Array<Row | undefined> = [];
  const advance = async (i: number) => {
    const n = await readers[i].next();
    heads[i] = n.done ? undefined : (JSON.parse(n.value) as Row);
  };
  await Promise.all(readers.map((_, i) => advance(i)));
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h !== undefined && (best < 0 || compareRows(h, heads[best] as Row) < 0)) best = i;
    }
    if (best < 0) return;
    yield heads[best] as Row;
    await advance(best);
  }
}

function newer(a: Row, b: Row): boolean {
  return a[3] > b[3] || (a[3] === b[3] && a[2] >= b[2]);
}

function taskOf(taskId: number, snapshot: JsonObject, annotations: Annotation[]): Task {
  return { id: taskId, annotations, drafts: [], predictions: [], ...snapshot } as unknown as Task;
}

/** Regroups the per-annotation blobs under `prefix` into tasks (see the header). */
export async function* regroupAnnotationBlobs(
  store: BlobStore,
  prefix: string,
  keyFilter: (key: string) => boolean,
  read: (key: string) => Promise<string | null>,
  concurrency: number,
  ctx: RunContext,
): AsyncGenerator<TaskBatch> {
  ctx.log.warn(
    { source: store.url },
    'per-annotation blobs: regrouping into tasks; drafts and predictions are not in these blobs (exported as []), file_upload is omitted',
  );
  const limit = pLimit(concurrency);
  const runs: string[] = [];
  const maxRun = runBytes();
  try {
    let rows: Pending[] = [];
    let bytes = 0;
    for await (const page of store.list(prefix)) {
      throwIfAborted(ctx.signal);
      const keys = page.map((b) => b.key).filter(keyFilter);
      const texts = await Promise.all(keys.map((k) => limit(() => read(k))));
      for (let i = 0; i < keys.length; i++) {
        const where = `${store.url}/${keys[i]}`;
        const text = texts[i];
        if (text === null) continue; // deleted since the listing (counted by the reader)
        ctx.stats.bytesRead += Buffer.byteLength(text);
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          ctx.rejections.reject(new InputError(`malformed JSON: ${(e as Error).message}`, where, text));
          continue;
        }
        if (typeof value !== 'object' || value === null || !isPerAnnotationBlob(value as Record<string, unknown>)) {
          ctx.rejections.reject(new InputError('not a per-annotation blob (the prefix mixes layouts?)', where, text));
          continue;
        }
        const pending = pendingOf(toRow(value as Record<string, unknown>, where));
        rows.push(pending);
        bytes += pending.line.length;
        if (bytes >= maxRun) {
          const path = join(ctx.tmpDir, `annotation-run-${runs.length}.ndjson`);
          runs.push(path);
          await writeRun(rows, path);
          rows = [];
          bytes = 0;
        }
      }
    }
    if (rows.length > 0) {
      const path = join(ctx.tmpDir, `annotation-run-${runs.length}.ndjson`);
      runs.push(path);
      await writeRun(rows, path);
      rows = [];
    }

    ctx.log.debug({ runs: runs.length }, 'per-annotation blobs: merging sorted runs');
    let batch: Task[] = [];
    let current: { id: number; snapshot: Row; annotations: Annotation[]; lastAnn?: Row } | undefined;
    const flush = () => {
      if (!current) return;
      batch.push(taskOf(current.id, current.snapshot[4], current.annotations));
      ctx.stats.read++;
    };
    for await (const row of mergeRuns(runs)) {
      if (!current || current.id !== row[0]) {
        flush();
        if (batch.length >= ctx.batchSize) {
          yield batch;
          batch = [];
        }
        current = { id: row[0], snapshot: row, annotations: [] };
      }
      if (current.lastAnn && current.lastAnn[1] === row[1]) {
        // The same annotation under two keys: rows are sorted by updated_at, so this one is newer.
        current.annotations[current.annotations.length - 1] = row[5];
        ctx.log.debug({ annotation: row[1] }, 'annotation found under two keys; the newest is kept');
      } else {
        current.annotations.push(row[5]);
      }
      current.lastAnn = row;
      if (newer(row, current.snapshot)) current.snapshot = row;
    }
    flush();
    if (batch.length > 0) yield batch;
  } finally {
    await Promise.all(runs.map((p) => rm(p, { force: true })));
  }
}
