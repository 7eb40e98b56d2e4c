// Per-annotation blobs (Label Studio Community's default target-storage layout, spec §4.3),
// built from conformance fixtures the way StorageAnnotationSerializer writes them, regrouped into
// tasks by the blob source (external sort with several spilled runs) and compared with the
// fixture tasks minus the fields such blobs cannot carry.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE, runCli, summaryOf } from '../support/cli.js';

type Obj = Record<string, unknown>;

const FIXTURES = ['yolo_data', 'csv_test', 'json_min_data', 'doclang_data', 'chat_data_chat', 'yolo_obb'];

function userOf(cb: unknown): Obj | null {
  if (cb === undefined || cb === null) return null; // a deleted user (FK SET_NULL); a few hand-written fixtures omit it
  if (typeof cb === 'object' && cb !== null) {
    const u = cb as Obj;
    return { id: u.id, first_name: u.first_name ?? '', last_name: u.last_name ?? '', email: u.email ?? '' };
  }
  return { id: cb, first_name: '', last_name: '', email: `user${String(cb)}@example.com` };
}

/** The blob Label Studio writes for one annotation: StorageAnnotationSerializer key order. */
function annotationBlob(task: Obj, ann: Obj, overrides: { taskUpdated?: string; data?: Obj } = {}): Obj {
  const { annotations: _a, drafts: _d, predictions: _p, file_upload: _f, ...taskFields } = task;
  const user = userOf(ann.completed_by);
  return {
    id: ann.id,
    result: ann.result,
    created_username: user ? ` ${String(user.email)}, ${String(user.id)}` : '',
    created_ago: '2\u00a0days',
    // BaseTaskSerializer '__all__': every task column, incl. overlap/is_labeled and the file_upload FK.
    task: { id: task.id, ...taskFields, ...(overrides.data ? { data: overrides.data } : {}), ...(overrides.taskUpdated ? { updated_at: overrides.taskUpdated } : {}), is_labeled: true, overlap: 1, file_upload: 17 },
    completed_by: user,
    // The remaining annotation columns in model order, minus what the storage serializer excludes.
    ...Object.fromEntries(
      Object.entries(ann).filter(([k]) => !['id', 'result', 'completed_by', 'prediction', 'result_count', 'unique_id', 'task'].includes(k)),
    ),
  };
}

/** A fixture task as the regrouped export must show it (completed_by as id). */
function expectedTask(task: Obj): Obj {
  const { file_upload: _f, ...rest } = task;
  const anns = (task.annotations as Obj[]).map((a) => {
    const { prediction: _p, result_count: _r, unique_id: _u, ...keep } = a;
    const cb = keep.completed_by;
    // Every real annotation row has its task FK (spec §2.2); a few hand-written fixtures lack the key.
    return { ...keep, completed_by: typeof cb === 'object' && cb !== null ? (cb as Obj).id : (cb ?? null), task: keep.task ?? task.id };
  });
  return { ...rest, annotations: anns.sort((x, y) => Number(x.id) - Number(y.id)), drafts: [], predictions: [] };
}

function stripUndefined(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}

describe('per-annotation blobs → tasks', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'labelstream-annblobs-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('regroups every fixture (several spilled runs), tasks in id order, fields in export order', async () => {
    const dir = join(tmp, 'blobs');
    const expected: Obj[] = [];
    for (const f of FIXTURES) {
      const tasks = JSON.parse(await readFile(join(CONFORMANCE, f, 'input.json'), 'utf8')) as Obj[];
      for (const t of tasks) {
        const anns = t.annotations as Obj[];
        if (anns.length === 0) continue; // such tasks are never written to target storage
        // Per fixture a sub-folder, so equal ids of different fixtures stay apart as different projects would.
        const sub = join(dir, f);
        await mkdir(sub, { recursive: true });
        for (const a of anns) await writeFile(join(sub, String(a.id)), JSON.stringify(annotationBlob(t, a)));
        expected.push(expectedTask(t));
      }
    }
    // One fixture per run so that task ids do not collide across fixtures.
    const runCounts: number[] = [];
    for (const f of FIXTURES) {
      const out = join(tmp, `${f}.json`);
      const r = await runCli(['export', '--from', join(dir, f), '--to', out, '--format', 'JSON', '--completed-by', 'id'], {
        env: { LABELSTREAM_REGROUP_RUN_BYTES: '1000', LABELSTREAM_LOG_LEVEL: 'debug' },
      });
      expect(r.code, r.stderr).toBe(0);
      runCounts.push(Number(r.logs.find((l) => typeof l.runs === 'number')?.runs));
      const got = JSON.parse(await readFile(out, 'utf8')) as Obj[];
      const fixtureTasks = (JSON.parse(await readFile(join(CONFORMANCE, f, 'input.json'), 'utf8')) as Obj[]).filter(
        (t) => (t.annotations as Obj[]).length > 0,
      );
      const want = fixtureTasks.map(expectedTask).sort((a, b) => Number(a.id) - Number(b.id));
      expect(got.map((t) => t.id)).toEqual(want.map((t) => t.id));
      expect(stripUndefined(got)).toEqual(stripUndefined(want));
      expect(Object.keys(got[0]).slice(0, 5)).toEqual(['id', 'annotations', 'drafts', 'predictions', 'data']);
      expect(Object.keys((got[0].annotations as Obj[])[0]).slice(0, 3)).toEqual(['id', 'completed_by', 'result']);
      expect(summaryOf(r).tasksRead).toBe(want.length);
    }
    expect(expected.length).toBeGreaterThan(6);
    // The 1000-byte runs force the spill-and-merge path (more than one run) for most fixtures.
    expect(Math.max(...runCounts)).toBeGreaterThan(2);
  });

  it('an annotation under two keys is exported once (newest wins); the newest task snapshot wins', async () => {
    const dir = join(tmp, 'dups');
    await mkdir(join(dir, 'old'), { recursive: true });
    const task = (JSON.parse(await readFile(join(CONFORMANCE, 'yolo_data', 'input.json'), 'utf8')) as Obj[])[0];
    const [a1, a2] = task.annotations as Obj[];
    const stale = { ...a1, updated_at: '2020-01-01T00:00:00Z', result: [] };
    await writeFile(join(dir, 'old', String(a1.id)), JSON.stringify(annotationBlob(task, stale, { taskUpdated: '2020-01-01T00:00:00Z', data: { image: 'stale.jpg' } })));
    await writeFile(join(dir, String(a1.id)), JSON.stringify(annotationBlob(task, a1)));
    await writeFile(join(dir, String(a2.id)), JSON.stringify(annotationBlob(task, a2, { taskUpdated: '2030-01-01T00:00:00Z' })));
    const out = join(tmp, 'dups.json');
    const r = await runCli(['export', '--from', dir, '--to', out, '--format', 'JSON']);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(await readFile(out, 'utf8')) as Obj[];
    expect(got).toHaveLength(1);
    const anns = got[0].annotations as Obj[];
    expect(anns.map((a) => a.id)).toEqual([a1.id, a2.id]);
    expect(anns[0].result).toEqual(a1.result);
    expect(anns[0].updated_at).toBe(a1.updated_at);
    expect(got[0].updated_at).toBe('2030-01-01T00:00:00Z');
    expect(got[0].data).toEqual(task.data);
    // completed_by stays expanded by default, in export order.
    expect(Object.keys(anns[0].completed_by as Obj)).toEqual(['id', 'email', 'first_name', 'last_name']);
  });
});
