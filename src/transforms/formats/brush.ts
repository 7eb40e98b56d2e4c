// BRUSH_TO_NUMPY / BRUSH_TO_PNG (export-formats.md §5): one file per brush region, directly in
// the output folder, named `task-<task>-annotation-<annotation>-by-<who>-<from_name>-<labels>-<n>`
// (R10). NUMPY writes `.npy` 1.0 files (uint8, shape (height, width)), PNG 8-bit grayscale.
// A region whose RLE does not match its size, or that has no size, is skipped, logged and counted
// (F7); the converter would stop the whole export. Memory: one decoded mask at a time.

import { PNG } from 'pngjs';
import type { Encoder, EncoderContext, Entry } from '../../contracts.js';
import { countSkip } from '../../run-context.js';
import { safeRelativePath } from '../../sinks/safe-path.js';
import type { Task } from '../../task.js';
import { decodeBrushMask, RleError } from './brush-rle.js';
import { type Item, itemsOfTask, type Region } from './items.js';
import { requireLabelConfig } from './require-config.js';

/** Python's `str()` of a scalar, for file names. */
function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

const KEEP = /^[\p{L}\p{N}@.]$/u;

/** R10: the email (or `str(completed_by)`), keeping only Unicode letters/digits, `@` and `.`. */
export function brushWho(completedBy: Item['completed_by']): string {
  let raw: string;
  if (completedBy !== null && typeof completedBy === 'object') {
    raw = completedBy.email === undefined ? '' : pyStr(completedBy.email);
  } else {
    raw = pyStr(completedBy);
  }
  return [...raw].filter((c) => KEEP.test(c)).join('');
}

/** Python's `"-".join(labels)`: a list of names, or (quirk) the characters of a bare string. */
function joinLabels(labels: unknown): string {
  if (typeof labels === 'string') return [...labels].join('-');
  if (Array.isArray(labels)) return labels.map(pyStr).join('-');
  return pyStr(labels);
}

export interface BrushRegion {
  /** File name without extension. */
  stem: string;
  region: Region;
}

/** The brush regions of an item in the converter's order, with their file names (R10). */
export function brushRegionsOf(item: Item, ctx: EncoderContext): BrushRegion[] {
  const who = brushWho(item.completed_by);
  const prefix = `task-${pyStr(item.id)}-annotation-${pyStr(item.annotation_id)}-by-${who}-`;
  const out: BrushRegion[] = [];
  for (const [fromName, regions] of item.output) {
    const counters = new Map<string, number>();
    for (const region of regions) {
      const type = String(region.type ?? '').toLowerCase();
      const key = type === 'brushlabels' ? 'brushlabels' : type === 'labels' ? 'labels' : null;
      if (key === null || !('rle' in region)) continue;
      if (!('original_width' in region) || !('original_height' in region)) {
        skipRegion(ctx, item, 'brush region without original_width/original_height');
        continue;
      }
      const name = `${fromName}-${key in region ? joinLabels(region[key]) : 'no_label'}`;
      const n = counters.get(name) ?? 0;
      counters.set(name, n + 1);
      out.push({ stem: safeRelativePath(`${prefix}${name}-${n}`.replace(/[/\\]/g, '-')), region });
    }
  }
  return out;
}

export function skipRegion(ctx: EncoderContext, item: Item, reason: string, detail?: string): void {
  countSkip(ctx.stats, reason);
  ctx.log.warn({ task: item.id, annotation: item.annotation_id, detail }, `${reason}: region skipped`);
}

/** Decodes a region's mask, or skips it (F7) and returns null. */
export function maskOf(ctx: EncoderContext, item: Item, region: Region): Uint8Array | null {
  try {
    return decodeBrushMask(region.rle, region.original_width, region.original_height);
  } catch (e) {
    if (!(e instanceof RleError)) throw e;
    skipRegion(ctx, item, 'brush RLE does not match its size', e.message);
    return null;
  }
}

/** A `.npy` 1.0 file as numpy 1.24's `np.save` writes a uint8 (height, width) array. */
export function npyFile(mask: Uint8Array, height: number, width: number): Buffer {
  // numpy pads the dict with spaces for in-place growth of the first axis (21 digits), then
  // aligns the data to 64 bytes with spaces and a final newline.
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${height}, ${width}), }`;
  header += ' '.repeat(Math.max(0, 21 - String(height).length));
  const hlen = header.length + 1;
  const padded = `${header}${' '.repeat(64 - ((10 + hlen) % 64))}\n`;
  const head = Buffer.alloc(10);
  head[0] = 0x93;
  head.write('NUMPY', 1, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(padded.length, 8);
  return Buffer.concat([head, Buffer.from(padded, 'latin1'), mask]);
}

/**
 * An 8-bit grayscale PNG of the mask (Pillow mode L). Row filter "none": masks are long runs that
 * deflate compresses well unfiltered; pngjs's default tries all five filters on every row, which
 * made a 640×480 mask cost ~49 ms instead of ~6 ms (and a larger file).
 */
export function pngFile(mask: Uint8Array, height: number, width: number): Buffer {
  return PNG.sync.write(
    { width, height, data: Buffer.from(mask.buffer, mask.byteOffset, mask.byteLength) } as PNG,
    { colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false, filterType: 0 },
  );
}

type FileWriter = (mask: Uint8Array, height: number, width: number) => Buffer;

async function* maskFiles(tasks: AsyncIterable<Task[]>, ctx: EncoderContext, format: string, ext: string, write: FileWriter): AsyncGenerator<Entry> {
  const config = requireLabelConfig(ctx, format);
  for await (const batch of tasks) {
    for (const task of batch) {
      const items = itemsOfTask(task, config);
      if (items.length === 0) continue;
      ctx.stats.written++;
      for (const item of items) {
        const regions = brushRegionsOf(item, ctx);
        // Same file name twice in one item (labels differing only by / or \): the converter's
        // later file overwrites the earlier one, so only the last is written.
        const last = new Map<string, number>();
        regions.forEach((r, i) => last.set(r.stem, i));
        for (let i = 0; i < regions.length; i++) {
          const { stem, region } = regions[i];
          if (last.get(stem) !== i) {
            skipRegion(ctx, item, 'brush mask overwritten by a later one with the same file name', stem);
            continue;
          }
          const mask = maskOf(ctx, item, region);
          if (!mask) continue;
          const width = region.original_width as number;
          const height = region.original_height as number;
          if (ext === '.png' && mask.length === 0) {
            skipRegion(ctx, item, 'brush region of size 0 (no PNG possible)', stem);
            continue;
          }
          yield { path: `${stem}${ext}`, body: write(mask, height, width) };
        }
      }
    }
  }
}

export const encodeBrushNumpy: Encoder = (tasks, ctx) => maskFiles(tasks, ctx, 'BRUSH_TO_NUMPY', '.npy', npyFile);

export const encodeBrushPng: Encoder = (tasks, ctx) => maskFiles(tasks, ctx, 'BRUSH_TO_PNG', '.png', pngFile);
