// BRUSH_TO_COCO (export-formats.md §5): `result_coco.json`, stdlib json, indent 2, not
// ASCII-escaped, keys `images, annotations, categories, info`. Brush regions become one polygon per
// outer contour of their mask, polygons and rectangles are converted as the converter does.
// Fixes: F1 one image entry per task (the one the task's first image-creating item makes, with that
// item's index as id; later items add their annotations to it); F2 rotated rectangles get the
// pixel box around their corners; F7 a brush RLE that does not match its size skips the region;
// F8 a null `completed_by` is "unknown" like any other missing annotator.
// Memory: images are written as they come, annotations spooled to a temp file, categories (one per
// distinct label) are the only thing kept until the end.

import type { Encoder, EncoderContext } from '../../contracts.js';
import type { LabelConfig } from '../../label-config.js';
import { countSkip } from '../../run-context.js';
import type { Task } from '../../task.js';
import { decodeRegion } from './brush.js';
import { boundingRect, contourArea, FramedImage, framedContours } from './brush-contours.js';
import { annotatorOf, type Item, itemsOfTask, type Region } from './items.js';
import { PyFloat, pyJson } from './python-json.js';
import { percentRect, regionSize, rotatedBoxPx } from './rect-geometry.js';
import { requireLabelConfig } from './require-config.js';
import { singleFileEntry } from './single-file.js';
import { TextSpool } from './text-spool.js';

const IMAGE_EXT = ['.jpg', '.jpeg', '.png', '.gif', '.bmp'];

type Label = string | number | boolean | null;

/** Category ids from 1 in order of first appearance, with a random colour. */
class Categories {
  private readonly ids = new Map<Label, number>();
  readonly list: object[] = [];

  idOf(label: Label): number {
    let id = this.ids.get(label);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(label, id);
      const color = `#${Array.from({ length: 3 }, () => Math.floor(Math.random() * 256).toString(16).padStart(2, '0')).join('')}`;
      this.list.push({ id, name: label, supercategory: '', color, metadata: {} });
    }
    return id;
  }
}

/** Python `round()` to an int: halves go to the even neighbour. */
function pyRound(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Python iterates a bare string label list character by character. */
function labelList(v: unknown): Label[] {
  if (typeof v === 'string') return [...v];
  if (!Array.isArray(v)) return [];
  return v.map((l) => (l !== null && typeof l === 'object' ? JSON.stringify(l) : (l as Label)));
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `str(datetime.now())`: local time, microseconds unless zero. */
function pyNow(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return d.getMilliseconds() === 0 ? base : `${base}.${p(d.getMilliseconds() * 1000, 6)}`;
}

/** A value as json.dumps(indent=2) writes it nested `level` levels deep. */
function nested(value: unknown, level: number): string {
  return pyJson(value, { indent: 2, ensureAscii: false, level });
}

function hasKeys(region: Region, keys: string[]): boolean {
  return keys.every((k) => k in region);
}

interface ItemResult {
  image?: object;
  annotations: object[];
}

class BrushCoco {
  readonly categories = new Categories();
  private annotationId = 0;

  constructor(private readonly ctx: EncoderContext) {}

  private skip(item: Item, reason: string, detail?: string): void {
    countSkip(this.ctx.stats, reason);
    this.ctx.log.warn({ task: item.id, annotation: item.annotation_id, detail }, `${reason}: skipped`);
  }

  /** The converter's per-item conversion, with `imageId` as the image the annotations belong to. */
  convert(item: Item, imageId: number): ItemResult {
    const annotations: object[] = [];
    let imagePath: string | undefined;
    for (const v of Object.values(item.input)) {
      if (typeof v === 'string' && IMAGE_EXT.some((e) => v.toLowerCase().endsWith(e))) {
        imagePath = v;
        break;
      }
    }
    if (imagePath === undefined) {
      this.skip(item, 'BRUSH_TO_COCO item without an image path in its data');
      return { annotations };
    }
    if (item.output.size === 0) {
      countSkip(this.ctx.stats, 'BRUSH_TO_COCO item without annotation results');
      return { annotations };
    }
    let width: unknown;
    let height: unknown;
    const annotator = annotatorOf(item.completed_by, false) ?? 'unknown';
    const add = (fields: Record<string, unknown>) => {
      annotations.push({ id: this.annotationId++, image_id: imageId, ...fields, iscrowd: 0, annotator });
    };
    for (const regions of item.output.values()) {
      for (const region of regions) {
        if (width === undefined && 'original_width' in region) {
          width = region.original_width ?? null;
          height = region.original_height ?? null;
        }
        const typeKey = ['brushlabels', 'polygonlabels', 'rectanglelabels', 'labels'].find((k) => k in region);
        if (typeKey === undefined) continue;
        const type = String(region.type ?? '').toLowerCase();
        let contours: number[][] | null | undefined; // decoded once per region, on first use
        for (const label of labelList(region[typeKey])) {
          const categoryId = this.categories.idOf(label);
          if ('rle' in region && typeKey === 'brushlabels') {
            if (!hasKeys(region, ['original_width', 'original_height'])) {
              this.skip(item, 'brush region without original_width/original_height');
              continue;
            }
            if (contours === undefined) {
              // the mask goes straight into the contour tracer's zero-framed image
              let framed: FramedImage | undefined;
              const size = decodeRegion(this.ctx, item, region, (w, h) => {
                framed = new FramedImage(w, h);
                return { dest: framed.img, offset: framed.origin, pitch: framed.pitch, binary: true };
              });
              if (size && framed) {
                framed.onlyPixels(size.written.lo, size.written.hi, size.written.minX, size.written.maxX);
                contours = framedContours(framed);
              } else {
                contours = null;
              }
            }
            for (const c of contours ?? []) {
              if (c.length <= 4) continue; // fewer than 3 points
              add({ category_id: categoryId, segmentation: [c], area: Math.trunc(contourArea(c)), bbox: boundingRect(c) });
            }
          } else if ('points' in region && typeKey === 'polygonlabels') {
            const size = regionSize(region);
            const points = region.points;
            if (!size || !Array.isArray(points) || !points.every((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite))) {
              this.skip(item, 'polygon region without usable points or original_width/original_height');
              continue;
            }
            const flat = (points as number[][]).flatMap(([x, y]) => [pyRound((x * size.width) / 100), pyRound((y * size.height) / 100)]);
            add({ category_id: categoryId, segmentation: [flat], area: Math.trunc(contourArea(flat)), bbox: boundingRect(flat) });
          } else if (type === 'rectanglelabels' || typeKey === 'labels') {
            const r = percentRect(region);
            const size = regionSize(region);
            if (!r || !size) {
              this.skip(item, 'rectangle region without x/y/width/height or original_width/original_height');
              continue;
            }
            let box: number[];
            if (r.rotation !== 0) {
              const b = rotatedBoxPx(r, size.width, size.height); // F2
              box = [b.minx, b.miny, b.maxx - b.minx, b.maxy - b.miny];
            } else {
              box = [(r.x * size.width) / 100, (r.y * size.height) / 100, (r.width * size.width) / 100, (r.height * size.height) / 100];
            }
            add({ category_id: categoryId, segmentation: [], area: new PyFloat(box[2] * box[3]), bbox: box.map((v) => new PyFloat(v)) });
          }
        }
      }
    }
    if (width === undefined || width === null || height === undefined || height === null || annotations.length === 0) return { annotations };
    return { image: { id: imageId, file_name: basename(imagePath), path: imagePath, width, height }, annotations };
  }
}

async function* cocoText(tasks: AsyncIterable<Task[]>, ctx: EncoderContext, config: LabelConfig): AsyncGenerator<string | Buffer> {
  const coco = new BrushCoco(ctx);
  const spool = TextSpool.in(ctx.tmpDir, 'brush-coco-annotations');
  const element = (v: object) => `    ${nested(v, 2)}`;
  let itemIndex = 0;
  let images = 0;
  try {
    yield '{\n  "images": ';
    for await (const batch of tasks) {
      const imageTexts: string[] = [];
      for (const task of batch) {
        const items = itemsOfTask(task, config);
        if (items.length === 0) continue;
        ctx.stats.written++;
        let imageId: number | undefined; // F1: the task's one image entry
        for (const item of items) {
          const index = itemIndex++;
          const { image, annotations } = coco.convert(item, imageId ?? index);
          for (const a of annotations) spool.push(element(a));
          if (image && imageId === undefined) {
            imageId = index;
            imageTexts.push(element(image));
          }
        }
      }
      await spool.flush();
      if (imageTexts.length > 0) {
        yield `${images === 0 ? '[\n' : ',\n'}${imageTexts.join(',\n')}`;
        images += imageTexts.length;
      }
    }
    yield images === 0 ? '[],\n  "annotations": ' : '\n  ],\n  "annotations": ';
    if (spool.count === 0) {
      yield '[]';
    } else {
      yield '[\n';
      yield* spool.read();
      yield '\n  ]';
    }
    const now = new Date();
    const info = { year: now.getFullYear(), version: '1.0', description: 'Converted from Label Studio', contributor: 'Label Studio Converter', date_created: pyNow(now) };
    yield `,\n  "categories": ${nested(coco.categories.list, 1)},\n  "info": ${nested(info, 1)}\n}`;
  } finally {
    await spool.close();
  }
}

export const encodeBrushCoco: Encoder = async function* (tasks, ctx) {
  const config = requireLabelConfig(ctx, 'BRUSH_TO_COCO');
  yield singleFileEntry('result_coco.json', cocoText(tasks, ctx, config));
};
