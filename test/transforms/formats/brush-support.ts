// Test helpers for the brush formats: an rle-pack *encoder* written from the bit format in
// shared/spec/export-formats.md (independent of src/transforms/formats/brush-rle.ts), seeded
// random masks, a real EncoderContext, and running an encoder to a list of files.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { Encoder, EncoderContext } from '../../../src/contracts.js';
import type { Task } from '../../../src/task.js';
import { CONFORMANCE } from '../../support/cli.js';
import { testContext } from '../../support/encoder-context.js';

export interface RleOptions {
  wordSize?: number;
  /** The four run-length field widths. */
  widths?: [number, number, number, number];
  /** Encode runs of this length or longer as repeats; shorter ones go into literal runs. */
  minRepeat?: number;
  /** Declare this value count instead of the real one. */
  declare?: number;
}

/** rle-pack bit stream of `values`, as a list of byte values (what Label Studio stores in `rle`). */
export function encodeRle(values: ArrayLike<number>, opts: RleOptions = {}): number[] {
  const wordSize = opts.wordSize ?? 8;
  const widths = opts.widths ?? [3, 4, 8, 16];
  const minRepeat = opts.minRepeat ?? 2;
  const bits: number[] = [];
  const put = (v: number, n: number) => {
    for (let i = n - 1; i >= 0; i--) bits.push(Math.floor(v / 2 ** i) % 2);
  };
  put(opts.declare ?? values.length, 32);
  put(wordSize - 1, 5);
  for (const w of widths) put(w - 1, 4);
  const maxRun = 2 ** Math.max(...widths);
  const field = (len: number): [number, number] => {
    const idx = widths.findIndex((w) => len - 1 < 2 ** w);
    if (idx < 0) throw new Error(`run of ${len} does not fit`);
    return [idx, widths[idx]];
  };
  let literal: number[] = [];
  const flushLiteral = () => {
    while (literal.length > 0) {
      const chunk = literal.splice(0, maxRun);
      const [idx, w] = field(chunk.length);
      put(0, 1);
      put(idx, 2);
      put(chunk.length - 1, w);
      for (const v of chunk) put(v, wordSize);
    }
  };
  let i = 0;
  while (i < values.length) {
    let j = i;
    while (j < values.length && values[j] === values[i]) j++;
    const len = j - i;
    if (len >= minRepeat) {
      flushLiteral();
      for (let left = len; left > 0; ) {
        const c = Math.min(left, maxRun);
        const [idx, w] = field(c);
        put(1, 1);
        put(idx, 2);
        put(c - 1, w);
        put(values[i], wordSize);
        left -= c;
      }
    } else {
      for (let k = i; k < j; k++) literal.push(values[k]);
    }
    i = j;
  }
  flushLiteral();
  while (bits.length % 8 !== 0) bits.push(0);
  const out: number[] = [];
  for (let b = 0; b < bits.length; b += 8) out.push(bits.slice(b, b + 8).reduce((a, x) => a * 2 + x, 0));
  return out;
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A blobby mask: runs of equal values, with a few odd values. */
export function randomMask(width: number, height: number, seed: number): Uint8Array {
  const r = rng(seed);
  const m = new Uint8Array(width * height);
  let v = 0;
  for (let i = 0; i < m.length; i++) {
    if (r() < 0.25) v = r() < 0.5 ? 0 : [255, 128, 1, 77][Math.floor(r() * 4)];
    m[i] = v;
  }
  return m;
}

/** RGBA bytes whose alpha is the mask; R, G and B differ from it on purpose. */
export function rgbaOf(mask: Uint8Array): number[] {
  const out: number[] = [];
  for (const a of mask) out.push(17, a === 0 ? 250 : 3, 200, a);
  return out;
}

export const BRUSH_CONFIG = `<View>
  <Image name="image" value="$image"/>
  <BrushLabels name="tag" toName="image"><Label value="Car"/><Label value="Dog"/></BrushLabels>
  <PolygonLabels name="poly" toName="image"><Label value="Lane"/></PolygonLabels>
  <RectangleLabels name="box" toName="image"><Label value="Sign"/></RectangleLabels>
</View>`;

/** A brush result region for `mask` (width×height), with `value` fields added/overridden. */
export function brushResult(mask: Uint8Array, width: number, height: number, value: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    type: 'brushlabels',
    from_name: 'tag',
    to_name: 'image',
    original_width: width,
    original_height: height,
    value: { format: 'rle', rle: encodeRle(rgbaOf(mask)), ...value },
    ...extra,
  };
}

export function context(tmp: string): EncoderContext {
  return { ...testContext({ config: BRUSH_CONFIG, batchSize: 2 }), tmpDir: tmp };
}

async function* batches(tasks: Task[], size: number): AsyncGenerator<Task[]> {
  for (let i = 0; i < tasks.length; i += size) yield tasks.slice(i, i + size);
}

async function bytesOf(body: Readable | Buffer | string): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body);
  if (Buffer.isBuffer(body)) return body;
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(parts);
}

/** Runs an encoder on tasks (in batches of 2) and returns its files, in order. */
export async function encode(encoder: Encoder, tasks: unknown[], ctx: EncoderContext): Promise<Array<{ path: string; bytes: Buffer }>> {
  const out: Array<{ path: string; bytes: Buffer }> = [];
  for await (const e of encoder(batches(tasks as Task[], 2), ctx)) out.push({ path: e.path, bytes: await bytesOf(e.body) });
  return out;
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes files under dir (creating folders). */
export function writeFiles(dir: string, files: Array<{ path: string; bytes: Buffer }>): void {
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.bytes);
  }
}

/** shared/conformance/compare.mjs on two folders: exit code and report. */
export function compare(format: string, expected: string, actual: string): { code: number; output: string } {
  try {
    const output = execFileSync(process.execPath, [join(CONFORMANCE, 'compare.mjs'), '--format', format, expected, actual], { encoding: 'utf8' });
    return { code: 0, output };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, output: `${err.stdout}${err.stderr}` };
  }
}
