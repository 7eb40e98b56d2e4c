// BRUSH_TO_COCO: contours, polygons, rectangles, F1/F2/F7/F8 and the Python json text. Expected
// values are worked out by hand here, or come from test/fixtures/brush (written by OpenCV 4.6 /
// Python json, see make-fixtures.py) and are checked with shared/conformance/compare.mjs.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeBrushCoco } from '../../../src/transforms/formats/brush-coco.js';
import { boundingRect, contourArea, externalContours, FramedImage, framedContours } from '../../../src/transforms/formats/brush-contours.js';
import { decodeBrushAlphaInto } from '../../../src/transforms/formats/brush-rle.js';
import { referenceContours } from './contours-reference.js';
import { runCli, summaryOf } from '../../support/cli.js';
import { brushResult, compare, context, encode, encodeRle, randomMask, rgbaOf, rng, tempDir } from './brush-support.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/brush/', import.meta.url));
const tmp = tempDir('labelstream-brush-coco-');
afterAll(() => tmp.cleanup());

/** A width×height mask with the given rectangles (x0, y0, x1, y1 inclusive) set to `v` (0 clears). */
function maskWith(width: number, height: number, rects: Array<[number, number, number, number, number?]>): Uint8Array {
  const m = new Uint8Array(width * height);
  for (const [x0, y0, x1, y1, v = 255] of rects) for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) m[y * width + x] = v;
  return m;
}

interface Coco {
  images: Array<Record<string, unknown>>;
  annotations: Array<Record<string, unknown> & { image_id: number; bbox: number[]; segmentation: number[][]; area: number }>;
  categories: Array<Record<string, unknown>>;
  info: Record<string, unknown>;
}

async function run(tasks: unknown[], ctx = context(tmp.dir)): Promise<{ text: string; coco: Coco; ctx: typeof ctx }> {
  const files = await encode(encodeBrushCoco, tasks, ctx);
  expect(files.map((f) => f.path)).toEqual(['result_coco.json']);
  const text = files[0].bytes.toString('utf8');
  return { text, coco: JSON.parse(text) as Coco, ctx };
}

function ann(id: number, completedBy: unknown, result: unknown[], created = `2024-01-0${id % 9}T00:00:00Z`) {
  return { id, completed_by: completedBy, created_at: created, result };
}

describe('outer contours (OpenCV RETR_EXTERNAL + CHAIN_APPROX_SIMPLE)', () => {
  it('a 10×8 block: four corners from the top-left going down, bbox 10×8, area 63', () => {
    const m = maskWith(12, 10, [[1, 1, 10, 8]]);
    const [c] = externalContours(m, 12, 10);
    expect(c).toEqual([1, 1, 1, 8, 10, 8, 10, 1]);
    expect(boundingRect(c)).toEqual([1, 1, 10, 8]);
    expect(contourArea(c)).toBe(63);
  });

  it('ignores holes and components inside holes; lists the last-found contour first', () => {
    const m = maskWith(12, 12, [
      [0, 0, 2, 1], // found first (top row)
      [3, 3, 11, 11], // a ring …
      [4, 4, 10, 10, 0], // … with a hole …
      [6, 6, 8, 8], // … holding an island (not external)
    ]);
    const cs = externalContours(m, 12, 12);
    expect(cs).toEqual([
      [3, 3, 3, 11, 11, 11, 11, 3],
      [0, 0, 0, 1, 2, 1, 2, 0],
    ]);
  });

  it('a single pixel and a diagonal line', () => {
    expect(externalContours(maskWith(3, 3, [[1, 1, 1, 1]]), 3, 3)).toEqual([[1, 1]]);
    const diag = new Uint8Array(16);
    for (let i = 0; i < 4; i++) diag[i * 4 + i] = 1;
    expect(externalContours(diag, 4, 4)).toEqual([[0, 0, 3, 3]]);
  });

  it('equals the plain per-pixel tracer on random masks, also decoded straight into a reused framed image', () => {
    // sizes and bands of rows and columns chosen so that a large image leaves marks a smaller one must not see
    const cases: Array<[number, number, number]> = [
      [640, 480, 1],
      [33, 17, 2],
      [5, 3, 3],
      [101, 60, 4],
      [1, 9, 5],
      [64, 64, 6],
    ];
    for (const [w, h, seed] of cases) {
      const r = rng(seed);
      const mask = randomMask(w, h, seed);
      const top = Math.floor(r() * h);
      const bottom = top + Math.floor(r() * (h - top));
      const left = Math.floor(r() * w);
      const right = left + Math.floor(r() * (w - left));
      for (let y = 0; y < h; y++) {
        if (y < top || y > bottom) mask.fill(0, y * w, (y + 1) * w);
        mask.fill(0, y * w, y * w + left);
        mask.fill(0, y * w + right + 1, (y + 1) * w);
      }
      const expected = referenceContours(mask, w, h);
      expect(externalContours(mask, w, h)).toEqual(expected);
      const framed = new FramedImage(w, h);
      const written = decodeBrushAlphaInto(encodeRle(rgbaOf(mask)), w, h, () => ({ dest: framed.img, offset: framed.origin, pitch: framed.pitch, binary: true }));
      framed.onlyPixels(written.lo, written.hi, written.minX, written.maxX);
      expect(framedContours(framed)).toEqual(expected);
    }
  });
});

describe('BRUSH_TO_COCO', () => {
  const block = maskWith(12, 10, [[1, 1, 10, 8]]);
  const dot = maskWith(12, 10, [[5, 5, 5, 5]]);

  it('writes Python json.dumps(indent=2) text, also when empty', async () => {
    const { text } = await run([]);
    expect(text).toMatch(
      /^\{\n {2}"images": \[\],\n {2}"annotations": \[\],\n {2}"categories": \[\],\n {2}"info": \{\n {4}"year": \d{4},\n {4}"version": "1\.0",\n {4}"description": "Converted from Label Studio",\n {4}"contributor": "Label Studio Converter",\n {4}"date_created": "\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?"\n {2}\}\n\}$/,
    );
  });

  it('one annotation per outer contour and label, with bbox and area as OpenCV gives them', async () => {
    const two = maskWith(12, 10, [
      [0, 0, 2, 1],
      [5, 5, 9, 8],
    ]);
    const { coco, text } = await run([
      { id: 1, data: { text: 'x', image: '/data/upload/1/p.png' }, annotations: [ann(1, { id: 2, email: 'ann@ex.com' }, [brushResult(two, 12, 10, { brushlabels: ['Car', 'Dog'] })])] },
    ]);
    expect(coco.images).toEqual([{ id: 0, file_name: 'p.png', path: '/data/upload/1/p.png', width: 12, height: 10 }]);
    expect(coco.annotations).toEqual([
      { id: 0, image_id: 0, category_id: 1, segmentation: [[5, 5, 5, 8, 9, 8, 9, 5]], area: 12, bbox: [5, 5, 5, 4], iscrowd: 0, annotator: 'ann@ex.com' },
      { id: 1, image_id: 0, category_id: 1, segmentation: [[0, 0, 0, 1, 2, 1, 2, 0]], area: 2, bbox: [0, 0, 3, 2], iscrowd: 0, annotator: 'ann@ex.com' },
      { id: 2, image_id: 0, category_id: 2, segmentation: [[5, 5, 5, 8, 9, 8, 9, 5]], area: 12, bbox: [5, 5, 5, 4], iscrowd: 0, annotator: 'ann@ex.com' },
      { id: 3, image_id: 0, category_id: 2, segmentation: [[0, 0, 0, 1, 2, 1, 2, 0]], area: 2, bbox: [0, 0, 3, 2], iscrowd: 0, annotator: 'ann@ex.com' },
    ]);
    expect(coco.categories.map((c) => [c.id, c.name, c.supercategory, c.metadata])).toEqual([
      [1, 'Car', '', {}],
      [2, 'Dog', '', {}],
    ]);
    for (const c of coco.categories) expect(c.color).toMatch(/^#[0-9a-f]{6}$/);
    expect(text).toContain('"segmentation": [\n        [\n          5,\n          5,');
  });

  it('F1: one image entry per task; later annotations of the task point at it', async () => {
    const { coco } = await run([
      {
        id: 1,
        data: { image: 'a.jpg' },
        annotations: [
          ann(1, 3, [brushResult(block, 12, 10, { brushlabels: ['Car'] })], '2024-01-01'),
          ann(2, 4, [brushResult(dot, 12, 10, { brushlabels: ['Car'] })], '2024-01-03'), // newest, no usable contour
          ann(3, 5, [brushResult(block, 12, 10, { brushlabels: ['Dog'] })], '2024-01-02'),
        ],
      },
      { id: 2, data: { image: 'b.jpeg' }, annotations: [ann(4, 3, [brushResult(block, 12, 10, { brushlabels: ['Car'] })])] },
    ]);
    // items: task 1 → annotations 2 (index 0, no image), 3 (index 1, makes the image), 1 (index 2); task 2 → index 3
    expect(coco.images.map((i) => [i.id, i.file_name])).toEqual([
      [1, 'a.jpg'],
      [3, 'b.jpeg'],
    ]);
    expect(coco.annotations.map((a) => [a.id, a.image_id, a.annotator])).toEqual([
      [0, 1, '5'],
      [1, 1, '3'],
      [2, 3, '3'],
    ]);
  });

  it('polygons: half-even rounding to pixels, boundingRect (+1) and int(contourArea)', async () => {
    const poly = { type: 'polygonlabels', from_name: 'poly', to_name: 'image', original_width: 33, original_height: 17, value: { points: [[50, 50], [10, 10], [90, 10]], polygonlabels: ['Lane'] } };
    const { coco } = await run([{ id: 1, data: { image: 'c.png' }, annotations: [ann(1, 3, [poly])] }]);
    expect(coco.annotations).toEqual([{ id: 0, image_id: 0, category_id: 1, segmentation: [[16, 8, 3, 2, 30, 2]], area: 81, bbox: [3, 2, 28, 7], iscrowd: 0, annotator: '3' }]);
  });

  it('rectangles: float pixel boxes; F2: a rotated one gets the box around its corners in pixels', async () => {
    const rect = (rotation: number) => ({
      type: 'rectanglelabels',
      from_name: 'box',
      to_name: 'image',
      original_width: 100,
      original_height: 50,
      value: { x: 10, y: 20, width: 30, height: 40, rotation, rectanglelabels: ['Sign'] },
    });
    const { coco, text } = await run([{ id: 1, data: { image: 'd.png' }, annotations: [ann(1, 3, [rect(0), rect(90)])] }]);
    expect(coco.annotations[0]).toMatchObject({ segmentation: [], bbox: [10, 10, 30, 20], area: 600 });
    expect(text).toContain('"area": 600.0');
    expect(text).toContain('"bbox": [\n        10.0,\n        10.0,\n        30.0,\n        20.0\n      ]');
    // corners (10,10) (10,40) (-10,40) (-10,10): box x -10, y 10, w 20, h 30
    const [x, y, w, h] = coco.annotations[1].bbox;
    expect([x, y, w, h].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([-10, 10, 20, 30]);
    expect(coco.annotations[1].area).toBeCloseTo(600, 9);
  });

  it('F8: a null completed_by is "unknown", like a user without email; ints become strings', async () => {
    const r = (cb: unknown, id: number) => ({ id, data: { image: `${id}.png` }, annotations: [ann(id, cb, [brushResult(block, 12, 10, { brushlabels: ['Car'] })])] });
    const { coco } = await run([r(null, 1), r({ id: 7 }, 2), r(42, 3)]);
    expect(coco.annotations.map((a) => a.annotator)).toEqual(['unknown', 'unknown', '42']);
  });

  it('F7: a brush region whose RLE does not match its size is skipped and counted; the rest stays', async () => {
    const bad = brushResult(block, 12, 10, { brushlabels: ['Bad'] }, { original_width: 11 });
    const { coco, ctx } = await run([
      { id: 1, data: { image: 'e.png' }, annotations: [ann(1, 3, [bad, brushResult(block, 12, 10, { brushlabels: ['Car'] })])] },
      { id: 2, data: { audio: 'x.mp3' }, annotations: [ann(2, 3, [brushResult(block, 12, 10, { brushlabels: ['Car'] })])] },
      { id: 3, data: { image: 'f.png' }, annotations: [] },
    ]);
    expect(coco.images).toEqual([{ id: 0, file_name: 'e.png', path: 'e.png', width: 11, height: 10 }]); // size of the first region, as the converter
    expect(coco.annotations.map((a) => a.category_id)).toEqual([2]);
    expect(coco.categories.map((c) => c.name)).toEqual(['Bad', 'Car']);
    expect(ctx.stats.skipped).toEqual({
      'brush RLE does not match its size': 1,
      'BRUSH_TO_COCO item without an image path in its data': 1,
      'BRUSH_TO_COCO item without annotation results': 1,
    });
  });

  it('streams many tasks through the spool into one valid document', async () => {
    const tasks = Array.from({ length: 3000 }, (_, i) => ({
      id: i + 1,
      data: { image: `img/${i}.png` },
      annotations: [ann(i + 1, i, [brushResult(i % 2 ? block : dot, 12, 10, { brushlabels: [`L${i % 3}`] })])],
    }));
    const { coco } = await run(tasks);
    expect(coco.images.length).toBe(1500);
    expect(coco.annotations.length).toBe(1500);
    expect(coco.annotations.every((a, k) => a.id === k && a.image_id === 2 * k + 1)).toBe(true);
    // categories come from every labelled region, also those that give no annotation (the dots)
    expect(coco.categories.map((c) => c.name)).toEqual(['L0', 'L1', 'L2']);
  });
});

describe('CLI on test/fixtures/brush (expected result written by OpenCV 4.6 + Python json)', () => {
  it('BRUSH_TO_COCO equals the fixture (compare.mjs), byte for byte apart from colours and date', async () => {
    const out = join(tmp.dir, 'cli-coco');
    const r = await runCli(['export', '--from', join(FIXTURES, 'input.json'), '--label-config', join(FIXTURES, 'config.xml'), '--format', 'BRUSH_TO_COCO', '--to', `${out}/`]);
    expect(r.code, r.stderr).toBe(0);
    const c = compare('BRUSH_TO_COCO', join(FIXTURES, 'BRUSH_TO_COCO'), out);
    expect(c.code, c.output).toBe(0);
    expect(summaryOf(r).skippedByFormat).toEqual({ 'brush RLE does not match its size': 1, 'BRUSH_TO_COCO item without annotation results': 1 });
    const { readFileSync } = await import('node:fs');
    const norm = (s: string) => s.replace(/"#[0-9a-f]{6}"/g, '"#"').replace(/"(year|date_created)": [^\n]*/g, '"$1"');
    expect(norm(readFileSync(join(out, 'result_coco.json'), 'utf8'))).toBe(norm(readFileSync(join(FIXTURES, 'BRUSH_TO_COCO', 'result_coco.json'), 'utf8')));
  });
});
