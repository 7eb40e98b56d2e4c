// Turns a byte stream holding tasks (JSON array, NDJSON, or concatenated JSON values) into task
// batches. Shared by the export-file source (files and stdin) and anything else that reads a
// Label Studio export as bytes.

import { addAbortSignal, type Readable } from 'node:stream';
import { InputError, throwIfAborted } from '../errors.js';
import type { RunContext } from '../run-context.js';
import { isTaskLike, RAW_JSON, type Task, type TaskBatch } from '../task.js';
import { JsonElementScanner, JsonScanError, NdjsonLineSplitter, type ScannedElement } from './json-scanner.js';

type Splitter = JsonElementScanner | NdjsonLineSplitter;

/** Decide from the first bytes how the stream is framed. */
function sniff(head: Buffer): Splitter | null {
  let i = 0;
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  if (i >= head.length) return null; // need more bytes
  if (head[i] === 0x5b) return new JsonElementScanner('array');
  if (head[i] !== 0x7b) return new JsonElementScanner('array'); // fails with a clear message
  const nl = head.indexOf(0x0a, i);
  if (nl < 0) return null; // first line not complete yet
  // NDJSON when the first line is a complete JSON value; otherwise pretty-printed objects.
  try {
    JSON.parse(head.toString('utf8', i, nl));
    return new NdjsonLineSplitter();
  } catch {
    return new JsonElementScanner('sequence');
  }
}

export function parseElement(el: ScannedElement, name: string, ctx: RunContext): Task | null {
  const where = `${name}: element ${el.index} (byte ${el.offset})`;
  let value: unknown;
  try {
    value = JSON.parse(el.text);
  } catch (e) {
    ctx.rejections.reject(new InputError(`malformed JSON: ${(e as Error).message}`, where, el.text));
    return null;
  }
  if (!isTaskLike(value)) {
    ctx.rejections.reject(new InputError('not a Label Studio task (an object with a "data" object)', where, el.text));
    return null;
  }
  if (ctx.passthrough) value[RAW_JSON] = el.bytes;
  return value;
}

/** Streams task batches out of `input`. `name` is used in error messages (file path or "stdin"). */
export async function* tasksFromJsonBytes(input: Readable, name: string, ctx: RunContext): AsyncGenerator<TaskBatch> {
  let splitter: Splitter | null = null;
  let head: Buffer | null = null;
  const elements: ScannedElement[] = [];
  let batch: Task[] = [];
  const feed = (splitterNow: Splitter, buf: Buffer, endOfInput: boolean): void => {
    try {
      if (buf.length > 0) splitterNow.push(buf, elements);
      if (endOfInput) splitterNow.end(elements);
    } catch (e) {
      if (e instanceof JsonScanError) throw new InputError(e.message, name);
      throw e;
    }
  };
  const drain = function* (): Generator<TaskBatch> {
    for (const el of elements) {
      const task = parseElement(el, name, ctx);
      if (task !== null) {
        ctx.stats.read++;
        batch.push(task);
        if (batch.length >= ctx.batchSize) {
          yield batch;
          batch = [];
        }
      }
    }
    elements.length = 0;
  };

  // Abort (SIGINT/SIGTERM) must also interrupt a read that is waiting for input (stdin, network).
  addAbortSignal(ctx.signal, input);
  for await (const chunk of input as AsyncIterable<Buffer>) {
    throwIfAborted(ctx.signal);
    ctx.stats.bytesRead += chunk.length;
    if (splitter === null) {
      head = head === null ? chunk : Buffer.concat([head, chunk]);
      splitter = sniff(head);
      if (splitter === null) continue;
      feed(splitter, head, false);
      head = null;
    } else {
      feed(splitter, chunk, false);
    }
    yield* drain();
  }
  if (splitter === null) {
    if (head === null || head.toString('utf8').replace(/^\uFEFF/, '').trim() === '') {
      throw new InputError('empty input: expected a JSON array of tasks or NDJSON', name);
    }
    splitter = sniff(Buffer.concat([head, Buffer.from('\n')])) ?? new JsonElementScanner('array');
    feed(splitter, head, true);
  } else {
    feed(splitter, Buffer.alloc(0), true);
  }
  yield* drain();
  if (batch.length > 0) yield batch;
}
