// Outer contours of a brush mask as BRUSH_TO_COCO computes them (export-formats.md §5
// BRUSH_TO_COCO): OpenCV 4.6 `findContours(mask, RETR_EXTERNAL, CHAIN_APPROX_SIMPLE)`, i.e.
// Suzuki–Abe border following on the mask (non-zero = 1) framed by one row/column of zeros,
// keeping outer borders that are not inside another component's hole and only the points where
// the chain direction changes. OpenCV returns them last-found first. Plus `boundingRect` and
// `contourArea` of an integer point list. Speed: the framed image is one reused buffer, and the
// row scan skips runs of equal pixels four at a time.

/** Neighbour directions: 0 = right, then counter-clockwise in image coordinates (y down). */
const DX = [1, 1, 0, -1, -1, -1, 0, 1];
const DY = [0, -1, -1, -1, 0, 1, 1, 1];

/** A right-bound border pixel (OpenCV's `nbd | -128` for nbd 2, as a signed byte). */
const RIGHT = -126;
const BORDER = 2;

/** Framed images up to this size are kept for the next mask instead of being garbage. */
const SCRATCH_MAX = 16 << 20;
let scratch: ArrayBuffer | undefined;
/** Bytes [from, to) of `scratch` that may not be zero. */
const dirty = { from: 0, to: 0 };

/**
 * A width×height binary image (0 or 1) framed by zeros: pixel (x, y) is at
 * `img[(y + 1) * pitch + x + 1]`, with `pitch` ≥ width + 2 a multiple of 4 (so rows can be skipped
 * a 32-bit word at a time). All zeros when made; the image shares one reused buffer (below
 * SCRATCH_MAX), so it is valid until the next `FramedImage` is made.
 */
export class FramedImage {
  readonly pitch: number;
  readonly img: Int8Array;
  readonly words: Int32Array;
  /** Mask rows [firstRow, lastRow] and columns [firstCol, lastCol] hold every non-zero pixel (all unless `onlyPixels` says less). */
  firstRow = 0;
  lastRow: number;
  firstCol = 0;
  lastCol: number;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pitch = (width + 2 + 3) & ~3;
    this.lastRow = height - 1;
    this.lastCol = width - 1;
    const bytes = this.pitch * (height + 2);
    let buffer: ArrayBuffer;
    if (bytes > SCRATCH_MAX) {
      buffer = new ArrayBuffer(bytes);
    } else {
      if (scratch === undefined || scratch.byteLength < bytes) {
        scratch = new ArrayBuffer(Math.max(bytes, 1 << 19));
        dirty.to = 0;
      }
      buffer = scratch;
      new Int8Array(scratch).fill(0, dirty.from, dirty.to);
      // until onlyPixels() narrows it: the whole image may get written
      dirty.from = 0;
      dirty.to = bytes;
    }
    this.img = new Int8Array(buffer, 0, bytes);
    this.words = new Int32Array(buffer, 0, bytes >> 2);
  }

  /** Where pixel (0, 0) is. */
  get origin(): number {
    return this.pitch + 1;
  }

  /**
   * Says that only pixels [lo, hi) (row-major mask index) in columns [minX, maxX] may be non-zero:
   * the contour scan skips the rows and columns outside, the next image's clearing the rows.
   */
  onlyPixels(lo: number, hi: number, minX = 0, maxX = this.width - 1): void {
    this.firstCol = Math.max(0, minX);
    this.lastCol = Math.min(this.width - 1, maxX);
    if (hi <= lo) {
      this.firstRow = 0;
      this.lastRow = -1;
    } else {
      this.firstRow = Math.floor(lo / this.width);
      this.lastRow = Math.floor((hi - 1) / this.width);
    }
    if (this.img.buffer === scratch) {
      // tracing marks only non-zero pixels, so these rows are all that can be dirty
      dirty.from = (this.firstRow + 1) * this.pitch;
      dirty.to = Math.max(dirty.from, (this.lastRow + 2) * this.pitch);
    }
  }
}

/**
 * Traces the outer border starting at `start` (index in the framed image), marks it in `img` and
 * returns its points (unframed coordinates) at direction changes. `delta[s]` is the index step of
 * direction s.
 */
/** Index steps to the 8 neighbours in an image of row length `pitch`. */
export function neighbourSteps(pitch: number): Int32Array {
  const delta = new Int32Array(8);
  for (let s = 0; s < 8; s++) delta[s] = DX[s] + DY[s] * pitch;
  return delta;
}

export function traceOuter(img: Int8Array, delta: Int32Array, start: number, x0: number, y0: number): number[] {
  const points: number[] = [];
  let s = 4;
  let i1 = start;
  do {
    s = (s - 1) & 7;
    i1 = start + delta[s];
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
      i4 = i3 + delta[s & 7];
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
 * The outer contours of a framed binary image, each a flat `[x1, y1, x2, y2, …]`, in OpenCV's
 * output order. Marks the borders it traces in the image.
 */
export function framedContours(framed: FramedImage): number[][] {
  const { img, words, pitch, firstRow, lastRow, firstCol, lastCol } = framed;
  const delta = neighbourSteps(pitch);
  const found: number[][] = [];
  // Pixels left and right of [firstCol, lastCol] are zero: they change nothing while prev = 0,
  // and after the last non-zero pixel only lnbd could change, which no later pixel reads.
  const xStart = firstCol + 1;
  const xEnd = lastCol + 2;
  // The scan of OpenCV's cvFindNextContour in RETR_EXTERNAL mode; lnbd = last border met in the row.
  for (let y = firstRow + 1; y <= lastRow + 1; y++) {
    const row = y * pitch;
    let lnbd = 0;
    let prev = 0;
    let x = xStart;
    /** Words entirely before xEnd. */
    const wEnd = (row + xEnd) >> 2;
    while (x < xEnd) {
      const p = img[row + x];
      if (p === prev) {
        // nothing changes until the value does: skip equal bytes a word at a time
        x++;
        if ((x & 3) === 0) {
          const same = Math.imul(prev & 0xff, 0x01010101);
          let w = (row + x) >> 2;
          while (w < wEnd && words[w] === same) w++;
          x = (w << 2) - row;
        }
        continue;
      }
      if (prev === 0 && p === 1) {
        if (img[row + lnbd] <= 0) {
          found.push(traceOuter(img, delta, row + x, x - 1, y - 1));
          lnbd = x;
          prev = img[row + x];
          x++;
          continue;
        }
      } else if (p === 0 && prev >= 1 && (prev & -2) !== 0) {
        lnbd = x - 1; // leaving a marked border into a hole
      }
      prev = p;
      if ((prev & -2) !== 0) lnbd = x;
      x++;
    }
  }
  return found.reverse();
}

/**
 * The outer contours of a width×height mask (row-major, non-zero = foreground), each a flat
 * `[x1, y1, x2, y2, …]`, in OpenCV's output order.
 */
export function externalContours(mask: Uint8Array, width: number, height: number): number[][] {
  const framed = new FramedImage(width, height);
  const { img, pitch } = framed;
  for (let y = 0; y < height; y++) {
    const row = (y + 1) * pitch + 1;
    for (let x = 0; x < width; x++) if (mask[y * width + x] !== 0) img[row + x] = 1;
  }
  return framedContours(framed);
}

/** cv::boundingRect of integer points: inclusive pixel extent. */
export function boundingRect(flat: number[]): [number, number, number, number] {
  if (flat.length === 0) return [0, 0, 0, 0];
  let minx = flat[0];
  let maxx = flat[0];
  let miny = flat[1];
  let maxy = flat[1];
  for (let i = 2; i < flat.length; i += 2) {
    minx = Math.min(minx, flat[i]);
    maxx = Math.max(maxx, flat[i]);
    miny = Math.min(miny, flat[i + 1]);
    maxy = Math.max(maxy, flat[i + 1]);
  }
  return [minx, miny, maxx - minx + 1, maxy - miny + 1];
}

/** cv::contourArea (unoriented): the shoelace area of the closed polygon. */
export function contourArea(flat: number[]): number {
  const n = flat.length / 2;
  if (n < 3) return 0;
  let a = 0;
  let px = flat[2 * n - 2];
  let py = flat[2 * n - 1];
  for (let i = 0; i < n; i++) {
    const x = flat[2 * i];
    const y = flat[2 * i + 1];
    a += px * y - py * x;
    px = x;
    py = y;
  }
  return Math.abs(a * 0.5);
}
