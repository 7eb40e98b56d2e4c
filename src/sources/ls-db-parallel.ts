// The database source on several threads (`--workers N`). The main thread lists page boundaries
// (task ids only, an index-only read on the run's own connection and snapshot); worker threads
// (ls-db-worker.ts), each with its own connection onto that same snapshot, read and render whole
// pages to task JSON text. Pages come back in order; the main thread passes the texts through
// (JSON/NDJSON with no transform) or parses them into tasks for the transforms and encoders.
// Reading and rendering, most of a database export's CPU time, then run beside the encoder.
//
// Memory: at most 2 × N pages in flight (each ~pageSize × task size of text), whatever the
// project size.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { throwIfAborted, UsageError } from '../errors.js';
import type { RunContext } from '../run-context.js';
import type { Task } from '../task.js';
import { FIRST_AFTER, type LsReader } from './ls-db.js';
import type { RangeReply, RangeRequest, WorkerInit } from './ls-db-worker.js';
import { rawTask } from './ls-render.js';

const WORKER_SCRIPT = new URL('./ls-db-worker.js', import.meta.url);
/** A worker's young generation: small, so that each thread's heap stays small (peak RSS). */
const YOUNG_MB = 16;
/** Pages requested per worker: one being rendered, one waiting. */
const DEPTH = 2;

/** False when running from the TypeScript sources (tests importing src/): no compiled worker. */
export function workersAvailable(): boolean {
  return existsSync(fileURLToPath(WORKER_SCRIPT));
}

interface Pending {
  resolve(r: Extract<RangeReply, { ids: number[] }>): void;
  reject(e: Error): void;
}

class WorkerPool {
  private readonly workers: Array<{ worker: Worker; busy: number }>;
  private readonly waiting = new Map<number, Pending>();

  constructor(n: number, init: WorkerInit) {
    this.workers = Array.from({ length: n }, () => ({ worker: new Worker(WORKER_SCRIPT, { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB } }), busy: 0 }));
    for (const w of this.workers) {
      w.worker.on('message', (r: RangeReply) => {
        w.busy--;
        const p = this.waiting.get(r.seq);
        this.waiting.delete(r.seq);
        if ('error' in r) p?.reject(r.error.usage ? new UsageError(r.error.message) : new Error(r.error.message));
        else p?.resolve(r);
      });
      w.worker.on('error', (e) => this.failAll(e));
      w.worker.on('exit', (code) => {
        if (this.waiting.size > 0) this.failAll(new Error(`a database worker thread exited (code ${code}) with pages still to read`));
      });
    }
  }

  private failAll(e: Error): void {
    for (const p of this.waiting.values()) p.reject(e);
    this.waiting.clear();
  }

  /** Renders a range on the least busy worker. */
  render(req: RangeRequest): Promise<Extract<RangeReply, { ids: number[] }>> {
    const w = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const p = new Promise<Extract<RangeReply, { ids: number[] }>>((resolve, reject) => this.waiting.set(req.seq, { resolve, reject }));
    p.catch(() => undefined); // surfaces where awaited
    w.busy++;
    w.worker.postMessage(req);
    return p;
  }

  /** Lets each worker close its connection, then ends the threads (forcibly after a grace period). */
  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async ({ worker }) => {
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.postMessage({ close: true });
        const timer = setTimeout(() => void worker.terminate(), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  /** Ends the threads now (their connections close with them). */
  async terminate(): Promise<void> {
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }
}

export async function* parallelBatches(reader: LsReader, init: WorkerInit, workers: number, pageSize: number, ctx: RunContext): AsyncGenerator<Task[]> {
  const pool = new WorkerPool(workers, init);
  const queue: Array<ReturnType<WorkerPool['render']>> = [];
  let after = FIRST_AFTER;
  let seq = 0;
  let listed = false;
  /** Keeps 2 pages per worker requested (the page ids are read here, in order). */
  const fill = async () => {
    while (!listed && queue.length < workers * DEPTH) {
      const ids = await reader.pageIds(after);
      if (ids.length < pageSize) listed = true;
      if (ids.length === 0) break;
      after = ids[ids.length - 1];
      queue.push(pool.render({ seq: seq++, lo: ids[0], hi: after }));
    }
  };
  let ok = false;
  try {
    await fill();
    while (queue.length > 0) {
      throwIfAborted(ctx.signal);
      const reply = await (queue.shift() as ReturnType<WorkerPool['render']>);
      await fill();
      const buf = Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength);
      let batch: Task[] = [];
      let start = 0;
      for (let i = 0; i < reply.ids.length; i++) {
        // Task texts are one line each (raw rendering never writes a line break).
        const end = i === reply.ids.length - 1 ? buf.length : buf.indexOf(0x0a, start);
        const json = buf.subarray(start, end);
        start = end + 1;
        batch.push(ctx.passthrough ? rawTask(reply.ids[i], json) : (JSON.parse(json.toString('utf8')) as Task));
        if (batch.length >= ctx.batchSize || i === reply.ids.length - 1) {
          ctx.stats.read += batch.length;
          yield batch;
          batch = [];
        }
      }
    }
    ok = true;
  } finally {
    await (ok ? pool.close() : pool.terminate());
  }
}
