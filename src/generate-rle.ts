// Brush masks for generated projects: encodes a width×height mask given as painted spans per row
// into Label Studio's `rle` list (the @thi.ng/rle-pack bit stream that
// src/transforms/formats/brush-rle.ts decodes): 32-bit value count, 5-bit word size - 1, four 4-bit
// run-length widths - 1, then runs of (1 flag bit, 2 bits width choice, run length - 1, words).
// Values are RGBA bytes; a painted pixel is 255 in all four channels, the rest 0, so every run is
// a repeat run (flag 1) of one 8-bit word.

/** Run-length widths in bits, choice 0..3 (the header holds width - 1 in 4 bits: at most 16; longer runs are split). */
const WIDTHS = [4, 8, 12, 16] as const;

class BitWriter {
  private readonly bytes: number[] = [];
  private acc = 0;
  private used = 0;

  /** Appends the low n ≤ 24 bits of v, most significant first. */
  write(v: number, n: number): void {
    for (let shift = n - 1; shift >= 0; shift--) {
      this.acc = (this.acc << 1) | ((v >>> shift) & 1);
      if (++this.used === 8) {
        this.bytes.push(this.acc);
        this.acc = 0;
        this.used = 0;
      }
    }
  }

  write32(v: number): void {
    this.write(v >>> 16, 16);
    this.write(v & 0xffff, 16);
  }

  finish(): number[] {
    if (this.used > 0) this.bytes.push(this.acc << (8 - this.used));
    this.acc = 0;
    this.used = 0;
    return this.bytes;
  }
}

function writeRun(out: BitWriter, length: number, word: number): void {
  let left = length;
  while (left > 0) {
    const n = Math.min(left, 1 << WIDTHS[3]);
    const choice = WIDTHS.findIndex((w) => n <= 1 << w);
    out.write(1, 1);
    out.write(choice, 2);
    out.write(n - 1, WIDTHS[choice]);
    out.write(word, 8);
    left -= n;
  }
}

/**
 * The `rle` list of a mask. `rows[y]` lists the painted pixel spans of row y as [start, end)
 * pairs, sorted and not overlapping; missing rows are empty.
 */
export function encodeBrushRle(width: number, height: number, rows: ReadonlyMap<number, ReadonlyArray<readonly [number, number]>>): number[] {
  const out = new BitWriter();
  const total = width * height * 4;
  out.write32(total);
  out.write(7, 5); // 8-bit words
  for (const w of WIDTHS) out.write(w - 1, 4);
  let pos = 0; // next value index not yet written
  let zeros = 0;
  for (const y of [...rows.keys()].sort((a, b) => a - b)) {
    for (const [start, end] of rows.get(y)!) {
      const at = (y * width + start) * 4;
      zeros += at - pos;
      if (zeros > 0) writeRun(out, zeros, 0);
      zeros = 0;
      writeRun(out, (end - start) * 4, 255);
      pos = (y * width + end) * 4;
    }
  }
  zeros += total - pos;
  if (zeros > 0) writeRun(out, zeros, 0);
  return out.finish();
}

/** Painted spans per row of the union of ellipses (cx, cy, rx, ry), clipped to the image. */
export function ellipseSpans(width: number, height: number, ellipses: ReadonlyArray<readonly [number, number, number, number]>): Map<number, Array<[number, number]>> {
  const rows = new Map<number, Array<[number, number]>>();
  for (let y = 0; y < height; y++) {
    const spans: Array<[number, number]> = [];
    for (const [cx, cy, rx, ry] of ellipses) {
      const dy = (y + 0.5 - cy) / ry;
      if (dy <= -1 || dy >= 1) continue;
      const half = rx * Math.sqrt(1 - dy * dy);
      const start = Math.max(0, Math.round(cx - half));
      const end = Math.min(width, Math.round(cx + half));
      if (end > start) spans.push([start, end]);
    }
    if (spans.length === 0) continue;
    spans.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [spans[0]];
    for (const s of spans.slice(1)) {
      const last = merged[merged.length - 1];
      if (s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
      else merged.push(s);
    }
    rows.set(y, merged);
  }
  return rows;
}
