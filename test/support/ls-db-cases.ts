// Test cases shared by the PostgreSQL and SQLite source tests: load Label Studio export JSON into
// the database (load-ls-export.ts), export it back through the real CLI (dist/cli.js) and compare
// with the input semantically (tasks and sub-lists by id, order-insensitive).

import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE, runCli, summaryOf } from './cli.js';
import type { LoadOptions } from './load-ls-export.js';
import { defaultSpec } from '../../src/export-spec.js';
import { newStats, type RunContext } from '../../src/run-context.js';
import { openSource } from '../../src/sources/index.js';
import { RAW_JSON } from '../../src/task.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

/** Loads tasks into a fresh database and returns the --from value for it. */
export type MakeDb = (name: string, tasks: Obj[], opts?: LoadOptions) => Promise<string>;

export const fixtures = readdirSync(CONFORMANCE).filter((f) => existsSync(join(CONFORMANCE, f, 'input.json')));

// Keys only Label Studio Enterprise writes (not in the Community tables).
const LSE_ONLY = new Set(['agreement', 'reviews', 'history', 'state']);
const CREATED_AGO = /^\d+\u00a0(year|month|week|day|hour|minute)s?(, \d+\u00a0(year|month|week|day|hour|minute)s?)?$/;

function byId(list: unknown[]): Map<unknown, unknown> {
  return new Map(list.map((x) => [typeof x === 'object' && x !== null ? (x as Obj).id : x, x]));
}

/** Every key of `expected` (LSE-only keys aside) has an equal value in `actual`; lists by id. */
export function expectCovers(actual: Obj, expected: Obj, where: string): void {
  for (const [k, want] of Object.entries(expected)) {
    if (LSE_ONLY.has(k)) continue;
    const got = actual[k];
    const at = `${where}.${k}`;
    if (k === 'created_ago') {
      expect(got, at).toMatch(CREATED_AGO);
    } else if (['annotations', 'completions', 'drafts', 'predictions'].includes(k)) {
      expect(Array.isArray(got), at).toBe(true);
      const g = byId(got);
      expect([...g.keys()].sort(), at).toEqual([...byId(want).keys()].sort());
      for (const [id, w] of byId(want)) {
        if (typeof w === 'object' && w !== null) expectCovers(g.get(id) as Obj, w as Obj, `${at}[${String(id)}]`);
        else expect(g.get(id), at).toBe(w);
      }
    } else if (k === 'comment_authors') {
      expect([...(got as number[])].sort(), at).toEqual([...(want as number[])].sort());
    } else {
      expect(got, at).toEqual(want);
    }
  }
}

export function expectSameTasks(actual: Obj[], expected: Obj[]): void {
  const got = byId(actual);
  expect([...got.keys()].sort()).toEqual([...byId(expected).keys()].sort());
  for (const t of expected) expectCovers(got.get(t.id) as Obj, t, `task ${t.id}`);
}

function readFixture(f: string): { tasks: Obj[]; config?: string } {
  const input = JSON.parse(readFileSync(join(CONFORMANCE, f, 'input.json'), 'utf8'));
  const xml = join(CONFORMANCE, f, 'config.xml');
  return { tasks: Array.isArray(input) ? input : [input], config: existsSync(xml) ? readFileSync(xml, 'utf8') : undefined };
}

/** CLI flags that ask for the shapes the input carries (objects vs ids). */
function shapeFlags(tasks: Obj[]): string[] {
  const flags: string[] = [];
  const anns = tasks.flatMap((t) => t.annotations ?? []);
  if (anns.some((a) => typeof a.completed_by === 'object' && a.completed_by !== null)) flags.push('--completed-by', 'full');
  if (tasks.some((t) => (t.drafts ?? []).some((d: unknown) => typeof d === 'object'))) flags.push('--drafts', 'full');
  if (tasks.some((t) => (t.predictions ?? []).some((d: unknown) => typeof d === 'object'))) flags.push('--predictions', 'full');
  return flags;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'ls-db-'));

export async function exportJson(from: string, args: string[] = []): Promise<{ tasks: Obj[]; text: string; summary: Obj }> {
  const out = join(tmp(), 'out.json');
  const r = await runCli(['export', '--from', from, '--to', out, '--format', 'JSON', ...args]);
  expect(r.code, r.stderr).toBe(0);
  const text = readFileSync(out, 'utf8');
  return { tasks: JSON.parse(text), text, summary: summaryOf(r) };
}

// ---------------------------------------------------------------------------------------------
// A hand-made project for the targeted cases.

const ann = (id: number, userId: number | Obj | null, extra: Obj = {}): Obj => ({
  id,
  completed_by: userId,
  result: [{ id: `r${id}`, type: 'choices', value: { choices: ['pos'] }, to_name: 'text', from_name: 'sentiment' }],
  was_cancelled: false,
  ground_truth: false,
  created_at: '2024-01-30T02:40:43.893565Z',
  updated_at: '2024-01-30T02:40:43Z',
  lead_time: 1.5,
  ...extra,
});

export const CONFIG = '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices></View>';
const ANN = { id: 3, email: 'ann@x.io', first_name: 'Ann', last_name: 'Lee' };
const BOB = { id: 8, email: 'bob@x.io', first_name: '', last_name: '' };
export const BIG = 'x'.repeat(2_000_000);

export function targetedTasks(): Obj[] {
  return [
    {
      id: 1,
      annotations: [ann(11, ANN)],
      file_upload: 'ab12cd34-tasks.json',
      drafts: [
        { id: 101, user: 'ann@x.io', created_username: 'Ann Lee ann@x.io, 3', created_ago: '0\u00a0minutes', result: [], lead_time: 2.5, was_postponed: false, created_at: '2020-01-01T00:00:00Z', task: 1, annotation: null },
        { id: 102, user: 'bob@x.io', created_username: 'bob@x.io, 8', created_ago: '0\u00a0minutes', result: [{ id: 'd', type: 'choices', value: { choices: ['neg'] } }], was_postponed: true, task: 1, annotation: 11 },
      ],
      predictions: [{ id: 201, result: [{ id: 'p', type: 'choices', value: { choices: ['pos'] } }], model_version: 'v1', created_ago: '0\u00a0minutes', score: 0.25, task: 1 }],
      data: { text: 'ü 日本 😀 "q" \\ / \n\t', b: 1, a: 2, aa: 3 },
      meta: { source: 'ünïcode' },
      created_at: '2024-01-30T02:40:43Z',
      updated_at: '2024-01-30T02:40:43.000001Z',
      comment_authors: [8, 3],
    },
    { id: 2, annotations: [ann(12, BOB, { was_cancelled: true, result: [] })], data: { text: 'skipped only' }, updated_at: '2024-02-01T00:00:00.100000Z' },
    { id: 3, annotations: [ann(13, ANN, { ground_truth: true })], data: { text: 'ground truth' }, updated_at: '2024-03-01T00:00:00Z' },
    { id: 4, annotations: [], data: { text: 'no annotations', big: BIG }, updated_at: '2024-04-01T00:00:00Z' },
    { id: 5, annotations: [ann(14, null), ann(15, BOB, { was_cancelled: true, result: [] })], data: { $undefined$: 'moved', other: 1 }, updated_at: '2023-01-01T00:00:00Z' },
  ];
}

/** The round-trip and targeted cases, for one database kind. */
export function describeLsSource(kind: string, makeDb: () => MakeDb): void {
  describe(`${kind}: conformance inputs round-trip`, () => {
    it.each(fixtures)('%s', async (f) => {
      const { tasks, config } = readFixture(f);
      const from = await makeDb()(f, tasks, { labelConfig: config });
      const { tasks: out, summary } = await exportJson(from, [...shapeFlags(tasks), '--page-size', '2']);
      expect(summary.tasksRead).toBe(tasks.length);
      expectSameTasks(out, tasks);
    });
  });

  describe(`${kind}: targeted cases`, () => {
    let from = '';
    const db = async () => {
      if (!from) from = await makeDb()('targeted', targetedTasks(), { labelConfig: CONFIG, projectId: 7, title: 'Targeted' });
      return from;
    };

    it('renders every case like Label Studio (expanded drafts/predictions/users)', async () => {
      const { tasks } = await exportJson(await db(), ['--drafts', 'full', '--predictions', 'full', '--completed-by', 'full', '--page-size', '2']);
      const expected = targetedTasks();
      expected[4].data = { other: 1, text: 'moved' }; // $undefined$ → the config's first data key
      expectSameTasks(tasks, expected);
      const t = new Map(tasks.map((x) => [x.id, x]));
      // file upload basename; absent key when there is none
      expect(t.get(1).file_upload).toBe('ab12cd34-tasks.json');
      expect('file_upload' in t.get(2)).toBe(false);
      // key orders of §2
      expect(Object.keys(t.get(1)).slice(0, 9)).toEqual(['id', 'annotations', 'file_upload', 'drafts', 'predictions', 'data', 'meta', 'created_at', 'updated_at']);
      expect(Object.keys(t.get(1)).slice(-3)).toEqual(['project', 'updated_by', 'comment_authors']);
      expect(Object.keys(t.get(1).annotations[0])).toEqual([
        'id', 'completed_by', 'result', 'was_cancelled', 'ground_truth', 'created_at', 'updated_at', 'draft_created_at', 'lead_time', 'prediction',
        'result_count', 'unique_id', 'import_id', 'last_action', 'bulk_created', 'task', 'project', 'updated_by', 'parent_prediction', 'parent_annotation', 'last_created_by',
      ]);
      expect(Object.keys(t.get(1).drafts[0])).toEqual(['id', 'user', 'created_username', 'created_ago', 'result', 'lead_time', 'was_postponed', 'import_id', 'created_at', 'updated_at', 'task', 'annotation']);
      expect(Object.keys(t.get(1).predictions[0])).toEqual(['id', 'result', 'model_version', 'created_ago', 'score', 'cluster', 'neighbors', 'mislabeling', 'created_at', 'updated_at', 'model', 'model_run', 'task', 'project']);
      // users
      expect(t.get(1).annotations[0].completed_by).toEqual(ANN);
      expect(Object.keys(t.get(1).annotations[0].completed_by)).toEqual(['id', 'email', 'first_name', 'last_name']);
      expect(t.get(5).annotations.find((a: Obj) => a.id === 14).completed_by).toBeNull(); // deleted user
      expect(t.get(1).drafts.map((d: Obj) => d.created_username)).toEqual(['Ann Lee ann@x.io, 3', 'bob@x.io, 8']);
      expect(t.get(1).drafts[0].created_ago).toMatch(/^\d+\u00a0years?/); // created 2020
      // $undefined$ moved, and the moved key is last
      expect(Object.keys(t.get(5).data)).toEqual(['other', 'text']);
      // datetimes: microseconds only when non-zero
      expect(t.get(1).created_at).toBe('2024-01-30T02:40:43Z');
      expect(t.get(1).updated_at).toBe('2024-01-30T02:40:43.000001Z');
      expect(t.get(2).updated_at).toBe('2024-02-01T00:00:00.100000Z');
      expect(t.get(1).annotations[0].created_at).toBe('2024-01-30T02:40:43.893565Z');
      expect(t.get(4).data.big.length).toBe(BIG.length);
      expect(t.get(1).annotations[0].project).toBe(7);
    });

    it('defaults to ids for drafts, predictions and completed_by', async () => {
      const { tasks } = await exportJson(await db());
      const t1 = tasks.find((x) => x.id === 1);
      expect(t1.drafts).toEqual([101, 102]);
      expect(t1.predictions).toEqual([201]);
      expect(t1.annotations[0].completed_by).toBe(3);
      expect(t1.comment_authors.sort()).toEqual([3, 8]);
    });

    it('lists each task\'s annotations and drafts by id whatever order the table stores them in', async () => {
      // Stored (inserted) newest id first: an index scan on task_id returns them in that order.
      const from = await makeDb()('stored_desc', [
        { id: 1, data: { text: 'a' }, annotations: [ann(30, null), ann(20, null), ann(10, null)] },
        { id: 2, data: { text: 'b' }, annotations: [ann(25, null), ann(5, null)] },
      ]);
      for (const page of ['1', '1000']) {
        const { tasks } = await exportJson(from, ['--page-size', page]);
        expect(tasks.map((t) => t.annotations.map((a: Obj) => a.id))).toEqual([[10, 20, 30], [5, 25]]);
      }
    });

    it('--remove-user-details forces completed_by ids', async () => {
      const { tasks } = await exportJson(await db(), ['--completed-by', 'full', '--remove-user-details']);
      expect(tasks.find((x) => x.id === 1).annotations[0].completed_by).toBe(3);
    });

    it('pushes --ids down into SQL', async () => {
      const { tasks, summary } = await exportJson(await db(), ['--ids', '1,3-4,99']);
      expect(tasks.map((x) => x.id).sort()).toEqual([1, 3, 4]);
      expect(summary.tasksRead).toBe(3);
    });

    it('writes the same tasks from column text (untouched JSON/NDJSON) as through task objects', async () => {
      const spec = { ...defaultSpec(await db(), 'null', 'JSON'), drafts: 'full' as const, predictions: 'full' as const, completedBy: 'full' as const };
      const read = async (passthrough: boolean) => {
        const ctx = { stats: newStats(), signal: new AbortController().signal, batchSize: 2, passthrough } as unknown as RunContext;
        const source = await openSource(spec);
        const texts: string[] = [];
        for await (const batch of source.batches(ctx)) {
          for (const t of batch) texts.push(passthrough ? String(t[RAW_JSON]) : JSON.stringify(t));
        }
        await source.close();
        return texts;
      };
      const raw = await read(true); // ctx.passthrough: JSON columns copied as text (ls-render.ts `raw`)
      const parsed = await read(false); // through JSON.parse and JSON.stringify
      expect(raw).toHaveLength(5);
      expect(raw.map((x) => JSON.parse(x))).toEqual(parsed.map((x) => JSON.parse(x)));
      expect(raw.every((x) => !x.includes('\n'))).toBe(true); // one line per task
      expect(raw.join('\n')).not.toBe(parsed.join('\n')); // the database's own JSON text (spacing, escapes)
    });

    it('worker threads and read-ahead lanes write exactly what one page of the main thread writes (pages in order, any page size)', async () => {
      const full = ['--drafts', 'full', '--predictions', 'full', '--completed-by', 'full'];
      const main = await exportJson(await db(), [...full, '--workers', '0']);
      // --workers 0 with several pages: PostgreSQL reads pages ahead on two connections (ls-pages.ts).
      for (const [workers, page] of [['0', '1'], ['0', '2'], ['1', '1'], ['3', '2'], ['2', '1000']]) {
        const threaded = await exportJson(await db(), [...full, '--workers', workers, '--page-size', page]);
        expect(threaded.text).toBe(main.text);
        expect(threaded.summary.tasksRead).toBe(5);
      }
      // Through the transforms and a converter format: tasks parsed from the workers' text.
      const out = join(tmp(), 'min.json');
      const minOf = async (workers: string) => {
        const r = await runCli(['export', '--from', await db(), '--to', out, '--format', 'JSON_MIN', '--annotations', 'usual', '--workers', workers, '--page-size', '2']);
        expect(r.code, r.stderr).toBe(0);
        return readFileSync(out, 'utf8');
      };
      expect(await minOf('2')).toBe(await minOf('0'));
    });

    it('pushes --finished down as the task is_labeled column (not a guess from annotations)', async () => {
      const one = (id: number, isLabeled: boolean) => ({ id, is_labeled: isLabeled, data: { text: `t${id}` }, annotations: [ann(100 + id, null)] });
      // Task 2 has an annotation but is not finished (overlap 2 in Label Studio): only is_labeled can tell.
      const from = await makeDb()('finished', [one(1, true), one(2, false), { id: 3, data: { text: 't3' }, annotations: [] }]);
      const only = await exportJson(from, ['--finished', 'only']);
      expect(only.tasks.map((x) => x.id)).toEqual([1]);
      expect(only.summary.tasksRead).toBe(1);
      const exclude = await exportJson(from, ['--finished', 'exclude']);
      expect(exclude.tasks.map((x) => x.id)).toEqual([2, 3]);
    });

    it('pushes --only-annotated down (any annotation row, skipped included)', async () => {
      const { tasks, summary } = await exportJson(await db(), ['--only-annotated']);
      expect(tasks.map((x) => x.id).sort()).toEqual([1, 2, 3, 5]);
      expect(summary.tasksRead).toBe(4);
    });

    it('pushes the annotation filter down', async () => {
      const { tasks, summary } = await exportJson(await db(), ['--annotations', 'usual']);
      expect(summary.tasksRead).toBe(5);
      const anns = tasks.flatMap((x) => x.annotations.map((a: Obj) => a.id)).sort();
      expect(anns).toEqual([11, 14]);
      const gt = await exportJson(await db(), ['--annotations', 'ground_truth,skipped']);
      expect(gt.tasks.flatMap((x) => x.annotations.map((a: Obj) => a.id)).sort()).toEqual([12, 13, 15]);
    });

    it('keeps Label Studio semantics when a task filter and the annotation filter combine', async () => {
      // only-annotated judges all annotations: task 2 (skipped only) stays, with an empty list.
      const { tasks } = await exportJson(await db(), ['--only-annotated', '--annotations', 'usual']);
      expect(tasks.map((x) => x.id).sort()).toEqual([1, 2, 3, 5]);
      expect(tasks.find((x) => x.id === 2).annotations).toEqual([]);
    });

    it('pushes --updated-since down (task or annotation updated_at)', async () => {
      const { tasks, summary } = await exportJson(await db(), ['--updated-since', '2024-02-15T00:00:00Z']);
      expect(tasks.map((x) => x.id).sort()).toEqual([3, 4]);
      expect(summary.tasksRead).toBe(2);
    });

    it('exports JSON_MIN from the project label config', async () => {
      const r = await exportJson(await db(), ['--ids', '1']).catch(() => null);
      expect(r).not.toBeNull();
      const out = join(tmp(), 'min.json');
      const m = await runCli(['export', '--from', await db(), '--to', out, '--format', 'JSON_MIN', '--ids', '1']);
      expect(m.code, m.stderr).toBe(0);
      const rec = JSON.parse(readFileSync(out, 'utf8'));
      expect(rec[0].sentiment).toBe('pos');
      expect(rec[0].annotator).toBe(3);
    });

    it('lists projects; asks for --project when there are several; names a missing one', async () => {
      const from = await makeDb()('two_projects', [
        { id: 1, project: 1, data: { text: 'a' } },
        { id: 2, project: 2, data: { text: 'b' } },
        { id: 3, project: 2, data: { text: 'c' } },
      ]);
      const p = await runCli(['projects', '--from', from]);
      expect(p.code, p.stderr).toBe(0);
      expect(p.stdout.toString()).toMatch(/\n\s+1\s+1\s+project 1\n\s+2\s+2\s+project 2\n/);
      const r = await runCli(['export', '--from', from, '--to', '-']);
      expect(r.code).toBe(2);
      const msg = String(r.logs.find((l) => l.level === 50)?.msg);
      expect(msg).toContain('choose one with --project');
      expect(msg).toContain('1 "project 1" (1 tasks), 2 "project 2" (2 tasks)');
      const m = await runCli(['export', '--from', from, '--to', '-', '--project', '9']);
      expect(m.code).toBe(2);
      expect(m.stderr).toContain('no project 9');
      const ok = await exportJson(from, ['--project', '2']);
      expect(ok.tasks.map((x) => x.id)).toEqual([2, 3]);
    });

    it('keeps interleaved projects apart (children of other projects\' tasks in the id range)', async () => {
      const a = (id: number) => [{ id: id * 10, completed_by: null, result: [] }];
      const from = await makeDb()('interleaved', [1, 2, 3, 4, 5, 6].map((id) => ({ id, project: id % 2 ? 1 : 2, data: { n: id }, annotations: a(id), predictions: [id * 100] })));
      const { tasks, summary } = await exportJson(from, ['--project', '2', '--page-size', '2']);
      expect(summary.tasksRead).toBe(3);
      expect(tasks.map((x) => [x.id, x.annotations.map((y: Obj) => y.id), x.predictions])).toEqual([
        [2, [20], [200]],
        [4, [40], [400]],
        [6, [60], [600]],
      ]);
    });

    it('pushes --shard down', async () => {
      const { tasks, summary } = await exportJson(await db(), ['--shard', '1/2']);
      expect(tasks.map((x) => x.id)).toEqual([1, 3, 5]);
      expect(summary.tasksRead).toBe(3);
    });
  });
}
