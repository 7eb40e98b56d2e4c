// YOLO / YOLO_OBB (+ *_WITH_IMAGES) unit cases from shared/spec/export-formats.md §5 YOLO, §6 and
// the conformance README (R3, R6, R8, F2, F3, F4). Conformance fixtures are checked separately.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pyFloat } from '../../../src/transforms/formats/py-float.js';
import { encodeYolo, encodeYoloObb, encodeYoloObbWithImages, encodeYoloWithImages } from '../../../src/transforms/formats/yolo.js';
import type { Task } from '../../../src/task.js';
import { CONFORMANCE } from '../../support/cli.js';
import { annotation, keypoint, polygon, RECT_CONFIG, rect, runEncoder, task } from './detection-support.js';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex').slice(0, 8);

function lines(text: string | undefined): string[][] {
  return (text ?? '').split('\n').filter((l) => l !== '').map((l) => l.split(' '));
}

describe('pyFloat (Python str of a float)', () => {
  it.each([
    [0, '0.0'],
    [1, '1.0'],
    [0.25, '0.25'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1.5e-7, '1.5e-07'],
    [1e16, '1e+16'],
    [123456789012345680, '1.2345678901234568e+17'],
    [1234.5, '1234.5'],
    [-0.5, '-0.5'],
  ])('%s → %s', (x, s) => expect(pyFloat(x)).toBe(s));
});

describe('YOLO', () => {
  it('writes centre/size lines in 0–1 units with Python float text and a final newline', async () => {
    const { files } = await runEncoder(encodeYolo, RECT_CONFIG, [
      task(1, 'http://host/pics/a.jpg', [annotation(1, [rect(10, 20, 30, 40, ['dog']), rect(0, 0, 100, 100, ['cat'])])]),
    ]);
    const name = `labels/${md5('http://host/pics/a.jpg')}__a.txt`;
    expect(files.get(name)).toBe('1 0.25 0.4 0.3 0.4\n0 0.5 0.5 1.0 1.0\n');
    expect(files.get('classes.txt')).toBe('cat\ndog\n');
    const notes = JSON.parse(files.get('notes.json') ?? '');
    expect(notes.categories).toEqual([
      { id: 0, name: 'cat' },
      { id: 1, name: 'dog' },
    ]);
    expect(notes.info).toMatchObject({ version: '1.0', contributor: 'Label Studio' });
  });

  it('names label files after the reference cache names (R6)', async () => {
    const { files } = await runEncoder(encodeYolo, RECT_CONFIG, [task(1, '/image1', []), task(2, 'test_image1.jpg', [])]);
    // md5 prefixes as in the reference outputs (yolo_data, coco_data).
    expect([...files.keys()]).toEqual(['labels/718f1d05__image1.txt', 'labels/235b37ac__test_image1.txt', 'classes.txt', 'notes.json']);
  });

  it('keeps the raw name for uploads without a host and for *_WITH_IMAGES (download failed)', async () => {
    const tasks = [task(1, '/data/upload/18/image1.jpg', []), task(2, 'http://h/x/remote%20name.jpg?x=1', [])];
    const plain = await runEncoder(encodeYolo, RECT_CONFIG, tasks);
    expect(plain.files.has('labels/image1.txt')).toBe(true);
    expect(plain.files.has(`labels/${md5('http://h/x/remote%20name.jpg?x=1')}__remote%20name.txt`)).toBe(true);
    const withImages = await runEncoder(encodeYoloWithImages, RECT_CONFIG, tasks);
    expect([...withImages.files.keys()].filter((p) => p.startsWith('labels/'))).toEqual(['labels/image1.txt', 'labels/remote%20name.txt']);
  });

  it('keeps the OLDEST annotation of a task (R3), and lets an empty one not erase it', async () => {
    const newer = annotation(2, [rect(10, 10, 10, 10, ['dog'])], { created_at: '2024-02-01T00:00:00Z' });
    const older = annotation(1, [rect(50, 50, 10, 10, ['cat'])], { created_at: '2024-01-01T00:00:00Z' });
    const { files } = await runEncoder(encodeYolo, RECT_CONFIG, [task(1, '/image1', [newer, older])]);
    expect(lines(files.get('labels/718f1d05__image1.txt'))).toEqual([['0', '0.55', '0.55', '0.1', '0.1']]);

    const olderEmpty = annotation(1, [], { created_at: '2024-01-01T00:00:00Z' });
    const second = await runEncoder(encodeYolo, RECT_CONFIG, [task(1, '/image1', [newer, olderEmpty])]);
    expect(lines(second.files.get('labels/718f1d05__image1.txt'))).toEqual([['1', '0.15', '0.15', '0.1', '0.1']]);
  });

  it('writes an empty file for a task without annotations and nothing for an all-cancelled task', async () => {
    const { files } = await runEncoder(encodeYolo, RECT_CONFIG, [
      task(1, '/image1', []),
      task(2, '/image2', [annotation(5, [rect(1, 1, 1, 1, ['cat'])], { was_cancelled: true })]),
      task(3, 'x.jpg', [annotation(6, [])]),
    ]);
    expect(files.get('labels/718f1d05__image1.txt')).toBe('');
    expect(files.has('labels/eee3b1dc__image2.txt')).toBe(false);
    expect(files.get(`labels/${md5('x.jpg')}__x.txt`)).toBe('');
  });

  it('writes one line per label of a multi-label region and polygons as points', async () => {
    const config = `<View><Image name="image" value="$image"/>
      <RectangleLabels name="label" toName="image"><Label value="cat"/><Label value="dog"/></RectangleLabels>
      <PolygonLabels name="poly" toName="image"><Label value="cat"/></PolygonLabels></View>`;
    const { files } = await runEncoder(encodeYolo, config, [
      task(1, 'a.png', [annotation(1, [rect(0, 0, 50, 50, ['cat', 'dog']), polygon([[10, 20], [30, 40], [50, 5]], ['cat'])])]),
    ]);
    expect(lines(files.get(`labels/${md5('a.png')}__a.txt`))).toEqual([
      ['0', '0.25', '0.25', '0.5', '0.5'],
      ['1', '0.25', '0.25', '0.5', '0.5'],
      ['0', '0.1', '0.2', '0.3', '0.4', '0.5', '0.05'],
    ]);
  });

  it('F2: replaces a rotated rectangle by the box around it, in pixels of a non-square image', async () => {
    // 200×100 image, box x=10% y=20% w=30% h=40% rotated 90° about its top-left corner:
    // pixels x=20 y=20 w=60 h=40 → corners (20,20) (20,80) (-20,80) (-20,20).
    const r = rect(10, 20, 30, 40, ['cat'], { rotation: 90, ow: 200, oh: 100 });
    const noSize = rect(10, 20, 30, 40, ['dog'], { rotation: 45 });
    const { files, stats } = await runEncoder(encodeYolo, RECT_CONFIG, [task(1, 'a.png', [annotation(1, [r, noSize])])]);
    const got = lines(files.get(`labels/${md5('a.png')}__a.txt`));
    expect(got).toHaveLength(1);
    expect(got[0][0]).toBe('0');
    const [xc, yc, w, h] = got[0].slice(1).map(Number);
    expect(xc).toBeCloseTo(0 / 200, 12);
    expect(yc).toBeCloseTo(50 / 100, 12);
    expect(w).toBeCloseTo(40 / 200, 12);
    expect(h).toBeCloseTo(60 / 100, 12);
    expect(Object.values(stats.skipped).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('YOLO_OBB writes the four corners normalised; rectangles without rotation key or size are skipped', async () => {
    const r = rect(10, 20, 30, 40, ['cat'], { rotation: 90, ow: 200, oh: 100 });
    const noRotation = rect(10, 20, 30, 40, ['dog'], { ow: 200, oh: 100 });
    const { files } = await runEncoder(encodeYoloObb, RECT_CONFIG, [task(1, 'a.png', [annotation(1, [r, noRotation])])]);
    const got = lines(files.get(`labels/${md5('a.png')}__a.txt`));
    expect(got).toHaveLength(1);
    const v = got[0].slice(1).map(Number);
    const want = [0.1, 0.2, 0.1, 0.8, -0.1, 0.8, -0.1, 0.2];
    v.forEach((x, i) => expect(x).toBeCloseTo(want[i], 12));
  });

  it('F3: classes.txt line i is class id i, with empty lines for unused ids (category attributes)', async () => {
    const config = `<View><Image name="image" value="$image"/>
      <RectangleLabels name="label" toName="image"><Label value="Cat" category="3"/><Label value="Apple"/><Label value="Bird"/></RectangleLabels></View>`;
    const { files } = await runEncoder(encodeYolo, config, [task(1, 'a.png', [annotation(1, [rect(0, 0, 10, 10, ['Cat'])])])]);
    expect(files.get('classes.txt')).toBe('Apple\nBird\n\nCat\n');
    expect(lines(files.get(`labels/${md5('a.png')}__a.txt`))[0][0]).toBe('3');
    // notes.json keeps the category-list order.
    expect(JSON.parse(files.get('notes.json') ?? '').categories.map((c: { name: string }) => c.name)).toEqual(['Cat', 'Apple', 'Bird']);
  });

  it('F4: a label outside the config gets the next free id, never one already taken', async () => {
    const config = `<View><Image name="image" value="$image"/>
      <RectangleLabels name="label" toName="image"><Label value="A" category="2"/><Label value="B"/></RectangleLabels></View>`;
    const { files } = await runEncoder(encodeYolo, config, [task(1, 'a.png', [annotation(1, [rect(0, 0, 10, 10, ['Z'])])])]);
    // len(categories) = 2 is A's id, so Z gets max + 1 = 3.
    expect(lines(files.get(`labels/${md5('a.png')}__a.txt`))[0][0]).toBe('3');
    expect(files.get('classes.txt')).toBe('B\n\nA\nZ\n');
  });

  it('R8: keypoint mode writes rectangles with their keypoints in model_index order and no final newline', async () => {
    const config = `<View><Image name="image" value="$image"/>
      <KeyPointLabels name="kp" toName="image"><Label value="nose" model_index="1"/><Label value="eye" model_index="0"/><Label value="ear" model_index="2"/></KeyPointLabels>
      <RectangleLabels name="label" toName="image"><Label value="person"/><Label value="car"/></RectangleLabels>
      <PolygonLabels name="poly" toName="image"><Label value="person"/></PolygonLabels></View>`;
    const person = rect(10, 20, 30, 40, ['person'], { id: 'R1' });
    const car = rect(0, 0, 10, 10, ['car'], { id: 'R2' });
    const res = await runEncoder(encodeYoloObb, config, [
      task(1, 'a.png', [
        annotation(1, [person, car, keypoint(12, 25, 'nose', { parentID: 'R1' }), keypoint(15, 30, 'eye', { parentID: 'R1' }), keypoint(1, 1, 'ear'), polygon([[1, 1], [2, 2], [3, 1]], ['person'])]),
      ]),
    ]);
    expect(res.files.get(`labels/${md5('a.png')}__a.txt`)).toBe(
      '0 0.25 0.4 0.3 0.4 0.15 0.3 2 0.12 0.25 2 0.0 0.0 0\n1 0.05 0.05 0.1 0.1 0.0 0.0 0 0.0 0.0 0 0.0 0.0 0',
    );
    expect(JSON.parse(res.files.get('notes.json') ?? '').categories).toEqual([
      { id: 0, name: 'person', keypoints: ['nose', 'eye', 'ear'] },
      { id: 1, name: 'car', keypoints: ['nose', 'eye', 'ear'] },
    ]);
  });

  it('sanitises hostile image names into one safe path segment', async () => {
    const { files } = await runEncoder(encodeYoloWithImages, RECT_CONFIG, [
      task(1, '../../etc/passwd', []),
      task(2, '/data/upload/1/..\\..\\evil.jpg', []),
      task(3, '..', []),
    ]);
    const labels = [...files.keys()].filter((p) => p.startsWith('labels/'));
    expect(labels).toEqual(['labels/passwd.txt', 'labels/.._.._evil.txt', 'labels/...txt']);
    for (const p of labels) expect(p.split('/').slice(1)).toHaveLength(1);
    const plain = await runEncoder(encodeYolo, RECT_CONFIG, [task(1, '../../etc/passwd', [])]);
    expect(plain.files.has(`labels/${md5('../../etc/passwd')}__passwd.txt`)).toBe(true);
  });

  it('handles non-ASCII names and labels; notes.json is ASCII-escaped', async () => {
    const config = `<View><Image name="image" value="$image"/>
      <RectangleLabels name="label" toName="image"><Label value="Größe"/><Label value="猫"/></RectangleLabels></View>`;
    const { files } = await runEncoder(encodeYolo, config, [task(1, 'http://h/日本.png', [annotation(1, [rect(0, 0, 10, 10, ['猫'])])])]);
    expect(files.has(`labels/${md5('http://h/日本.png')}__日本.txt`)).toBe(true);
    expect(files.get('classes.txt')).toBe('Größe\n猫\n');
    const notes = files.get('notes.json') ?? '';
    expect(notes).toMatch(/^[\x00-\x7f]*$/);
    expect(notes).toContain('Gr\\u00f6\\u00dfe');
    expect(JSON.parse(notes).categories[1].name).toBe('猫');
  });

  it('tries a list of images from the last one; *_WITH_IMAGES writes no label for a cloud image it could not fetch', async () => {
    const plain = await runEncoder(encodeYolo, RECT_CONFIG, [task(1, ['a.png', 'b.png'], [])]);
    expect(plain.files.has(`labels/${md5('b.png')}__b.txt`)).toBe(true);
    const cloud = await runEncoder(encodeYoloObbWithImages, RECT_CONFIG, [task(1, 's3://bucket/k/img.jpg', []), task(2, 'gs://b/x.png', [])]);
    expect([...cloud.files.keys()]).toEqual(['classes.txt', 'notes.json']);
    expect(Object.keys(cloud.stats.skipped)).toHaveLength(1);
    const cloudPlain = await runEncoder(encodeYolo, RECT_CONFIG, [task(1, 's3://bucket/k/img.jpg', [])]);
    expect(cloudPlain.files.has('labels/img.txt')).toBe(true);
  });

  it('skips a task whose data key is missing, counting it', async () => {
    const t = task(1, 'a.png', [annotation(1, [rect(0, 0, 1, 1, ['cat'])])]);
    t.data = { other: 'x' };
    const { files, stats } = await runEncoder(encodeYolo, RECT_CONFIG, [t]);
    expect([...files.keys()]).toEqual(['classes.txt', 'notes.json']);
    expect(Object.values(stats.skipped)).toEqual([1]);
  });

  it.each([
    ['yolo_data', 'YOLO'],
    ['yolo_data', 'YOLO_OBB'],
    ['coco_data', 'YOLO'],
    ['yolo_keypoints', 'YOLO'],
    ['yolo_polygons', 'YOLO_OBB'],
    ['doclang_data', 'YOLO'],
  ])('R1: %s %s is byte-identical to the reference apart from the year (R11)', async (fixture, format) => {
    const dir = join(CONFORMANCE, fixture);
    const tasks = JSON.parse(readFileSync(join(dir, 'input.json'), 'utf8')) as Task[];
    const { files } = await runEncoder(format === 'YOLO' ? encodeYolo : encodeYoloObb, readFileSync(join(dir, 'config.xml'), 'utf8'), tasks);
    const ref = join(dir, format);
    const expected = [
      ...readdirSync(join(ref, 'labels')).map((n) => `labels/${n}`),
      'classes.txt',
      'notes.json',
    ];
    expect([...files.keys()].sort()).toEqual(expected.sort());
    const yearless = (t: string) => t.replace(/"year": \d+/, '"year": Y');
    for (const path of expected) expect(yearless(files.get(path) ?? ''), path).toBe(yearless(readFileSync(join(ref, path), 'utf8')));
  });
});
