// The keyset pages of a database export and their children, read ahead in a pipeline.
//
// A page's query needs the previous page's last id, and its children query needs its own ids: the
// chain is page₁, children₁ + page₂, children₂ + page₃, … As soon as a page's task rows arrive, both
// its children query and the next page's query are queued, so the server has the next query
// waiting while we render. A connection runs one query at a time, and the client reads its result
// only between encoded batches, so with one connection the server sat idle during every round trip;
// pages therefore alternate between lanes (connections onto the same snapshot). `depth` bounds the
// pages held beyond the one being consumed.

import type { Children, TaskRow } from './ls-render.js';

export interface LoadedPage {
  rows: TaskRow[];
  /** Undefined for an empty page (the end). */
  ch?: Children;
}

/** The two queries of a page, on one connection. */
export interface PageLane {
  /** Up to pageSize task rows with id > after, ascending. */
  page(after: number): Promise<TaskRow[]>;
  children(ids: number[]): Promise<Children>;
}

export interface PageSource {
  /** One per connection onto the run's snapshot; page k is read on lane k mod lanes. */
  lanes: PageLane[];
  pageSize: number;
  /** First `after`: below any id. */
  first: number;
}

export class PagePipeline {
  private readonly queue: Promise<LoadedPage>[] = [];
  /** The `after` of the next page to query, once known and not yet queried. */
  private nextAfter: number | undefined;
  private stopped = false;
  private issued = 0;

  /** depth 0: a page is queried only when the consumer asks for it (in-process databases). */
  constructor(
    private readonly src: PageSource,
    private readonly depth: number,
  ) {
    this.nextAfter = src.first;
    this.fill(depth);
  }

  /** True while queries are in flight or waiting on the connection. */
  get busy(): boolean {
    return this.queue.length > 0;
  }

  private fill(limit: number): void {
    while (!this.stopped && this.nextAfter !== undefined && this.queue.length < limit) {
      const after = this.nextAfter;
      this.nextAfter = undefined;
      const lane = this.src.lanes[this.issued++ % this.src.lanes.length];
      const rows = lane.page(after);
      // Registered first, so the children query is queued before the next page's query.
      const loaded = rows.then(async (r): Promise<LoadedPage> => {
        return { rows: r, ch: r.length > 0 ? await lane.children(r.map((row) => row[0])) : undefined };
      });
      loaded.catch(() => undefined); // a read-ahead failure surfaces where it is awaited, never as unhandled
      rows.then(
        (r) => {
          if (r.length === this.src.pageSize) {
            this.nextAfter = r[r.length - 1][0];
            this.fill(this.depth);
          }
        },
        () => undefined,
      );
      this.queue.push(loaded);
    }
  }

  /** The next page in id order, or undefined after the last. */
  async next(): Promise<LoadedPage | undefined> {
    if (this.queue.length === 0) this.fill(1);
    const p = this.queue.shift();
    if (!p) return undefined;
    const page = await p;
    this.fill(this.depth);
    return page;
  }

  /** Stops querying further pages and waits until the queries in flight have settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.queue);
  }
}
