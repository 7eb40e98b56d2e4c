// Pascal VOC unit cases from shared/spec/export-formats.md §5 VOC, §6 and the conformance README
// (R1, R3, R7, F2, F8), plus the format refusals of formatSupport (§3, F6).

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSupport, parseLabelConfig } from '../../../src/label-config.js';
import type { Task } from '../../../src/task.js';
import { encodeVoc } from '../../../src/transforms/formats/voc.js';
import { CONFORMANCE } from '../../support/cli.js';
import { annotation, RECT_CONFIG, rect, runEncoder, task } from './detection-support.js';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex').slice(0, 8);

const bndboxes = (xml: string | undefined) =>
  [...(xml ?? '').matchAll(/<xmin>(\d+|-\d+)<\/xmin>\n<ymin>(-?\d+)<\/ymin>\n<xmax>(-?\d+)<\/xmax>\n<ymax>(-?\d+)<\/ymax>/g)].map((m) => m.slice(1).map(Number));

describe('VOC', () => {
  it('writes minidom-style XML with truncated pixel boxes', async () => {
    const { files } = await runEncoder(encodeVoc, RECT_CONFIG, [
      task(1, 'http://h/p/photo.jpg', [annotation(1, [rect(10.99, 20.5, 30.3, 40.7, ['dog'], { ow: 100, oh: 50 })], { completed_by: { id: 3, email: 'a@b.c' } })]),
    ]);
    const name = `Annotations/${md5('http://h/p/photo.jpg')}__photo.xml`;
    expect([...files.keys()]).toEqual([name]);
    expect(files.get(name)).toBe(
      [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<annotation>',
        '<folder>images</folder>',
        `<filename>${md5('http://h/p/photo.jpg')}__photo.jpg</filename>`,
        '<source>',
        '<database>MyDatabase</database>',
        '<annotation>COCO2017</annotation>',
        '<image>flickr</image>',
        '<flickrid>NULL</flickrid>',
        '<annotator>a@b.c</annotator>',
        '</source>',
        '<owner>',
        '<flickrid>NULL</flickrid>',
        '<name>Label Studio</name>',
        '</owner>',
        '<size>',
        '<width>100</width>',
        '<height>50</height>',
        '<depth>3</depth>',
        '</size>',
        '<segmented>0</segmented>',
        '<object>',
        '<name>dog</name>',
        '<pose>Unspecified</pose>',
        '<truncated>0</truncated>',
        '<difficult>0</difficult>',
        '<bndbox>',
        // xmin int(10.99) = 10, ymin int(10.25) = 10, xmax 10 + int(30.3), ymax 10 + int(20.35)
        '<xmin>10</xmin>',
        '<ymin>10</ymin>',
        '<xmax>40</xmax>',
        '<ymax>30</ymax>',
        '</bndbox>',
        '</object>',
        '</annotation>',
        '',
      ].join('\n'),
    );
  });

  it('escapes text and writes the annotator as id string, email, or empty for a deleted user (F8)', async () => {
    const config = `<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image"><Label value="a&amp;b &lt;c&gt; &quot;d&quot;"/></RectangleLabels></View>`;
    const r = rect(0, 0, 10, 10, ['a&b <c> "d"'], { ow: 10, oh: 10 });
    const { files } = await runEncoder(encodeVoc, config, [
      task(1, 'a.png', [annotation(1, [r], { completed_by: null })]),
      task(2, 'b.png', [annotation(2, [r], { completed_by: 7 })]),
    ]);
    const a = files.get(`Annotations/${md5('a.png')}__a.xml`) ?? '';
    expect(a).toContain('<annotator></annotator>');
    expect(a).toContain('<name>a&amp;b &lt;c&gt; &quot;d&quot;</name>');
    expect(files.get(`Annotations/${md5('b.png')}__b.xml`)).toContain('<annotator>7</annotator>');
  });

  it('keeps the oldest annotation of a task (R3)', async () => {
    const newer = annotation(2, [rect(10, 10, 10, 10, ['dog'], { ow: 100, oh: 100 })], { created_at: '2024-02-01T00:00:00Z' });
    const older = annotation(1, [rect(50, 50, 10, 10, ['cat'], { ow: 100, oh: 100 })], { created_at: '2024-01-01T00:00:00Z' });
    const { files } = await runEncoder(encodeVoc, RECT_CONFIG, [task(1, '/image1', [newer, older])]);
    const xml = files.get('Annotations/718f1d05__image1.xml');
    expect(xml).toContain('<name>cat</name>');
    expect(xml).not.toContain('<name>dog</name>');
  });

  it('skips items whose first region has no size, tasks without annotations and cancelled ones (R7)', async () => {
    const { files, stats } = await runEncoder(encodeVoc, RECT_CONFIG, [
      task(1, 'a.png', [annotation(1, [rect(1, 1, 1, 1, ['cat']), rect(1, 1, 1, 1, ['dog'], { ow: 10, oh: 10 })])]),
      task(2, 'b.png', []),
      task(3, 'c.png', [annotation(3, [rect(1, 1, 1, 1, ['cat'], { ow: 10, oh: 10 })], { was_cancelled: true })]),
      task(4, 'd.png', [annotation(4, [])]),
    ]);
    expect([...files.keys()]).toEqual([]);
    expect(Object.values(stats.skipped).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('F2: the box around a rotated rectangle, with the size of the first region', async () => {
    const { files } = await runEncoder(encodeVoc, RECT_CONFIG, [
      task(1, 'a.png', [annotation(1, [rect(10, 20, 30, 40, ['cat'], { rotation: 90, ow: 200, oh: 100 }), rect(50, 50, 10, 10, ['dog'], { rotation: 0 })])]),
    ]);
    // corners (20,20) (20,80) (-20,80) (-20,20): xmin -20, ymin 20, width 40, height 60 (cos 90° ≈ 6e-17 keeps int() exact here)
    expect(bndboxes(files.get(`Annotations/${md5('a.png')}__a.xml`))).toEqual([
      [-20, 20, 20, 80],
      [100, 50, 120, 60],
    ]);
  });

  it('names files from hostile image values as one safe segment', async () => {
    const r = rect(0, 0, 10, 10, ['cat'], { ow: 10, oh: 10 });
    const { files } = await runEncoder(encodeVoc, RECT_CONFIG, [task(1, '../../etc/passwd', [annotation(1, [r])]), task(2, '/data/upload/1/..\\evil.png', [annotation(2, [r])])]);
    expect([...files.keys()]).toEqual([`Annotations/${md5('../../etc/passwd')}__passwd.xml`, 'Annotations/.._evil.xml']);
    expect(files.get('Annotations/.._evil.xml')).toContain('<filename>..\\evil.png</filename>');
  });
});

describe('VOC against the reference', () => {
  it.each(['yolo_data', 'coco_data', 'yolo_keypoints'])('R1: %s is byte-identical to the reference', async (fixture) => {
    const dir = join(CONFORMANCE, fixture);
    const tasks = JSON.parse(readFileSync(join(dir, 'input.json'), 'utf8')) as Task[];
    const { files } = await runEncoder(encodeVoc, readFileSync(join(dir, 'config.xml'), 'utf8'), tasks);
    const names = readdirSync(join(dir, 'VOC', 'Annotations')).map((n) => `Annotations/${n}`);
    expect([...files.keys()].sort()).toEqual(names.sort());
    for (const n of names) expect(files.get(n), n).toBe(readFileSync(join(dir, 'VOC', n), 'utf8'));
  });
});

describe('format refusals (formatSupport)', () => {
  const refused = (xmlOrJson: string, format: string) => formatSupport(parseLabelConfig(xmlOrJson)).find((f) => f.format === format)?.supported === false;

  it('VOC needs RectangleLabels; a polygon-only config is refused', () => {
    const polygons = readFileSync(join(CONFORMANCE, 'yolo_polygons', 'config.xml'), 'utf8');
    expect(refused(polygons, 'VOC')).toBe(true);
    expect(refused(polygons, 'YOLO')).toBe(false);
    expect(refused(RECT_CONFIG, 'VOC')).toBe(false);
  });

  it('F6: Repeater configs refuse all seven image-detection formats', () => {
    const repeater = readFileSync(join(CONFORMANCE, 'json_min_repeater', 'config.json'), 'utf8');
    for (const f of ['COCO', 'COCO_WITH_IMAGES', 'VOC', 'YOLO', 'YOLO_WITH_IMAGES', 'YOLO_OBB', 'YOLO_OBB_WITH_IMAGES']) expect(refused(repeater, f)).toBe(true);
    expect(refused(repeater, 'JSON_MIN')).toBe(false);
  });
});
