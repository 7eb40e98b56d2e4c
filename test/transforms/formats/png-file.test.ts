// png-file.ts writes the same bytes as pngjs (colorType 0, filterType 0, default deflate options),
// which BRUSH_TO_PNG used before.

import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { grayPng, grayPngAsync, pngScanlines, ScanlinePool } from '../../../src/transforms/formats/png-file.js';
import { randomMask } from './brush-support.js';

function viaPngjs(mask: Uint8Array, width: number, height: number): Buffer {
  return PNG.sync.write({ width, height, data: Buffer.from(mask) } as PNG, { colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false, filterType: 0 });
}

function viaPngFile(mask: Uint8Array, width: number, height: number): Buffer {
  const raw = pngScanlines(width, height);
  for (let y = 0; y < height; y++) raw.set(mask.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return grayPng(raw, width, height);
}

describe('grayPng', () => {
  for (const [w, h] of [
    [1, 1],
    [7, 5],
    [640, 480], // more than one 32 KiB deflate chunk
    [1000, 3],
  ]) {
    it(`equals pngjs byte for byte for a ${w}×${h} mask`, () => {
      const mask = randomMask(w, h, w + h);
      expect(viaPngFile(mask, w, h).equals(viaPngjs(mask, w, h))).toBe(true);
      const blank = new Uint8Array(w * h);
      expect(viaPngFile(blank, w, h).equals(viaPngjs(blank, w, h))).toBe(true);
    });
  }

  it('gives zeroed scanlines again after a use', () => {
    pngScanlines(10, 10).fill(7);
    expect(pngScanlines(10, 10).every((v) => v === 0)).toBe(true);
  });

  it('deflates on the threadpool to the same bytes; pooled scanlines come back zeroed', async () => {
    const pool = new ScanlinePool(2);
    const mask = randomMask(640, 480, 3);
    const raw = pool.acquire(640, 480);
    for (let y = 0; y < 480; y++) raw.set(mask.subarray(y * 640, (y + 1) * 640), y * 641 + 1);
    expect((await grayPngAsync(raw, 640, 480)).equals(viaPngjs(mask, 640, 480))).toBe(true);
    pool.release(raw);
    const again = pool.acquire(7, 5);
    expect(again.length).toBe(8 * 5);
    expect(again.every((v) => v === 0)).toBe(true);
  });
});
