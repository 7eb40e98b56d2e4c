// Label Studio brush masks: the `rle` list of a brush region is a @thi.ng/rle-pack bit stream
// (export-formats.md §5 BRUSH_TO_NUMPY). Big-endian bits: 32-bit value count, 5-bit word size - 1,
// four 4-bit run-length widths - 1; then runs: 1 flag bit, 2 bits choosing a width, that many bits
// = run length - 1; flag 1 repeats one word, flag 0 is followed by that many literal words.
// The values are the RGBA bytes of a width×height image; the converter keeps the alpha channel.
//
// Speed: a repeat run becomes one `fill` per output row it covers (not a loop over its values), and
// the alpha channel can be decoded straight into a caller's row layout (the PNG scanlines, the
// .npy body, the zero-framed image of the contour tracer) instead of a mask that is copied again.

/** A brush region whose RLE cannot give a mask of its size (F7: the region is skipped). */
export class RleError extends Error {
  override name = 'RleError';
}

class BitReader {
  pos = 0;
  private readonly bits: number;

  /** `bytes` holds `length` bytes of data followed by at least 3 zero bytes. */
  constructor(
    private readonly bytes: Uint8Array,
    length: number,
  ) {
    this.bits = length * 8;
  }

  /** Reads n ≤ 32 bits. Like the converter, a read cut short by the end returns the bits there are. */
  read(n: number): number {
    const pos = this.pos;
    if (n <= 24 && pos + n <= this.bits) {
      // fast path: the bits lie within 4 bytes starting at pos's byte (the zero padding past the end)
      const b = this.bytes;
      const i = pos >>> 3;
      const word = ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
      this.pos = pos + n;
      return ((word << (pos & 7)) >>> 0) >>> (32 - n);
    }
    return this.readSlow(n);
  }

  private readSlow(n: number): number {
    if (this.pos >= this.bits) throw new RleError('RLE data ends early');
    let value = 0;
    while (n > 0 && this.pos < this.bits) {
      const byte = this.bytes[this.pos >>> 3];
      const offset = this.pos & 7;
      const take = Math.min(n, 8 - offset);
      const chunk = (byte >>> (8 - offset - take)) & ((1 << take) - 1);
      value = value * 2 ** take + chunk;
      this.pos += take;
      n -= take;
    }
    return value;
  }
}

/** The RLE list as bytes (plus 3 zero bytes of padding); the converter reads each element's low 8 bits. */
function rleBytes(rle: unknown): Uint8Array {
  if (!Array.isArray(rle)) throw new RleError('rle is not a list');
  const out = new Uint8Array(rle.length + 3);
  for (let i = 0; i < rle.length; i++) {
    const v = rle[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new RleError(`rle[${i}] is not an integer`);
    out[i] = v & 0xff;
  }
  return out;
}

/**
 * Where decoded values go: value number k (of those kept) lands at
 * `dest[offset + floor(k / width) * pitch + k % width]`. `dest` must hold zeros there already
 * (zero values are not written). With `binary`, non-zero values are written as 1.
 */
export interface RowLayout {
  dest: Uint8Array | Int8Array;
  offset: number;
  pitch: number;
  width: number;
  binary?: boolean;
}

/**
 * Where a decode wrote: nothing outside kept values [lo, hi), nor outside columns [minX, maxX] of
 * the layout's rows (lo = hi and minX > maxX when all values are zero).
 */
export interface Written {
  lo: number;
  hi: number;
  minX: number;
  maxX: number;
}

/** Writes v at kept values [from, to) of the layout, one `fill` per row. */
function fillRange(layout: RowLayout, from: number, to: number, v: number): void {
  const { dest, offset, pitch, width } = layout;
  if (pitch === width) {
    dest.fill(v, offset + from, offset + to);
    return;
  }
  let y = Math.floor(from / width);
  let x = from - y * width;
  let left = to - from;
  while (left > 0) {
    const n = Math.min(left, width - x);
    const at = offset + y * pitch + x;
    dest.fill(v, at, at + n);
    left -= n;
    x = 0;
    y++;
  }
}

/**
 * Decodes the values at positions `channel`, `channel + stride`, … of the stream (all of them for
 * stride 1) into `layout` (see RowLayout), after checking that the stream declares `expected`
 * values (when given). Returns where it wrote (see Written).
 */
function decodeInto(rle: unknown, stride: number, channel: number, expected: number | undefined, layout: (kept: number) => RowLayout): Written {
  if (!Array.isArray(rle)) throw new RleError('rle is not a list');
  const input = new BitReader(rleBytes(rle), rle.length);
  const num = input.read(32);
  if (expected !== undefined && num !== expected) {
    throw new RleError(`RLE holds ${num} values, the region's size needs ${expected}`);
  }
  const wordSize = input.read(5) + 1;
  const runWidths = [input.read(4) + 1, input.read(4) + 1, input.read(4) + 1, input.read(4) + 1];
  const kept = num > channel ? Math.floor((num - 1 - channel) / stride) + 1 : 0;
  const out = layout(kept);
  const { dest, offset, pitch, width } = out;
  const binary = out.binary === true;
  /** Kept values before stream position i: positions channel + m * stride below i. */
  const keptBefore = (i: number) => (i > channel ? Math.floor((i - channel - 1) / stride) + 1 : 0);
  let lo = Infinity;
  let hi = 0;
  let minX = Infinity;
  let maxX = -1;
  let i = 0;
  while (i < num) {
    const repeat = input.read(1);
    const runWidth = runWidths[input.read(2)];
    const end = i + 1 + input.read(runWidth);
    if (repeat) {
      let v = input.read(wordSize) & 0xff;
      if (binary && v !== 0) v = 1;
      if (v !== 0) {
        const from = keptBefore(i);
        const to = keptBefore(Math.min(end, num));
        if (to > from) {
          fillRange(out, from, to, v);
          if (from < lo) lo = from;
          hi = to;
          const yFrom = Math.floor(from / width);
          const yLast = Math.floor((to - 1) / width);
          const xFrom = yFrom === yLast ? from - yFrom * width : 0; // several rows: all columns
          const xLast = yFrom === yLast ? to - 1 - yLast * width : width - 1;
          if (xFrom < minX) minX = xFrom;
          if (xLast > maxX) maxX = xLast;
        }
      }
      i = end;
    } else {
      for (; i < end; i++) {
        let v = input.read(wordSize) & 0xff;
        if (i >= num) throw new RleError('RLE literal run goes past the declared value count');
        if (v !== 0 && (i - channel) % stride === 0 && i >= channel) {
          if (binary) v = 1;
          const k = (i - channel) / stride;
          if (k < lo) lo = k;
          hi = k + 1;
          const y = Math.floor(k / width);
          const x = k - y * width;
          if (x < minX) minX = x;
          if (x > maxX) maxX = x;
          dest[offset + y * pitch + (k - y * width)] = v;
        }
      }
    }
  }
  return lo < hi ? { lo, hi, minX, maxX } : { lo: 0, hi: 0, minX: 0, maxX: -1 };
}

/** All values of the stream (width×height×4 RGBA bytes for a brush region). */
export function decodeRle(rle: unknown): Uint8Array {
  let out = new Uint8Array(0);
  decodeInto(rle, 1, 0, undefined, (kept) => {
    out = new Uint8Array(kept);
    return { dest: out, offset: 0, pitch: Math.max(kept, 1), width: Math.max(kept, 1) };
  });
  return out;
}

function dimension(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new RleError(`${name} is ${JSON.stringify(v) ?? 'missing'}`);
  return v;
}

/** A brush region's original_width/original_height, or RleError when they are not sizes. */
export function brushSize(width: unknown, height: unknown): { width: number; height: number } {
  return { width: dimension(width, 'original_width'), height: dimension(height, 'original_height') };
}

/**
 * Decodes the alpha channel of a width×height brush RLE into the layout `into()` returns (row width
 * `width`; the destination must be zero there), called once the RLE is known to hold
 * width×height×4 values. Throws RleError when it does not. Returns the pixels [lo, hi) (row-major
 * index) outside which all are zero.
 */
export function decodeBrushAlphaInto(rle: unknown, width: number, height: number, into: () => Omit<RowLayout, 'width'>): Written {
  return decodeInto(rle, 4, 3, width * height * 4, () => ({ ...into(), width: Math.max(width, 1) }));
}

/**
 * The mask of a brush region: the alpha channel of its RLE reshaped to height×width, row-major
 * (what the converter saves). Throws RleError when the RLE does not hold width×height×4 values.
 */
export function decodeBrushMask(rle: unknown, width: unknown, height: unknown): Uint8Array {
  const size = brushSize(width, height);
  let mask = new Uint8Array(0);
  decodeBrushAlphaInto(rle, size.width, size.height, () => {
    mask = new Uint8Array(size.width * size.height);
    return { dest: mask, offset: 0, pitch: size.width };
  });
  return mask;
}
