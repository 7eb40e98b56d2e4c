// Label Studio brush masks: the `rle` list of a brush region is a @thi.ng/rle-pack bit stream
// (export-formats.md §5 BRUSH_TO_NUMPY). Big-endian bits: 32-bit value count, 5-bit word size - 1,
// four 4-bit run-length widths - 1; then runs: 1 flag bit, 2 bits choosing a width, that many bits
// = run length - 1; flag 1 repeats one word, flag 0 is followed by that many literal words.
// The values are the RGBA bytes of a width×height image; the converter keeps the alpha channel.

/** A brush region whose RLE cannot give a mask of its size (F7: the region is skipped). */
export class RleError extends Error {
  override name = 'RleError';
}

class BitReader {
  private pos = 0;
  private readonly bits: number;

  constructor(private readonly bytes: Uint8Array) {
    this.bits = bytes.length * 8;
  }

  /** Reads n ≤ 32 bits. Like the converter, a read cut short by the end returns the bits there are. */
  read(n: number): number {
    const pos = this.pos;
    if (n <= 24 && pos + n <= this.bits) {
      // fast path: the bits lie within 4 bytes starting at pos's byte (bytes past the end read as 0)
      const b = this.bytes;
      const i = pos >>> 3;
      const word = ((b[i] << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;
      this.pos = pos + n;
      return ((word << (pos & 7)) >>> 0) >>> (32 - n);
    }
    if (pos >= this.bits) throw new RleError('RLE data ends early');
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

/** The RLE list as bytes; the converter reads each element's low 8 bits. */
function rleBytes(rle: unknown): Uint8Array {
  if (!Array.isArray(rle)) throw new RleError('rle is not a list');
  const out = new Uint8Array(rle.length);
  for (let i = 0; i < rle.length; i++) {
    const v = rle[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new RleError(`rle[${i}] is not an integer`);
    out[i] = v & 0xff;
  }
  return out;
}

/**
 * Decodes the values at positions `channel`, `channel + stride`, … of the stream (all of them for
 * stride 1). `expected` (when given) is the value count the stream must declare.
 */
function decode(rle: unknown, stride: number, channel: number, expected?: number): Uint8Array {
  const input = new BitReader(rleBytes(rle));
  const num = input.read(32);
  if (expected !== undefined && num !== expected) {
    throw new RleError(`RLE holds ${num} values, the region's size needs ${expected}`);
  }
  const wordSize = input.read(5) + 1;
  const runWidths = [input.read(4) + 1, input.read(4) + 1, input.read(4) + 1, input.read(4) + 1];
  const out = new Uint8Array(num > channel ? Math.floor((num - 1 - channel) / stride) + 1 : 0);
  let i = 0;
  while (i < num) {
    const repeat = input.read(1);
    const width = runWidths[input.read(2)];
    const end = i + 1 + input.read(width);
    if (repeat) {
      const v = input.read(wordSize) & 0xff;
      const stop = Math.min(end, num);
      let k = i + ((channel - (i % stride) + stride) % stride);
      for (; k < stop; k += stride) out[(k - channel) / stride] = v;
      i = end;
    } else {
      for (; i < end; i++) {
        const v = input.read(wordSize) & 0xff;
        if (i >= num) throw new RleError('RLE literal run goes past the declared value count');
        if (i % stride === channel) out[(i - channel) / stride] = v;
      }
    }
  }
  return out;
}

/** All values of the stream (width×height×4 RGBA bytes for a brush region). */
export function decodeRle(rle: unknown): Uint8Array {
  return decode(rle, 1, 0);
}

function dimension(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new RleError(`${name} is ${JSON.stringify(v) ?? 'missing'}`);
  return v;
}

/**
 * The mask of a brush region: the alpha channel of its RLE reshaped to height×width, row-major
 * (what the converter saves). Throws RleError when the RLE does not hold width×height×4 values.
 */
export function decodeBrushMask(rle: unknown, width: unknown, height: unknown): Uint8Array {
  const w = dimension(width, 'original_width');
  const h = dimension(height, 'original_height');
  return decode(rle, 4, 3, w * h * 4);
}
