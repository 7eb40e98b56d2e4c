// Worker thread of the parallel database source (ls-db-parallel.ts): its own connection onto the
// run's snapshot, rendering the id ranges it is sent to task JSON text (ls-render.ts taskText()),
// one message per range, the bytes transferred, not copied.

import { parentPort, workerData } from 'node:worker_threads';
import { UsageError } from '../errors.js';
import { gcPacer } from '../memory.js';
import type { ExportSpec } from '../export-spec.js';
import { connectTo, type LsDriver, type LsReader, prepareReader, type WorkerConnection } from './ls-db.js';
import { taskText } from './ls-render.js';

export interface WorkerInit {
  connection: WorkerConnection;
  spec: ExportSpec;
  /** The run's export time (created_ago), the same in every thread. */
  now: number;
}

/** Render the tasks with lo ≤ id ≤ hi. */
export interface RangeRequest {
  seq: number;
  lo: number;
  hi: number;
}

export type RangeReply =
  | { seq: number; ids: number[]; bytes: Uint8Array }
  | { seq: number; error: { message: string; usage: boolean } };

async function render(reader: LsReader, req: RangeRequest): Promise<RangeReply> {
  const o = { ...reader.options, raw: true };
  const rows = await reader.page(o, req.lo - 1, req.hi);
  const ids = rows.map((r) => r[0]);
  const ch = await reader.children(o, ids);
  // One line per task, in a buffer of its own (transferred to the main thread: never a pooled one).
  const texts = rows.map((r) => {
    const t = taskText(r, ch, o);
    return typeof t === 'string' ? Buffer.from(t) : t;
  });
  const bytes = new Uint8Array(Math.max(0, texts.reduce((n, t) => n + t.length + 1, -1)));
  let at = 0;
  for (const [i, t] of texts.entries()) {
    if (i > 0) bytes[at++] = 0x0a;
    bytes.set(t, at);
    at += t.length;
  }
  return { seq: req.seq, ids, bytes };
}

function errorReply(seq: number, e: unknown): RangeReply {
  return { seq, error: { message: (e as Error)?.message ?? String(e), usage: e instanceof UsageError } };
}

if (parentPort) {
  const port = parentPort;
  const init = workerData as WorkerInit;
  let driver: LsDriver | undefined;
  const ready = (async () => {
    driver = await connectTo(init.connection);
    return prepareReader(driver, init.spec, new Date(init.now));
  })();
  ready.catch(() => undefined); // reported with the first request
  // Each thread has its own heap: pace full GCs here too (src/memory.ts), per rendered task.
  const pace = gcPacer(5000);
  let rendered = 0;
  let chain: Promise<unknown> = Promise.resolve();
  port.on('message', (m: RangeRequest | { close: true }) => {
    if ('close' in m) {
      chain = chain.then(async () => {
        await driver?.close().catch(() => undefined);
        port.close();
      });
      return;
    }
    // One range at a time on this connection, in the order they were sent.
    chain = chain.then(async () => {
      let reply: RangeReply;
      try {
        reply = await render(await ready, m);
      } catch (e) {
        reply = errorReply(m.seq, e);
      }
      if ('bytes' in reply) {
        rendered += reply.ids.length;
        port.postMessage(reply, [reply.bytes.buffer as ArrayBuffer]);
        pace(rendered);
      } else port.postMessage(reply);
    });
  });
}
