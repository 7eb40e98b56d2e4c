// The generator's format kinds (polygons, audio, brush, doclang) go through the formats they are made for
// with nothing skipped: every region of every non-cancelled annotation comes out.
import { pcmWav } from './support/wav.js';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ellipseSpans, encodeBrushRle } from '../src/generate-rle.js';
import { generateTasks, type GenerateKind, labelConfigFor } from '../src/generate.js';
import { decodeBrushMask, decodeRle } from '../src/transforms/formats/brush-rle.js';
import type { Annotation, Draft, Prediction, ResultRegion, Task } from '../src/task.js';
import { runCli, summaryOf } from './support/cli.js';
import { readZip } from './support/read-zip.js';

const TASKS = 300;

function project(kind: GenerateKind): { dir: string; input: string; config: string; tasks: Task[] } {
  const dir = mkdtempSync(join(tmpdir(), `ls-genfmt-${kind}-`));
  const tasks = [...generateTasks({ kind, tasks: TASKS, seed: 'formats' })];
  const input = join(dir, 'in.json');
  const config = join(dir, 'config.xml');
  writeFileSync(input, JSON.stringify(tasks));
  writeFileSync(config, labelConfigFor(kind));
  return { dir, input, config, tasks };
}

/** The annotations the converter exports per task, in its order: not cancelled, newest created first. */
function exportedAnnotations(t: Task): Annotation[] {
  return (t.annotations as Annotation[]).filter((a) => !a.was_cancelled).sort((a, b) => (a.created_at! < b.created_at! ? 1 : a.created_at! > b.created_at! ? -1 : 0));
}

/** Regions of the exported annotations, in the converter's order. */
function exportedRegions(tasks: Task[]): ResultRegion[] {
  return tasks.flatMap((t) => exportedAnnotations(t).flatMap((a) => a.result ?? []));
}

async function exportOk(args: string[]): Promise<Record<string, unknown>> {
  const r = await runCli(['export', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return summaryOf(r);
}

/** Skip reasons other than "this task/annotation has nothing to export". */
const realSkips = (summary: Record<string, unknown>) =>
  Object.keys(summary.skippedByFormat as object).filter((k) => !/no non-cancelled annotation|without annotation results|no transcript/.test(k));

describe('brush RLE encoder', () => {
  it('round-trips through the decoder: the painted pixels are the ellipses, all four channels', () => {
    const rows = ellipseSpans(64, 48, [
      [10, 10, 6, 4],
      [12, 11, 5, 5],
      [60, 45, 10, 10],
    ]);
    const rle = encodeBrushRle(64, 48, rows);
    const rgba = decodeRle(rle);
    expect(rgba.length).toBe(64 * 48 * 4);
    const mask = decodeBrushMask(rle, 64, 48);
    let painted = 0;
    for (let y = 0; y < 48; y++) {
      for (let x = 0; x < 64; x++) {
        const inside = (rows.get(y) ?? []).some(([s, e]) => x >= s && x < e);
        expect(mask[y * 64 + x]).toBe(inside ? 255 : 0);
        expect(rgba[(y * 64 + x) * 4]).toBe(inside ? 255 : 0);
        if (inside) painted++;
      }
    }
    expect(painted).toBeGreaterThan(100);
    // a whole empty 640×480 image needs runs longer than the 16-bit maximum: split, still exact
    expect(decodeBrushMask(encodeBrushRle(640, 480, new Map()), 640, 480).every((v) => v === 0)).toBe(true);
  });
});

describe('generated kinds through their formats', () => {
  it('polygons → COCO and YOLO: one annotation / label line per polygon', async () => {
    const p = project('polygons');
    const polygons = exportedRegions(p.tasks);
    expect(polygons.length).toBeGreaterThan(TASKS);
    expect(polygons.every((r) => r.type === 'polygonlabels')).toBe(true);
    const coco = await exportOk(['--from', p.input, '--to', join(p.dir, 'coco/'), '--format', 'COCO', '--label-config', p.config]);
    expect(realSkips(coco)).toEqual([]);
    const result = JSON.parse(readFileSync(join(p.dir, 'coco', 'result.json'), 'utf8')) as { annotations: Array<{ segmentation: number[][] }> };
    expect(result.annotations).toHaveLength(polygons.length);
    expect(result.annotations.every((a) => a.segmentation[0].length >= 6)).toBe(true);
    const yolo = await exportOk(['--from', p.input, '--to', join(p.dir, 'yolo/'), '--format', 'YOLO', '--label-config', p.config]);
    expect(realSkips(yolo)).toEqual([]);
    const labels = join(p.dir, 'yolo', 'labels');
    const lines = readdirSync(labels).flatMap((f) => readFileSync(join(labels, f), 'utf8').split('\n').filter(Boolean));
    // one label file per image: like the converter, a later item of the task (items go newest
    // first) overwrites it, so the file holds the oldest annotation's polygons
    const lastAnnotation = p.tasks.flatMap((t) => exportedAnnotations(t).slice(-1));
    expect(lines).toHaveLength(lastAnnotation.reduce((n, a) => n + (a.result ?? []).length, 0));
    expect(lines.every((l) => l.split(' ').length >= 7)).toBe(true); // class + at least 3 points
   }, 120_000);

  it('audio → ASR_MANIFEST: one line per transcript, audio from --upload-dir', async () => {
    const p = project('audio');
    // the generated audio URLs are /data/upload/<project>/<file>: put a 0.25 s WAV at each
    const upload = join(p.dir, 'upload');
    const wav = pcmWav({ rate: 16000, frames: 4000, bitsPerSample: 8, fill: 128 });
    for (const t of p.tasks) {
      const file = join(upload, (t.data.audio as string).replace('/data/upload/', ''));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, wav);
    }
    const transcripts = exportedRegions(p.tasks);
    expect(transcripts.every((r) => r.type === 'textarea')).toBe(true);
    const out = join(p.dir, 'asr/');
    const s = await exportOk(['--from', p.input, '--to', out, '--format', 'ASR_MANIFEST', '--label-config', p.config, '--upload-dir', upload, '--offline']);
    expect(realSkips(s)).toEqual([]);
    const lines = readFileSync(join(out, 'manifest.json'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { text: string; duration: number });
    expect(lines).toHaveLength(transcripts.length);
    expect(lines.map((l) => l.text)).toEqual(transcripts.map((r) => (r.value as { text: string[] }).text[0]));
    expect(lines.every((l) => l.duration === 0.25)).toBe(true);
   }, 120_000);

  it('brush → BRUSH_TO_PNG, BRUSH_TO_NUMPY, BRUSH_TO_COCO: every mask decodes to its 640×480 size', async () => {
    const p = project('brush');
    const masks = exportedRegions(p.tasks);
    expect(masks.every((r) => r.type === 'brushlabels' && r.original_width === 640 && r.original_height === 480)).toBe(true);
    const png = await exportOk(['--from', p.input, '--to', join(p.dir, 'png/'), '--format', 'BRUSH_TO_PNG', '--label-config', p.config]);
    expect(realSkips(png)).toEqual([]);
    const files = readdirSync(join(p.dir, 'png')).filter((f) => f.endsWith('.png'));
    expect(files).toHaveLength(masks.length);
    // the first task's first mask: the PNG's pixels are the decoded RLE
    const first = p.tasks.find((t) => (t.annotations as Annotation[]).some((a) => !a.was_cancelled && (a.result ?? []).length > 0))!;
    const ann = (first.annotations as Annotation[]).find((a) => !a.was_cancelled)!;
    const name = files.find((f) => f.startsWith(`task-${first.id}-annotation-${ann.id}-`))!;
    const image = PNG.sync.read(readFileSync(join(p.dir, 'png', name)));
    expect([image.width, image.height]).toEqual([640, 480]);
    const mask = decodeBrushMask((ann.result![0].value as { rle: number[] }).rle, 640, 480);
    let painted = 0;
    for (let i = 0; i < mask.length; i++) {
      expect(image.data[i * 4]).toBe(mask[i]);
      if (mask[i]) painted++;
    }
    expect(painted).toBeGreaterThan(500);
    const npy = await exportOk(['--from', p.input, '--to', join(p.dir, 'npy/'), '--format', 'BRUSH_TO_NUMPY', '--label-config', p.config]);
    expect(realSkips(npy)).toEqual([]);
    expect(readdirSync(join(p.dir, 'npy')).filter((f) => f.endsWith('.npy'))).toHaveLength(masks.length);
    const coco = await exportOk(['--from', p.input, '--to', join(p.dir, 'coco/'), '--format', 'BRUSH_TO_COCO', '--label-config', p.config]);
    expect(realSkips(coco)).toEqual([]);
    const result = JSON.parse(readFileSync(join(p.dir, 'coco', 'result_coco.json'), 'utf8')) as { annotations: unknown[] };
    // one COCO annotation per connected blob of a mask (one to three blobs each)
    expect(result.annotations.length).toBeGreaterThanOrEqual(masks.length);
    expect(result.annotations.length).toBeLessThanOrEqual(3 * masks.length);
  }, 120_000);

  it('doclang → DOCLANG (--offline): one archive per document, named by its source, document.xml as generated', async () => {
    const p = project('doclang');
    // The documents the generated shape carries (spec §5 DOCLANG): the TextArea text of each
    // non-cancelled annotation, of drafts not tied to an exported annotation, of predictions; a
    // task with none of these falls back to its data `document`.
    const expected = new Map<string, string>();
    const documentOf = (result: ResultRegion[] | undefined) => (result ?? []).find((r) => r.from_name === 'doclang')?.value as { text: string[] } | undefined;
    const sources = { annotation: 0, draft: 0, prediction: 0, data: 0, none: 0 };
    for (const t of p.tasks) {
      const names: Array<[string, string]> = [];
      const exported = new Set<number>();
      for (const a of t.annotations as Annotation[]) {
        const d = a.was_cancelled ? undefined : documentOf(a.result);
        if (d) {
          exported.add(a.id as number);
          names.push([`task-${t.id}-annotation-${a.id}.dclx`, d.text[0]]);
        }
      }
      for (const d of t.drafts as Draft[]) {
        const doc = documentOf(d.result);
        if (doc && !exported.has(d.annotation as number)) names.push([`task-${t.id}-draft-${d.id}.dclx`, doc.text[0]]);
      }
      for (const pr of t.predictions as Prediction[]) {
        const doc = documentOf(pr.result);
        if (doc) names.push([`task-${t.id}-prediction-${pr.id}.dclx`, doc.text[0]]);
      }
      if (names.length === 0 && typeof t.data.document === 'string') names.push([`task-${t.id}-data.dclx`, t.data.document]);
      if (names.length === 0) sources.none++;
      for (const [name, doc] of names) {
        sources[/^task-\d+-([a-z]+)/.exec(name)![1] as keyof typeof sources]++;
        expected.set(name, doc);
      }
    }
    // every case is present: documents of each source, and tasks without any
    for (const [what, n] of Object.entries(sources)) expect(n, what).toBeGreaterThan(0);
    const sizes = [...expected.values()].map((d) => Buffer.byteLength(d));
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    expect(mean).toBeGreaterThan(1800);
    expect(mean).toBeLessThan(2600);
    const out = join(p.dir, 'dclx/');
    const s = await exportOk(['--from', p.input, '--to', out, '--format', 'DOCLANG', '--label-config', p.config, '--offline']);
    expect(s.skippedByFormat).toEqual({ 'DOCLANG: task without a DocLang document': sources.none });
    expect(readdirSync(out).sort()).toEqual([...expected.keys()].sort());
    for (const [name, doc] of expected) {
      const members = readZip(readFileSync(join(out, name)));
      expect(members.map((m) => m.name)).toEqual(['[Content_Types].xml', '_rels/.rels', 'document.xml']);
      expect(members[2].data.toString('utf8')).toBe(doc);
    }
  }, 120_000);
});
