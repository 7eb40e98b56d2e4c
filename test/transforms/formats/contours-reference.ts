// The contour scan as first written (a plain per-pixel scan over a fresh framed image), kept as
// the reference the faster scan of src/transforms/formats/brush-contours.ts (word skips, the
// written-area bounds, the reused image) is checked against. Both trace a border with the same
// traceOuter.

import { neighbourSteps, traceOuter } from '../../../src/transforms/formats/brush-contours.js';

/**
 * The outer contours of a width×height mask (row-major, non-zero = foreground), each a flat
 * `[x1, y1, x2, y2, …]`, in OpenCV's output order.
 */
export function referenceContours(mask: Uint8Array, width: number, height: number): number[][] {
  const fw = width + 2;
  const fh = height + 2;
  const img = new Int8Array(fw * fh);
  const delta = neighbourSteps(fw);
  for (let y = 0; y < height; y++) {
    const row = (y + 1) * fw + 1;
    for (let x = 0; x < width; x++) if (mask[y * width + x] !== 0) img[row + x] = 1;
  }
  const found: number[][] = [];
  // The scan of OpenCV's cvFindNextContour in RETR_EXTERNAL mode; lnbd = last border met in the row.
  for (let y = 1; y < fh - 1; y++) {
    const row = y * fw;
    let lnbd = 0;
    let prev = 0;
    for (let x = 1; x < fw - 1; x++) {
      const p = img[row + x];
      if (p === prev) continue;
      if (prev === 0 && p === 1) {
        if (img[row + lnbd] <= 0) {
          found.push(traceOuter(img, delta, row + x, x - 1, y - 1));
          lnbd = x;
          prev = img[row + x];
          continue;
        }
      } else if (p === 0 && prev >= 1 && (prev & -2) !== 0) {
        lnbd = x - 1; // leaving a marked border into a hole
      }
      prev = p;
      if ((prev & -2) !== 0) lnbd = x;
    }
  }
  return found.reverse();
}

