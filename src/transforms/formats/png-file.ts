// 8-bit grayscale PNG files of brush masks, byte for byte what pngjs 7 writes with colorType 0,
// filterType 0 and its default deflate options (level 9, strategy Z_RLE, 32 KiB chunks): signature,
// IHDR, one IDAT, IEND. Written directly because pngjs copies the pixels twice (bit packing, then
// filtering) in per-byte loops, which cost more than the deflate itself.

import { constants, crc32, deflate, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The deflate options pngjs uses (packer.js), so the compressed bytes are the same. */
export const PNG_DEFLATE = { chunkSize: 32 * 1024, level: 9, strategy: constants.Z_RLE };

/** Scanlines kept for the next mask up to this size instead of being garbage. */
const SCRATCH_MAX = 16 << 20;
let scratch: Buffer | undefined;

/**
 * Zeroed room for the scanlines of a width×height 8-bit image: each row is its filter byte (0,
 * "none") and the row's pixels. Below SCRATCH_MAX one reused buffer: valid until the next call.
 */
export function pngScanlines(width: number, height: number): Buffer {
  const bytes = (width + 1) * height;
  if (bytes > SCRATCH_MAX) return Buffer.alloc(bytes);
  if (scratch === undefined || scratch.length < bytes) scratch = Buffer.alloc(Math.max(bytes, 1 << 19));
  const raw = scratch.subarray(0, bytes);
  raw.fill(0);
  return raw;
}

/** Writes a chunk (length, type, data, CRC of type + data) at `at`; returns the offset after it. */
function putChunk(out: Buffer, at: number, type: string, data: Uint8Array): number {
  out.writeUInt32BE(data.length, at);
  out.write(type, at + 4, 'latin1');
  out.set(data, at + 8);
  const end = at + 8 + data.length;
  out.writeUInt32BE(crc32(out.subarray(at + 4, end)), end);
  return end + 4;
}

/** A PNG file from deflated scanlines. */
export function grayPngFromIdat(idat: Uint8Array, width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grayscale (compression, filter and interlace methods 0)
  const out = Buffer.allocUnsafe(SIGNATURE.length + 25 + 12 + idat.length + 12);
  SIGNATURE.copy(out, 0);
  let at = putChunk(out, SIGNATURE.length, 'IHDR', ihdr);
  at = putChunk(out, at, 'IDAT', idat);
  putChunk(out, at, 'IEND', new Uint8Array(0));
  return out;
}

/** An 8-bit grayscale PNG of width×height scanlines (see pngScanlines). */
export function grayPng(scanlines: Uint8Array, width: number, height: number): Buffer {
  return grayPngFromIdat(deflateSync(scanlines, PNG_DEFLATE), width, height);
}

/**
 * Scanline buffers for PNGs deflated on the libuv threadpool (grayPngAsync): each in-flight PNG
 * needs its own, so they are lent out and given back. Keeps at most `keep` idle buffers.
 */
export class ScanlinePool {
  private readonly idle: Buffer[] = [];

  constructor(private readonly keep: number) {}

  /** Zeroed scanlines for a width×height image (see pngScanlines); give them back with `release`. */
  acquire(width: number, height: number): Buffer {
    const bytes = (width + 1) * height;
    const i = this.idle.findIndex((b) => b.buffer.byteLength >= bytes);
    if (i < 0) return Buffer.alloc(Math.max(bytes, Math.min(1 << 19, SCRATCH_MAX))).subarray(0, bytes);
    const [buf] = this.idle.splice(i, 1);
    const raw = Buffer.from(buf.buffer, buf.byteOffset, bytes);
    raw.fill(0);
    return raw;
  }

  release(raw: Buffer): void {
    if (raw.buffer.byteLength <= SCRATCH_MAX && this.idle.length < this.keep) this.idle.push(raw);
  }
}

/** grayPng with the deflate on the libuv threadpool; `scanlines` must stay untouched until it settles. */
export function grayPngAsync(scanlines: Uint8Array, width: number, height: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflate(scanlines, PNG_DEFLATE, (err, idat) => (err ? reject(err) : resolve(grayPngFromIdat(idat, width, height))));
  });
}
