// COCO / COCO_WITH_IMAGES unit cases from shared/spec/export-formats.md §5 COCO, §6 and the
// conformance README (R4, R6, R7, F1, F2, F4). Conformance fixtures are checked separately.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLabelConfig } from '../../../src/label-config.js';
import { cocoCategories, configCategories } from '../../../src/transforms/formats/categories.js';
import { encodeCoco, encodeCocoWithImages } from '../../../src/transforms/formats/coco.js';
import type { Task } from '../../../src/task.js';
import { CONFORMANCE } from '../../support/cli.js';
import { annotation, keypoint, polygon, RECT_CONFIG, rect, runEncoder, task } from './detection-support.js';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex').slice(0, 8);

interface Coco {
  images: Array<{ id: number; file_name: string; width: number | null; height: number | null }>;
  categories: Array<{ id: number; name: string; keypoints?: string[] }>;
  annotations: Array<Record<string, unknown> & { id: number; image_id: number; category_id: number; bbox: number[] }>;
  info: Record<string, unknown>;
}

async function coco(tasks: Task[], config = RECT_CONFIG, encoder = encodeCoco) {
  const run = await runEncoder(encoder, config, tasks);
  expect([...run.files.keys()]).toEqual(['result.json']);
  const text = run.files.get('result.json') ?? '';
  return { text, json: JSON.parse(text) as Coco, stats: run.stats };
}

describe('COCO categories (R4)', () => {
  it('explicit category ids first, the rest sorted by code point into the smallest free ids', () => {
    const config = parseLabelConfig(`<View><Image name="image" value="$image"/>
      <RectangleLabels name="r" toName="image"><Label value="Zebra"/><Label value="Cat" category="5"/><Label value="Apple"/><Label value="good"/></RectangleLabels>
      <Choices name="c" toName="image"><Choice value="bad"/><Choice value="Dog"/><Choice value="Bird"/></Choices></View>`);
    const ids = Object.fromEntries(configCategories(config).list.map((c) => [c.name, c.id]));
    expect(ids).toEqual({ Cat: 5, Apple: 0, Bird: 1, Dog: 2, Zebra: 3, bad: 4, good: 6 });
  });

  it('replaces keypoint labels by one "default" category with max id + 1', () => {
    const config = parseLabelConfig(`<View><Image name="image" value="$image"/>
      <RectangleLabels name="r" toName="image"><Label value="rect"/></RectangleLabels>
      <KeyPointLabels name="kp" toName="image"><Label value="a" model_index="0"/><Label value="b" model_index="1"/></KeyPointLabels></View>`);
    expect(cocoCategories(config).list).toEqual([
      { id: 2, name: 'rect' },
      { id: 3, name: 'default', supercategory: 'default', keypoints: ['a', 'b'], skeleton: [] },
    ]);
  });
});

describe('COCO', () => {
  it('scales rectangles by the region size and polygons by the image size, ujson-style text', async () => {
    const config = `<View><Image name="image" value="$image"/>
      <RectangleLabels name="label" toName="image"><Label value="cat"/></RectangleLabels>
      <PolygonLabels name="poly" toName="image"><Label value="zone"/></PolygonLabels></View>`;
    const { json, text } = await coco(
      [task(1, 'http://h/a/b.jpg', [annotation(1, [rect(10, 20, 30, 40, ['cat'], { ow: 200, oh: 100 }), polygon([[0, 0], [50, 0], [50, 50]], ['zone'])])])],
      config,
    );
    expect(json.images).toEqual([{ width: 200, height: 100, id: 0, file_name: `images/${md5('http://h/a/b.jpg')}__b.jpg` }]);
    expect(text).toContain('"file_name": "images\\/');
    expect(json.categories).toEqual([
      { id: 0, name: 'cat' },
      { id: 1, name: 'zone' },
    ]);
    expect(json.annotations).toEqual([
      { id: 0, image_id: 0, category_id: 0, segmentation: [], bbox: [20, 20, 60, 40], ignore: 0, iscrowd: 0, area: 2400 },
      { id: 1, image_id: 0, category_id: 1, segmentation: [[0, 0, 100, 0, 100, 50]], bbox: [0, 0, 100, 50], ignore: 0, iscrowd: 0, area: 2500 },
    ]);
    expect(Object.keys(json)).toEqual(['images', 'categories', 'annotations', 'info']);
    expect(json.info).toMatchObject({ version: '1.0', description: '', contributor: 'Label Studio', url: '' });
    expect(String(json.info.date_created)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/);
  });

  it('F1: one image entry per task; every annotation of the task points at it', async () => {
    const a2 = annotation(2, [rect(0, 0, 10, 10, ['dog'], { ow: 100, oh: 100 })], { created_at: '2024-02-01T00:00:00Z' });
    const a1 = annotation(1, [rect(50, 50, 10, 10, ['cat'], { ow: 100, oh: 100 })], { created_at: '2024-01-01T00:00:00Z' });
    const { json } = await coco([task(1, '/image1', [a1, a2]), task(2, '/image2', [annotation(3, [rect(1, 1, 1, 1, ['cat'], { ow: 100, oh: 100 })])])]);
    expect(json.images.map((i) => [i.id, i.file_name])).toEqual([
      [0, 'images/718f1d05__image1'],
      [1, 'images/eee3b1dc__image2'],
    ]);
    // newest annotation first (R2), ids global and unchanged
    expect(json.annotations.map((a) => [a.id, a.image_id, a.category_id])).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [2, 1, 0],
    ]);
  });

  it('R7: no annotations → image with null size; regions without size → no image at all; all cancelled → nothing', async () => {
    const { json, stats } = await coco([
      task(1, 'a.png', []),
      task(2, 'b.png', [annotation(2, [rect(1, 1, 1, 1, ['cat'])])]),
      task(3, 'c.png', [annotation(3, [rect(1, 1, 1, 1, ['cat'], { ow: 10, oh: 10 })], { was_cancelled: true })]),
      task(4, 'd.png', [annotation(4, [])]),
    ]);
    expect(json.images).toEqual([
      { width: null, height: null, id: 0, file_name: `images/${md5('a.png')}__a.png` },
      { width: null, height: null, id: 1, file_name: `images/${md5('d.png')}__d.png` },
    ]);
    expect(json.annotations).toEqual([]);
    expect(Object.values(stats.skipped).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('F2: a rotated rectangle becomes the box around it in pixels (non-square image)', async () => {
    const { json } = await coco([task(1, 'a.png', [annotation(1, [rect(10, 20, 30, 40, ['cat'], { rotation: 90, ow: 200, oh: 100 })])])]);
    const [x, y, w, h] = json.annotations[0].bbox;
    expect(x).toBeCloseTo(-20, 9);
    expect(y).toBeCloseTo(20, 9);
    expect(w).toBeCloseTo(40, 9);
    expect(h).toBeCloseTo(60, 9);
    expect(json.annotations[0].area as number).toBeCloseTo(2400, 9);
  });

  it('keypoints: one annotation per item, model_index order, Python round-half-even, default category', async () => {
    const config = `<View><Image name="image" value="$image"/>
      <RectangleLabels name="label" toName="image"><Label value="person"/></RectangleLabels>
      <KeyPointLabels name="kp" toName="image"><Label value="nose" model_index="1"/><Label value="eye" model_index="0"/><Label value="ear" model_index="2"/></KeyPointLabels></View>`;
    // 100 px wide: 2.5% → 2.5 px → 2; 3.5% → 3.5 px → 4 (half to even)
    const { json } = await coco(
      [task(1, 'a.png', [annotation(1, [keypoint(2.5, 10, 'nose', { ow: 100, oh: 100 }), rect(0, 0, 10, 10, ['person'], { ow: 100, oh: 100 }), keypoint(3.5, 20, 'eye', { ow: 100, oh: 100 })])])],
      config,
    );
    expect(json.categories.map((c) => [c.id, c.name])).toEqual([
      [3, 'person'], // ear, eye, nose, person sorted → 0…3, keypoint labels removed (R4)
      [4, 'default'],
    ]);
    expect(json.annotations.map((a) => a.id)).toEqual([0, 1]);
    expect(json.annotations[1]).toEqual({ id: 1, image_id: 0, category_id: 4, keypoints: [4, 20, 2, 2, 10, 2, 0, 0, 0], num_keypoints: 2, bbox: [2, 10, 2, 10], iscrowd: 0 });
  });

  it('F4: labels outside the config get a free id', async () => {
    const config = `<View><Image name="image" value="$image"/>
      <RectangleLabels name="label" toName="image"><Label value="A" category="1"/><Label value="B"/></RectangleLabels></View>`;
    const { json } = await coco([task(1, 'a.png', [annotation(1, [rect(0, 0, 1, 1, ['Y'], { ow: 10, oh: 10 }), rect(0, 0, 1, 1, ['Z'], { ow: 10, oh: 10 })])])], config);
    expect(json.categories.map((c) => [c.id, c.name])).toEqual([
      [1, 'A'],
      [0, 'B'],
      [2, 'Y'],
      [3, 'Z'],
    ]);
  });

  it('is ASCII-escaped and keeps non-ASCII names intact', async () => {
    const config = `<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image"><Label value="Größe"/></RectangleLabels></View>`;
    const { json, text } = await coco([task(1, 'http://h/日本.png', [annotation(1, [rect(0, 0, 1, 1, ['Größe'], { ow: 10, oh: 10 })])])], config);
    expect(text).toMatch(/^[\x00-\x7f]*$/);
    expect(json.categories[0].name).toBe('Größe');
    expect(json.images[0].file_name).toBe(`images/${md5('http://h/日本.png')}__日本.png`);
  });

  it('COCO_WITH_IMAGES keeps the raw value as file_name (download failed, R6); hostile paths are just text', async () => {
    const { json } = await coco([task(1, '../../etc/passwd', []), task(2, '/data/upload/3/x.png', [])], RECT_CONFIG, encodeCocoWithImages);
    expect(json.images.map((i) => i.file_name)).toEqual(['../../etc/passwd', '/data/upload/3/x.png']);
  });

  it('streams many tasks through the spool files and stays valid JSON (batches of 2)', async () => {
    const tasks = Array.from({ length: 1500 }, (_, i) => task(i + 1, `img${i}.png`, [annotation(i + 1, [rect(1, 1, 1, 1, [i % 2 ? 'cat' : 'dog'], { ow: 10, oh: 10 })])]));
    const { json } = await coco(tasks);
    expect(json.images).toHaveLength(1500);
    expect(json.annotations).toHaveLength(1500);
    expect(json.annotations[1499]).toMatchObject({ id: 1499, image_id: 1499, category_id: 0 });
    expect(json.images[1499].file_name).toBe(`images/${md5('img1499.png')}__img1499.png`);
  });

  it.each(['coco_data', 'yolo_polygons', 'yolo_keypoints', 'json_min_data'])(
    'R1: %s result.json is byte-identical to the reference apart from the clock-dependent info (R11)',
    async (fixture) => {
      const dir = join(CONFORMANCE, fixture);
      const tasks = JSON.parse(readFileSync(join(dir, 'input.json'), 'utf8')) as Task[];
      const { text } = await coco(tasks, readFileSync(join(dir, 'config.xml'), 'utf8'));
      const expected = readFileSync(join(dir, 'COCO', 'result.json'), 'utf8');
      const clockless = (t: string) => t.replace(/"year": \d+/, '"year": Y').replace(/"date_created": "[^"]*"/, '"date_created": D');
      expect(clockless(text)).toBe(clockless(expected));
    },
  );

  it('writes Python float text for computed coordinates (384.0, 1e-5)', async () => {
    const { text } = await coco([task(1, 'a.png', [annotation(1, [rect(50, 0.001, 25, 0.001, ['cat'], { ow: 200, oh: 1 })])])]);
    expect(text).toContain('"bbox": [\n        100.0,\n        1e-5,\n        50.0,\n        1e-5\n      ]');
  });

  it('an empty export is still a complete document', async () => {
    const { json, text } = await coco([]);
    expect(json.images).toEqual([]);
    expect(json.annotations).toEqual([]);
    expect(text.startsWith('{\n  "images": [],\n  "categories": [\n    {\n      "id": 0,')).toBe(true);
  });
});
