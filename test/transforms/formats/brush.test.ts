// BRUSH_TO_NUMPY / BRUSH_TO_PNG and the brush RLE decoder. Inputs are built with the test's own
// RLE encoder; expected pixels are the masks the test made, expected files are written by the test
// (PNG via pngjs from the known pixels) or by numpy/Pillow (test/fixtures/brush, see
// make-fixtures.py), and compared with shared/conformance/compare.mjs.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeBrushNumpy, encodeBrushPng } from '../../../src/transforms/formats/brush.js';
import { decodeBrushMask, decodeRle, RleError } from '../../../src/transforms/formats/brush-rle.js';
import { parseLabelConfig } from '../../../src/label-config.js';
import { runCli, summaryOf } from '../../support/cli.js';
import { brushResult, compare, context, encode, encodeRle, randomMask, rgbaOf, rng, tempDir, writeFiles } from './brush-support.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/brush/', import.meta.url));
const tmp = tempDir('labelstream-brush-');
afterAll(() => tmp.cleanup());

describe('brush RLE decoder', () => {
  const sizes: Array<[number, number]> = [
    [7, 5],
    [1, 1],
    [33, 17],
    [64, 3],
  ];
  const layouts: Array<Parameters<typeof encodeRle>[1]> = [
    {},
    { widths: [1, 2, 3, 4], minRepeat: 3 },
    { widths: [16, 16, 16, 16], minRepeat: 1000 }, // everything literal
    { widths: [2, 5, 9, 16], minRepeat: 1 }, // everything repeats
  ];
  for (const [w, h] of sizes) {
    for (const [k, layout] of layouts.entries()) {
      it(`round-trips a ${w}×${h} RGBA mask (layout ${k})`, () => {
        const mask = randomMask(w, h, w * 100 + h + k);
        const rgba = rgbaOf(mask);
        const rle = encodeRle(rgba, layout);
        expect(Array.from(decodeRle(rle))).toEqual(rgba);
        expect(Array.from(decodeBrushMask(rle, w, h))).toEqual(Array.from(mask));
      });
    }
  }

  it('keeps the low 8 bits of words wider than a byte (values stored as uint8)', () => {
    const values = [0, 255, 256, 511, 4095, 4095, 4095, 300];
    expect(Array.from(decodeRle(encodeRle(values, { wordSize: 12 })))).toEqual(values.map((v) => v & 0xff));
  });

  it('decodes long runs split over several repeat records', () => {
    const values = new Array(70_000).fill(9);
    values.push(1, 2, 3);
    const out = decodeRle(encodeRle(values));
    expect(out.length).toBe(70_003);
    expect(out[0]).toBe(9);
    expect(out[69_999]).toBe(9);
    expect(Array.from(out.slice(70_000))).toEqual([1, 2, 3]);
  });

  it('rejects an RLE whose value count does not match the region size', () => {
    const rle = encodeRle(rgbaOf(randomMask(7, 5, 1)));
    expect(() => decodeBrushMask(rle, 6, 5)).toThrow(RleError);
    expect(() => decodeBrushMask(rle, 5, 7)).not.toThrow(); // same count: the converter reshapes too
  });

  it('rejects truncated, malformed and size-less input', () => {
    const rle = encodeRle(rgbaOf(randomMask(7, 5, 2)), { minRepeat: 1000 });
    expect(() => decodeBrushMask(rle.slice(0, rle.length - 20), 7, 5)).toThrow(RleError);
    expect(() => decodeBrushMask([1, 2], 7, 5)).toThrow(RleError);
    expect(() => decodeBrushMask('abc', 7, 5)).toThrow(RleError);
    expect(() => decodeBrushMask([0.5, 1], 7, 5)).toThrow(RleError);
    expect(() => decodeBrushMask(rle, undefined, 5)).toThrow(RleError);
    expect(() => decodeBrushMask(rle, 7, -1)).toThrow(RleError);
    // a literal run that goes past the declared count
    expect(() => decodeRle(encodeRle([1, 2, 3, 4], { minRepeat: 1000, declare: 2 }))).toThrow(RleError);
  });
});

function task(id: number, annotations: unknown[], data: Record<string, unknown> = { image: `/data/upload/1/${id}.png` }) {
  return { id, data, annotations };
}

function annotation(id: number, completedBy: unknown, result: unknown[], extra: Record<string, unknown> = {}) {
  return { id, completed_by: completedBy, created_at: `2024-01-0${id % 9}T00:00:00Z`, was_cancelled: false, result, ...extra };
}

describe('BRUSH_TO_NUMPY / BRUSH_TO_PNG files', () => {
  const m75 = randomMask(7, 5, 11);
  const m11 = new Uint8Array([255]);
  const m3317 = randomMask(33, 17, 12);
  const tasks = [
    task(1, [
      annotation(2, { id: 9, email: 'x/y@ex ample.com' }, [
        brushResult(m75, 7, 5, { brushlabels: ['Car'] }),
        brushResult(m75, 7, 5, { brushlabels: ['Car'] }),
        brushResult(m11, 1, 1, { brushlabels: [] }),
        brushResult(m11, 1, 1), // no brushlabels key
        brushResult(m75, 7, 5, { brushlabels: ['Car', 'Dog'] }, { from_name: 'unknown_tag' }), // not in the config
      ]),
      annotation(3, null, [brushResult(m3317, 33, 17, { brushlabels: ['Dog'] })]),
      annotation(4, 7, [brushResult(m75, 7, 5, { brushlabels: ['Dog'] })], { was_cancelled: true }),
    ]),
    task(2, [annotation(5, { id: 5 }, [brushResult(m11, 1, 1, { brushlabels: ['Dog'] })])]),
    task(3, []),
  ];
  const expectedNames = [
    'task-1-annotation-3-by-None-tag-Dog-0',
    'task-1-annotation-2-by-xy@example.com-tag-Car-0',
    'task-1-annotation-2-by-xy@example.com-tag-Car-1',
    'task-1-annotation-2-by-xy@example.com-tag--0',
    'task-1-annotation-2-by-xy@example.com-tag-no_label-0',
    'task-2-annotation-5-by--tag-Dog-0',
  ];
  const maskOf = (file: string): [Uint8Array, number, number] => {
    const name = file.replace(/\.(npy|png)$/, '');
    return name.includes('None') ? [m3317, 33, 17] : name.endsWith('Car-0') || name.endsWith('Car-1') ? [m75, 7, 5] : [m11, 1, 1];
  };

  it('names files as the converter does (R10) and skips cancelled annotations', async () => {
    const files = await encode(encodeBrushNumpy, tasks, context(tmp.dir));
    expect(files.map((f) => f.path)).toEqual(expectedNames.map((n) => `${n}.npy`));
  });

  it('writes .npy 1.0 files: uint8, shape (height, width), data at byte 128', async () => {
    const files = await encode(encodeBrushNumpy, tasks, context(tmp.dir));
    for (const f of files) {
      const [mask, w, h] = maskOf(f.path);
      const b = f.bytes;
      expect(b.subarray(0, 8)).toEqual(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]));
      const hlen = b.readUInt16LE(8);
      expect(10 + hlen).toBe(128);
      const header = b.toString('latin1', 10, 10 + hlen);
      expect(header.trimEnd()).toBe(`{'descr': '|u1', 'fortran_order': False, 'shape': (${h}, ${w}), }`);
      expect(header.endsWith('\n')).toBe(true);
      expect(Array.from(b.subarray(128))).toEqual(Array.from(mask));
    }
  });

  it('writes 8-bit grayscale PNGs with the mask as pixels', async () => {
    const files = await encode(encodeBrushPng, tasks, context(tmp.dir));
    expect(files.map((f) => f.path)).toEqual(expectedNames.map((n) => `${n}.png`));
    for (const f of files) {
      const [mask, w, h] = maskOf(f.path);
      const png = PNG.sync.read(f.bytes);
      expect([png.width, png.height, png.colorType, png.depth]).toEqual([w, h, 0, 8]);
      const gray = Array.from({ length: w * h }, (_, i) => png.data[i * 4]);
      expect(gray).toEqual(Array.from(mask));
    }
  });

  it('skips a region whose RLE does not match its size, counts it, and keeps the others (F7)', async () => {
    const ctx = context(tmp.dir);
    const bad = brushResult(m75, 7, 5, { brushlabels: ['Car'] }, { original_width: 6 });
    const noSize = brushResult(m75, 7, 5, { brushlabels: ['Car'] });
    delete (noSize as Record<string, unknown>).original_height;
    const files = await encode(encodeBrushPng, [task(9, [annotation(1, 3, [bad, noSize, brushResult(m75, 7, 5, { brushlabels: ['Car'] })])])], ctx);
    // the bad region still takes its number (the converter numbers regions before decoding)
    expect(files.map((f) => f.path)).toEqual(['task-9-annotation-1-by-3-tag-Car-1.png']);
    expect(ctx.stats.skipped).toEqual({
      'brush RLE does not match its size': 1,
      'brush region without original_width/original_height': 1,
    });
  });

  it('keeps only the last of two regions whose file names collide after "/" → "-"', async () => {
    const ctx = context(tmp.dir);
    const other = new Uint8Array(35).fill(1);
    const files = await encode(
      encodeBrushNumpy,
      [task(4, [annotation(1, 3, [brushResult(m75, 7, 5, { brushlabels: ['a/b'] }), brushResult(other, 7, 5, { brushlabels: ['a-b'] })])])],
      ctx,
    );
    expect(files.map((f) => f.path)).toEqual(['task-4-annotation-1-by-3-tag-a-b-0.npy']);
    expect(Array.from(files[0].bytes.subarray(128))).toEqual(Array.from(other));
  });

  it('takes Brush + Labels regions (`labels` key) and ignores a plain <Brush> tag and other types', async () => {
    const ctx = context(tmp.dir);
    ctx.labelConfig = parseLabelConfig(`<View><Image name="image" value="$image"/><Brush name="br" toName="image"/>
      <Labels name="lab" toName="image"><Label value="Tree"/></Labels><Choices name="ch" toName="image"><Choice value="x"/></Choices></View>`);
    const files = await encode(
      encodeBrushNumpy,
      [
        task(6, [
          annotation(1, 3, [
            brushResult(m75, 7, 5, { labels: ['Tree'] }, { from_name: 'lab' }),
            brushResult(m75, 7, 5, { labels: ['Tree'] }, { from_name: 'br' }),
            brushResult(m75, 7, 5, { choices: ['x'] }, { from_name: 'ch' }),
            brushResult(m75, 7, 5, {}, { from_name: 'lab' }),
          ]),
        ]),
      ],
      ctx,
    );
    expect(files.map((f) => f.path)).toEqual(['task-6-annotation-1-by-3-lab-Tree-0.npy', 'task-6-annotation-1-by-3-lab-no_label-0.npy']);
  });

  it('builds file names from task data safely (no path separators, no NUL)', async () => {
    const files = await encode(
      encodeBrushNumpy,
      [task(5, [annotation(1, { id: 1, email: '../../etc/passwd\u0000' }, [brushResult(m11, 1, 1, { brushlabels: ['../x\\y\u0000'] }, { from_name: 'tag' })])])],
      context(tmp.dir),
    );
    expect(files.map((f) => f.path)).toEqual(['task-5-annotation-1-by-....etcpasswd-tag-..-x-y-0.npy']);
  });

  it('is accepted by compare.mjs against PNG files the test writes from the known pixels', async () => {
    const files = await encode(encodeBrushPng, tasks, context(tmp.dir));
    const expected = expectedNames.map((n) => {
      const [mask, w, h] = maskOf(n);
      const png = new PNG({ width: w, height: h });
      mask.forEach((v, i) => png.data.set([v, v, v, 255], i * 4));
      return { path: `${n}.png`, bytes: PNG.sync.write(png) }; // RGBA, unlike ours: equal pixels
    });
    writeFiles(join(tmp.dir, 'png-expected'), expected);
    writeFiles(join(tmp.dir, 'png-actual'), files);
    const ok = compare('BRUSH_TO_PNG', join(tmp.dir, 'png-expected'), join(tmp.dir, 'png-actual'));
    expect(ok.code, ok.output).toBe(0);
    // and it notices a changed pixel
    const r = rng(5);
    const flipped = files.map((f) => ({ ...f }));
    const png = PNG.sync.read(flipped[0].bytes);
    const i = Math.floor(r() * png.width * png.height) * 4;
    png.data[i] = png.data[i + 1] = png.data[i + 2] = 255 - png.data[i];
    flipped[0] = { path: flipped[0].path, bytes: PNG.sync.write(png, { colorType: 0, inputColorType: 6 }) };
    writeFiles(join(tmp.dir, 'png-flipped'), flipped);
    expect(compare('BRUSH_TO_PNG', join(tmp.dir, 'png-expected'), join(tmp.dir, 'png-flipped')).code).toBe(1);
  });
});

describe('CLI on test/fixtures/brush (expected files written by numpy 1.24 / Pillow 9.4)', () => {
  for (const format of ['BRUSH_TO_NUMPY', 'BRUSH_TO_PNG']) {
    it(`${format} equals the fixture (compare.mjs) and reports the skipped region`, async () => {
      const out = join(tmp.dir, `cli-${format}`);
      const r = await runCli(['export', '--from', join(FIXTURES, 'input.json'), '--label-config', join(FIXTURES, 'config.xml'), '--format', format, '--to', `${out}/`]);
      expect(r.code, r.stderr).toBe(0);
      const c = compare(format, join(FIXTURES, format), out);
      expect(c.code, c.output).toBe(0);
      expect(readdirSync(out).length).toBe(readdirSync(join(FIXTURES, format)).length);
      expect(summaryOf(r).skippedByFormat).toEqual({ 'brush RLE does not match its size': 1 });
      const warn = r.logs.find((l) => String(l.msg).includes('brush RLE does not match'));
      expect(warn?.task).toBe(4);
    });
  }

  it('BRUSH_TO_PNG into a zip archive equals the fixture', async () => {
    const zip = join(tmp.dir, 'brush-png.zip');
    const r = await runCli(['export', '--from', join(FIXTURES, 'input.json'), '--label-config', join(FIXTURES, 'config.xml'), '--format', 'BRUSH_TO_PNG', '--to', zip]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(zip)).toBe(true);
    const c = compare('BRUSH_TO_PNG', join(FIXTURES, 'BRUSH_TO_PNG'), zip);
    expect(c.code, c.output).toBe(0);
  });
});
