// An existing export file (JSON array, NDJSON or concatenated JSON objects) or stdin ("-").

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Source } from '../contracts.js';
import { UsageError } from '../errors.js';
import { tasksFromJsonBytes } from './parse-tasks.js';

export async function openExportFile(path: string): Promise<Source> {
  if (path === '-') {
    return {
      name: 'stdin',
      batches: (ctx) => tasksFromJsonBytes(process.stdin, 'stdin', ctx),
      close: async () => undefined,
    };
  }
  const st = await stat(path).catch(() => {
    throw new UsageError(`--from ${path}: no such file or directory`);
  });
  if (!st.isFile()) throw new UsageError(`--from ${path}: not a file`);
  return {
    name: path,
    batches: (ctx) => tasksFromJsonBytes(createReadStream(path, { highWaterMark: 1 << 20 }), path, ctx),
    close: async () => undefined,
  };
}
