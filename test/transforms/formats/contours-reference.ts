// The contour tracer as first written (a plain per-pixel scan over a fresh framed image), kept as
// the reference the faster src/transforms/formats/brush-contours.ts is checked against.

/** Neighbour directions: 0 = right, then counter-clockwise in image coordinates (y down). */
const DX = [1, 1, 0, -1, -1, -1, 0, 1];
const DY = [0, -1, -1, -1, 0, 1, 1, 1];

/** A right-bound border pixel (OpenCV's `nbd | -128` for nbd 2, as a signed byte). */
const RIGHT = -126;
const BORDER = 2;

/**
 * Traces the outer border starting at `start` (index in the framed image of width `fw`), marks it
 * in `img` and returns its points (unframed coordinates) at direction changes.
 */
function traceOuter(img: Int8Array, fw: number, start: number, x0: number, y0: number): number[] {
  const delta = (s: number) => DX[s & 7] + DY[s & 7] * fw;
  const points: number[] = [];
  let s = 4;
  let i1 = start;
  do {
    s = (s - 1) & 7;
    i1 = start + delta(s);
  } while (img[i1] === 0 && s !== 4);
  if (s === 4) {
    img[start] = RIGHT; // a single pixel
    points.push(x0, y0);
    return points;
  }
  let i3 = start;
  let prevS = s ^ 4;
  let x = x0;
  let y = y0;
  for (;;) {
    const sEnd = s;
    let i4 = i3;
    while (s < 15) {
      s++;
      i4 = i3 + delta(s);
      if (img[i4] !== 0) break;
    }
    s &= 7;
    if (s - 1 >= 0 && s - 1 < sEnd) img[i3] = RIGHT;
    else if (img[i3] === 1) img[i3] = BORDER;
    if (s !== prevS) {
      points.push(x, y);
      prevS = s;
    }
    x += DX[s];
    y += DY[s];
    if (i4 === start && i3 === i1) break;
    i3 = i4;
    s = (s + 4) & 7;
  }
  return points;
}

/**
 * The outer contours of a width×height mask (row-major, non-zero = foreground), each a flat
 * `[x1, y1, x2, y2, …]`, in OpenCV's output order.
 */
export function referenceContours(mask: Uint8Array, width: number, height: number): number[][] {
  const fw = width + 2;
  const fh = height + 2;
  const img = new Int8Array(fw * fh);
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
          found.push(traceOuter(img, fw, row + x, x - 1, y - 1));
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

