// BRUSH_TO_NUMPY / BRUSH_TO_PNG (export-formats.md §5): one file per brush region, directly in
// the output folder, named `task-<task>-annotation-<annotation>-by-<who>-<from_name>-<labels>-<n>`
// (R10). NUMPY writes `.npy` 1.0 files (uint8, shape (height, width)), PNG 8-bit grayscale.
// A region whose RLE does not match its size, or that has no size, is skipped, logged and counted
// (F7); the converter would stop the whole export. Memory: one decoded mask at a time, decoded
// straight into the .npy body or the PNG scanlines.

import type { Encoder, EncoderContext, Entry } from '../../contracts.js';
import { countSkip } from '../../run-context.js';
import { safeRelativePath } from '../../sinks/safe-path.js';
import type { Task } from '../../task.js';
import { brushSize, decodeBrushAlphaInto, RleError, type RowLayout, type Written } from './brush-rle.js';
import { grayPngAsync, ScanlinePool } from './png-file.js';
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

/**
 * Decodes a region's mask into the layout `into(width, height)` returns (called once the RLE is
 * known to match the region's size; the destination must be zero there) and returns its size and
 * the pixels outside which all are zero, or skips the region (F7) and returns null.
 */
export function decodeRegion(
  ctx: EncoderContext,
  item: Item,
  region: Region,
  into: (width: number, height: number) => Omit<RowLayout, 'width'>,
): { width: number; height: number; written: Written } | null {
  try {
    const size = brushSize(region.original_width, region.original_height);
    const written = decodeBrushAlphaInto(region.rle, size.width, size.height, () => into(size.width, size.height));
    return { ...size, written };
  } catch (e) {
    if (!(e instanceof RleError)) throw e;
    skipRegion(ctx, item, 'brush RLE does not match its size', e.message);
    return null;
  }
}

/** The header of a `.npy` 1.0 file as numpy 1.24's `np.save` writes a uint8 (height, width) array. */
export function npyHeader(height: number, width: number): Buffer {
  // numpy pads the dict with spaces for in-place growth of the first axis (21 digits), then
  // aligns the data to 64 bytes with spaces and a final newline.
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${height}, ${width}), }`;
  header += ' '.repeat(Math.max(0, 21 - String(height).length));
  const hlen = header.length + 1;
  const padded = `${header}${' '.repeat(64 - ((10 + hlen) % 64))}\n`;
  const head = Buffer.alloc(10 + padded.length);
  head[0] = 0x93;
  head.write('NUMPY', 1, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(padded.length, 8);
  head.write(padded, 10, 'latin1');
  return head;
}

/** One output file of a region: `into` gets the mask decoded (see decodeRegion), `finish` the file. */
interface MaskFile {
  into(width: number, height: number): Omit<RowLayout, 'width'>;
  /** The file's body (or its promise), or a reason to skip the region. */
  finish(width: number, height: number): Buffer | Promise<Buffer> | { skip: string };
}

/** `.npy`: the mask is decoded straight into the file body after the header. */
function npyFile(): MaskFile {
  let body: Buffer = Buffer.alloc(0);
  return {
    into(width, height) {
      const header = npyHeader(height, width);
      body = Buffer.alloc(header.length + width * height);
      header.copy(body);
      return { dest: body, offset: header.length, pitch: width };
    },
    finish: () => body,
  };
}

/**
 * PNG: the mask is decoded into scanlines (filter byte 0 + row) lent by `pool`, then deflated on the
 * libuv threadpool (png-file.ts), so compression overlaps decoding the next masks.
 */
function pngFile(pool: ScanlinePool): MaskFile {
  let raw: Buffer = Buffer.alloc(0);
  return {
    into(width, height) {
      raw = pool.acquire(width, height);
      return { dest: raw, offset: 1, pitch: width + 1 };
    },
    finish(width, height) {
      if (width * height === 0) {
        pool.release(raw);
        return { skip: 'brush region of size 0 (no PNG possible)' };
      }
      return grayPngAsync(raw, width, height).finally(() => pool.release(raw));
    },
  };
}

/** PNGs deflating at once: enough to keep a second core busy, constant memory. */
const PNG_IN_FLIGHT = 4;

async function* maskFiles(tasks: AsyncIterable<Task[]>, ctx: EncoderContext, format: string, ext: string, file: () => MaskFile): AsyncGenerator<Entry> {
  const config = requireLabelConfig(ctx, format);
  // bodies still being made (PNG deflates), in output order; at most PNG_IN_FLIGHT
  const pending: Array<{ path: string; body: Promise<Buffer> }> = [];
  const next = async (): Promise<Entry> => {
    const { path, body } = pending.shift()!;
    return { path, body: await body };
  };
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
          const f = file();
          const size = decodeRegion(ctx, item, region, f.into);
          if (!size) continue;
          const body = f.finish(size.width, size.height);
          const path = `${stem}${ext}`;
          if (body instanceof Promise) {
            body.catch(() => {}); // awaited (and thrown) in order by next()
            pending.push({ path, body });
            if (pending.length >= PNG_IN_FLIGHT) yield await next();
            continue;
          }
          if (!Buffer.isBuffer(body)) {
            skipRegion(ctx, item, body.skip, stem);
            continue;
          }
          while (pending.length > 0) yield await next();
          yield { path, body };
        }
      }
    }
  }
  while (pending.length > 0) yield await next();
}

export const encodeBrushNumpy: Encoder = (tasks, ctx) => maskFiles(tasks, ctx, 'BRUSH_TO_NUMPY', '.npy', npyFile);

export const encodeBrushPng: Encoder = (tasks, ctx) => {
  const pool = new ScanlinePool(PNG_IN_FLIGHT + 1);
  return maskFiles(tasks, ctx, 'BRUSH_TO_PNG', '.png', () => pngFile(pool));
};
