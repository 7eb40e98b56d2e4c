// PagePipeline over an in-memory page source (its queries are the real ones in the PostgreSQL and
// SQLite tests; here: the order of queries, the read-ahead bound and stopping).
import { describe, expect, it } from 'vitest';
import { PagePipeline, type PageSource } from '../../src/sources/ls-pages.js';
import type { Children, TaskRow } from '../../src/sources/ls-render.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function source(total: number, pageSize: number) {
  const log: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const track = async <T>(what: string, value: T): Promise<T> => {
    log.push(what);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await tick();
    inFlight--;
    return value;
  };
  const lane = {
    page: (after: number) => {
      const rows: TaskRow[] = [];
      for (let id = after + 1; id <= Math.min(total, after + pageSize); id++) rows.push([id, '', '{}', ''] as TaskRow);
      return track(`page>${after}`, rows);
    },
    children: (ids: number[]) => track(`children${ids[0]}-${ids[ids.length - 1]}`, {} as Children),
  };
  const src: PageSource = { pageSize, first: 0, lanes: [lane] };
  return { src, log, maxInFlight: () => maxInFlight };
}

async function drain(p: PagePipeline) {
  const ids: number[] = [];
  for (let page = await p.next(); page?.ch; page = await p.next()) ids.push(...page.rows.map((r) => r[0]));
  return ids;
}

describe('PagePipeline', () => {
  it('returns every page in id order and stops after a short page', async () => {
    const { src, log } = source(7, 3);
    expect(await drain(new PagePipeline(src, 2))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(log).toEqual(['page>0', 'children1-3', 'page>3', 'children4-6', 'page>6', 'children7-7']);
  });

  it('queues a page\'s children before the next page and reads ahead at most `depth` pages', async () => {
    const { src, log } = source(100, 10);
    const p = new PagePipeline(src, 2);
    const first = await p.next();
    expect(first?.rows[0][0]).toBe(1);
    for (let i = 0; i < 10; i++) await tick(); // the consumer is busy; read-ahead runs
    // pages 2 and 3 are read ahead, page 4 waits for the consumer
    expect(log.filter((q) => q.startsWith('page'))).toEqual(['page>0', 'page>10', 'page>20']);
    expect(log.indexOf('children11-20')).toBeLessThan(log.indexOf('page>20'));
    expect(await drain(p)).toHaveLength(90);
  });

  it('depth 0 queries a page only when asked', async () => {
    const { src, log } = source(20, 10);
    const p = new PagePipeline(src, 0);
    for (let i = 0; i < 5; i++) await tick();
    expect(log).toEqual([]);
    await p.next();
    for (let i = 0; i < 5; i++) await tick();
    expect(log).toEqual(['page>0', 'children1-10']);
    expect(await drain(p)).toHaveLength(10);
  });

  it('stop() waits for the queries in flight and queries nothing more', async () => {
    const { src, log } = source(1000, 10);
    const p = new PagePipeline(src, 3);
    await p.next();
    await p.stop();
    const count = log.length;
    for (let i = 0; i < 10; i++) await tick();
    expect(log.length).toBe(count);
    expect(count).toBeLessThanOrEqual(2 * 4);
  });

  it('a failed query surfaces at next()', async () => {
    const { src } = source(100, 10);
    const [lane] = src.lanes;
    const failing: PageSource = { ...src, lanes: [{ ...lane, page: (after) => (after >= 20 ? Promise.reject(new Error('connection lost')) : lane.page(after)) }] };
    const p = new PagePipeline(failing, 2);
    await p.next();
    await p.next();
    await expect(p.next()).rejects.toThrow('connection lost');
  });
});
