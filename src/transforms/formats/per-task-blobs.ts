// --layout per-task: one `<task_id>.json` entry per task, as Label Studio's target storage writes
// it in per-task mode (label-studio-export.md §4.1–4.2, §4.5): the task object as Python's
// `json.dumps` text (ASCII-escaped, `", "` / `": "` separators, no trailing newline). Sent to a
// directory or a bucket prefix, the result is a drop-in target-storage folder (migrations); read
// back by the blob source (src/sources/blobs.ts). Pair with `--preset storage` for the exact blob
// shape (completed_by expanded, drafts and predictions as ids).

import type { Encoder } from '../../contracts.js';
import { UsageError } from '../../errors.js';
import type { FormatInfo } from './index.js';
import { pyJson } from './python-json.js';

export const encodePerTaskBlobs: Encoder = async function* (tasks, ctx) {
  for await (const batch of tasks) {
    for (const task of batch) {
      ctx.stats.written++;
      yield { path: `${task.id}.json`, body: pyJson(task) };
    }
  }
};

export const perTaskBlobsFormat: FormatInfo = { encoder: encodePerTaskBlobs, multiFile: true, needsConfig: false };

/** The encoder for --layout per-task; only the JSON format has a per-task layout. */
export function perTaskFormat(format: string): FormatInfo {
  if (format !== 'JSON') throw new UsageError(`--layout per-task writes Label Studio JSON task blobs; use it with --format JSON, not ${format}`);
  return perTaskBlobsFormat;
}
