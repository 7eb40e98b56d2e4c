import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseTaskCount } from '../src/generate-command.js';
import { GENERATE_KINDS, generateTasks, type GenerateKind, writeTasks } from '../src/generate.js';
import { parseLabelConfig } from '../src/label-config.js';
import type { Annotation, Draft, Prediction, Task } from '../src/task.js';
import { CLI, runCli, summaryOf } from './support/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'ls-gen-'));

// Key orders of shared/spec/label-studio-export.md §2.1–2.4 (Community, current).
const TASK_KEYS = [
  'id', 'annotations', 'file_upload', 'drafts', 'predictions', 'data', 'meta', 'created_at', 'updated_at', 'inner_id',
  'total_annotations', 'cancelled_annotations', 'total_predictions', 'comment_count', 'unresolved_comment_count',
  'last_comment_updated_at', 'project', 'updated_by', 'comment_authors',
];
const ANNOTATION_KEYS = [
  'id', 'completed_by', 'result', 'was_cancelled', 'ground_truth', 'created_at', 'updated_at', 'draft_created_at', 'lead_time',
  'prediction', 'result_count', 'unique_id', 'import_id', 'last_action', 'bulk_created', 'task', 'project', 'updated_by',
  'parent_prediction', 'parent_annotation', 'last_created_by',
];
const PREDICTION_KEYS = [
  'id', 'result', 'model_version', 'created_ago', 'score', 'cluster', 'neighbors', 'mislabeling', 'created_at', 'updated_at',
  'model', 'model_run', 'task', 'project',
];
const DRAFT_KEYS = [
  'id', 'user', 'created_username', 'created_ago', 'result', 'lead_time', 'was_postponed', 'import_id', 'created_at', 'updated_at',
  'task', 'annotation',
];
const DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/;

async function generateCli(args: string[]): Promise<Buffer> {
  const dir = tmp();
  const file = join(dir, 'out');
  const r = await runCli(['generate', ...args, '--to', file]);
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(file);
}

async function inProcess(kind: GenerateKind, tasks: number, format: 'json' | 'ndjson', seed: string): Promise<string> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (d: Buffer) => parts.push(d));
  const bytes = await writeTasks({ kind, tasks, seed }, format, out);
  out.end();
  const text = Buffer.concat(parts).toString('utf8');
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

describe('generate: determinism', () => {
  it('same seed gives the same bytes (CLI twice, stdout, and in process); another seed differs', async () => {
    const a = await generateCli(['--tasks', '400', '--kind', 'mixed', '--seed', '42']);
    const b = await generateCli(['--tasks', '400', '--kind', 'mixed', '--seed', '42']);
    expect(a.equals(b)).toBe(true);
    const viaStdout = await runCli(['generate', '--tasks', '400', '--kind', 'mixed', '--seed', '42', '--to', '-']);
    expect(viaStdout.code, viaStdout.stderr).toBe(0);
    expect(viaStdout.stdout.equals(a)).toBe(true);
    expect(await inProcess('mixed', 400, 'json', '42')).toBe(a.toString('utf8'));
    const c = await generateCli(['--tasks', '400', '--kind', 'mixed', '--seed', '43']);
    expect(c.equals(a)).toBe(false);
  });

  it('task n does not depend on how many tasks are generated', () => {
    const short = [...generateTasks({ kind: 'ner', tasks: 10, seed: 7 })];
    const long = [...generateTasks({ kind: 'ner', tasks: 50, seed: 7 })];
    expect(long.slice(0, 10)).toEqual(short);
  });

  it('parses task counts with k/M suffixes and rejects nonsense', () => {
    expect(parseTaskCount('10k')).toBe(10_000);
    expect(parseTaskCount('1M')).toBe(1_000_000);
    expect(parseTaskCount('2500')).toBe(2500);
    expect(() => parseTaskCount('1.5')).toThrow(/whole number/);
    expect(() => parseTaskCount('ten')).toThrow(/whole number/);
  });
});

describe('generate: shape', () => {
  const keysInOrder = (obj: object, order: string[]) => {
    const keys = Object.keys(obj);
    expect(keys).toEqual(order.filter((k) => keys.includes(k)));
    return keys;
  };

  it.each(GENERATE_KINDS)('%s: keys in Label Studio export order, about 2 KB per task, every case present', async (kind) => {
    const text = await inProcess(kind, 1000, 'json', 'shape');
    const tasks = JSON.parse(text) as Task[];
    expect(tasks).toHaveLength(1000);
    const perTask = Buffer.byteLength(text) / tasks.length;
    // brush tasks carry 640×480 RLE masks (a few KB each), doclang tasks ~2 KB documents
    const [low, high] = kind === 'brush' ? [4000, 9000] : kind === 'doclang' ? [3000, 6000] : [1500, 3000];
    expect(perTask).toBeGreaterThan(low);
    expect(perTask).toBeLessThan(high);
    const seen = { noAnnotations: 0, skipped: 0, groundTruth: 0, drafts: 0, predictions: 0, noFileUpload: 0, nasty: 0, rotated: 0 };
    const config = parseLabelConfig((await import('../src/generate.js')).labelConfigFor(kind));
    tasks.forEach((t, i) => {
      expect(t.id).toBe(i + 1);
      expect(t.inner_id).toBe(i + 1);
      const keys = keysInOrder(t, TASK_KEYS);
      expect(keys.length).toBeGreaterThanOrEqual(TASK_KEYS.length - 1); // only file_upload may be missing
      if (!keys.includes('file_upload')) seen.noFileUpload++;
      expect(t.created_at).toMatch(DATETIME);
      const anns = t.annotations as Annotation[];
      if (anns.length === 0) seen.noAnnotations++;
      expect(t.total_annotations).toBe(anns.filter((a) => !a.was_cancelled).length);
      expect(t.cancelled_annotations).toBe(anns.filter((a) => a.was_cancelled).length);
      for (const a of anns) {
        expect(Object.keys(a)).toEqual(ANNOTATION_KEYS);
        expect(a.task).toBe(t.id);
        expect(a.updated_at! >= a.created_at!).toBe(true);
        if (a.was_cancelled) {
          seen.skipped++;
          expect(a.result).toEqual([]);
        }
        if (a.ground_truth) seen.groundTruth++;
        for (const r of a.result ?? []) {
          // every region is addressed to a control tag of the kind's label config
          expect(config.schema[r.from_name!]?.to_name).toContain(r.to_name);
          if (r.type === 'rectanglelabels') {
            expect(r.original_width).toBeGreaterThan(0);
            expect(r.original_height).toBeGreaterThan(0);
            if ((r.value as { rotation: number }).rotation !== 0) seen.rotated++;
          }
          if (r.type === 'labels') {
            const v = r.value as { start: number; end: number; text: string };
            expect(v.text).toBe((t.data.text as string).slice(v.start, v.end));
          }
        }
      }
      expect(t.total_predictions).toBe(t.predictions!.length);
      for (const p of t.predictions as Prediction[]) {
        seen.predictions++;
        expect(Object.keys(p)).toEqual(PREDICTION_KEYS);
        expect(p.created_ago).toMatch(/^\d+\u00a0(minute|hour|day)s?(, \d+\u00a0hours?)?$/);
      }
      for (const d of t.drafts as Draft[]) {
        seen.drafts++;
        expect(Object.keys(d)).toEqual(DRAFT_KEYS);
      }
      if (/[\\"\n]|\]\}|😀/.test(JSON.stringify(t.data) + JSON.stringify(t.meta))) seen.nasty++;
      for (const k of config.dataKeys) expect(typeof t.data[k]).toBe('string');
    });
    for (const [what, n] of Object.entries(seen)) {
      if (what === 'rotated' && kind !== 'image' && kind !== 'mixed') continue;
      expect(n, what).toBeGreaterThan(0);
    }
  });
});

describe('generate: through the exporter', () => {
  it.each(GENERATE_KINDS)('%s: export --format JSON gives the tasks back deep-equal (and byte-identical)', async (kind) => {
    const dir = tmp();
    const input = join(dir, 'in.json');
    const cfg = join(dir, 'config.xml');
    const gen = await runCli(['generate', '--tasks', '1500', '--kind', kind, '--to', input, '--label-config-out', cfg]);
    expect(gen.code, gen.stderr).toBe(0);
    const out = join(dir, 'out.json');
    const r = await runCli(['export', '--from', input, '--to', out, '--format', 'JSON']);
    expect(r.code, r.stderr).toBe(0);
    expect(summaryOf(r).tasksWritten).toBe(1500);
    const original = readFileSync(input);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(original.toString('utf8')));
    expect(readFileSync(out).equals(original)).toBe(true);
    // The label config written next to the data fits it: JSON_MIN (which reads the config) succeeds.
    const min = await runCli(['export', '--from', input, '--to', join(dir, 'min.json'), '--format', 'JSON_MIN', '--label-config', cfg]);
    expect(min.code, min.stderr).toBe(0);
    expect(summaryOf(min).tasksWritten).toBeGreaterThan(1000);
  });

  it('both framings parse to the same tasks; NDJSON exports back to the JSON array', async () => {
    const dir = tmp();
    const json = join(dir, 'p.json');
    const nd = join(dir, 'p.ndjson');
    for (const [file, format] of [[json, 'json'], [nd, 'ndjson']]) {
      const r = await runCli(['generate', '--tasks', '700', '--kind', 'image', '--seed', 'x', '--format', format, '--to', file]);
      expect(r.code, r.stderr).toBe(0);
    }
    const jsonText = readFileSync(json, 'utf8');
    const ndText = readFileSync(nd, 'utf8');
    expect(jsonText.startsWith('[\n{"id":1,')).toBe(true);
    expect(jsonText.endsWith('}\n]\n')).toBe(true);
    const fromArray = JSON.parse(jsonText) as Task[];
    const lines = ndText.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(700);
    expect(lines.map((l) => JSON.parse(l))).toEqual(fromArray);
    const out = join(dir, 'back.json');
    const r = await runCli(['export', '--from', nd, '--to', out, '--format', 'JSON']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(jsonText);
  });

  it('an empty project is a valid empty array, and a closed pipe stops generation quietly', async () => {
    const empty = await runCli(['generate', '--tasks', '0', '--to', '-']);
    expect(empty.code).toBe(0);
    expect(JSON.parse(empty.stdout.toString('utf8'))).toEqual([]);
    // `generate --tasks 1M --to - | head -c 1000`: the reader goes away after the first chunk.
    const child = spawn(process.execPath, [CLI, 'generate', '--tasks', '1M', '--to', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const [code] = (await once(child, 'close')) as [number];
    expect(code, stderr).toBe(0);
    const log = JSON.parse(stderr.trim().split('\n').pop()!) as { msg: string; bytes: number };
    expect(log.msg).toBe('generated');
    expect(log.bytes).toBeLessThan(50_000_000); // stopped early: the whole project is ~2 GB
  });
});
