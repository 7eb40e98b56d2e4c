// COCO for one task (export-formats.md §5 COCO; R4, R7, F1, F2, F7, F9): at most one image
// entry per task (F1: the one the reference creates for the task's first item that creates one;
// later items add their annotations to it) and the annotations of all its items.

import type { Json } from '../../task.js';
import type { CategoryTable } from './categories.js';
import { PyFloat } from './coco-json.js';
import type { ResolvedImage } from './image-paths.js';
import { annotatorOf, type Item, type Region } from './items.js';
import { percentRect, regionSize, rotatedBoxPx } from './rect-geometry.js';

export interface CocoImage {
  width: number | null;
  height: number | null;
  id: number;
  file_name: string;
}

export interface CocoState {
  categories: CategoryTable;
  /** Keypoint labels with a model_index, in its order (empty: no keypoints in the config). */
  kpOrder: string[];
  /** Image entries written so far (the next image id). */
  images: number;
  /** Annotations written so far (the next annotation id). */
  annotations: number;
  /** LABEL_STUDIO_FORCE_ANNOTATOR_EXPORT: every annotation names its annotator (F9). */
  withAnnotator: boolean;
  skip: (reason: string) => void;
  warn: (msg: string) => void;
}

export type CocoAnnotation = Record<string, Json | PyFloat | PyFloat[] | PyFloat[][]>;

export interface CocoTaskOutput {
  image?: CocoImage;
  annotations: CocoAnnotation[];
}

/** The converter computes these as Python floats (`384.0`, not `384`). */
const floats = (xs: number[]) => xs.map((x) => new PyFloat(x));

const CATEGORY_KEYS = ['rectanglelabels', 'polygonlabels', 'keypointlabels', 'labels'];

function has(region: Region, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(region, key);
}

function categoryName(region: Region): string | undefined {
  for (const key of CATEGORY_KEYS) {
    const v = region[key];
    if (Array.isArray(v) && v.length > 0) return String(v[0]);
  }
  return undefined;
}

/** Python's round(): half to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function rectAnnotation(region: Region, W: number, H: number): { bbox: number[]; area: number } | undefined {
  const r = percentRect(region);
  if (!r) return undefined;
  const size = regionSize(region) ?? { width: W, height: H }; // F7: no own size → the image's
  if (r.rotation === 0) {
    const x = (r.x * size.width) / 100;
    const y = (r.y * size.height) / 100;
    const w = (r.width * size.width) / 100;
    const h = (r.height * size.height) / 100;
    return { bbox: [x, y, w, h], area: w * h };
  }
  const b = rotatedBoxPx(r, size.width, size.height); // F2
  const w = b.maxx - b.minx;
  const h = b.maxy - b.miny;
  return { bbox: [b.minx, b.miny, w, h], area: w * h };
}

function polygonAnnotation(region: Region, W: number, H: number): { segmentation: number[][]; bbox: number[]; area: number } | undefined {
  const pts = region.points;
  if (!Array.isArray(pts) || pts.length === 0) return undefined;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const p of pts) {
    if (!Array.isArray(p) || typeof p[0] !== 'number' || typeof p[1] !== 'number') return undefined;
    xs.push((p[0] / 100) * W);
    ys.push((p[1] / 100) * H);
  }
  const minx = Math.min(...xs);
  const miny = Math.min(...ys);
  let xy = 0; // shoelace as numpy computes it: dot(x, roll(y, 1)) − dot(y, roll(x, 1))
  let yx = 0;
  for (let i = 0; i < xs.length; i++) {
    const j = (i - 1 + xs.length) % xs.length;
    xy += xs[i] * ys[j];
    yx += ys[i] * xs[j];
  }
  return {
    segmentation: [xs.flatMap((x, i) => [x, ys[i]])],
    bbox: [minx, miny, Math.max(...xs) - minx, Math.max(...ys) - miny],
    area: 0.5 * Math.abs(xy - yx),
  };
}

/** One annotation for all keypoints of an item, in model_index order. */
function keypointAnnotation(kps: Region[], order: string[], W: number, H: number): { keypoints: number[]; num_keypoints: number; bbox: number[] } {
  const keypoints = new Array<number>(order.length * 3).fill(0);
  for (const kp of kps) {
    const size = regionSize(kp) ?? { width: W, height: H };
    if (typeof kp.x !== 'number' || typeof kp.y !== 'number') continue;
    const x = (kp.x / 100) * size.width;
    const y = (kp.y / 100) * size.height;
    const labels = Array.isArray(kp.keypointlabels) ? kp.keypointlabels : [];
    for (const label of labels) {
      const idx = order.indexOf(String(label));
      if (idx < 0) continue;
      keypoints[3 * idx] = roundHalfEven(x);
      keypoints[3 * idx + 1] = roundHalfEven(y);
      keypoints[3 * idx + 2] = 2;
    }
  }
  const visible = order.map((_, i) => i).filter((i) => keypoints[3 * i + 2] > 0);
  let bbox = [0, 0, 0, 0];
  if (visible.length > 0) {
    const xs = visible.map((i) => keypoints[3 * i]);
    const ys = visible.map((i) => keypoints[3 * i + 1]);
    const [minx, miny] = [Math.min(...xs), Math.min(...ys)];
    bbox = [minx, miny, Math.max(...xs) - minx, Math.max(...ys) - miny];
  }
  return { keypoints, num_keypoints: visible.length, bbox };
}

/** The image entry and annotations of one task's items (newest annotation first). */
export function cocoTask(items: Item[], image: ResolvedImage, st: CocoState): CocoTaskOutput {
  const out: CocoTaskOutput = { annotations: [] };
  const createImage = (width: number | null, height: number | null): CocoImage => {
    out.image = { width, height, id: st.images++, file_name: image.fileName };
    return out.image;
  };
  if (image.width && image.height) createImage(image.width, image.height); // an opened image is listed at once
  for (const item of items) {
    let width = out.image?.width ?? null;
    let height = out.image?.height ?? null;
    if (item.output.size === 0) {
      if (!out.image) createImage(null, null);
      continue;
    }
    const regions = [...item.output.values()].flat();
    const kps: Region[] = [];
    const annotator: Json = st.withAnnotator ? annotatorOf(item.completed_by, false) : null;
    for (const region of regions) {
      const name = categoryName(region);
      if (name === undefined) {
        st.skip('region without a label');
        continue;
      }
      if (!width || !height) {
        const size = regionSize(region);
        if (!size) {
          st.skip('region without original_width/original_height and no image size');
          continue;
        }
        width = size.width;
        height = size.height;
        if (!out.image) createImage(width, height);
      }
      const imageId = (out.image as CocoImage).id;
      const categoryId = st.categories.idFor(name, st.warn);
      let ann: CocoAnnotation | undefined;
      if (has(region, 'rectanglelabels') || has(region, 'labels')) {
        const r = rectAnnotation(region, width, height);
        if (r) ann = { id: 0, image_id: imageId, category_id: categoryId, segmentation: [], bbox: floats(r.bbox), ignore: 0, iscrowd: 0, area: new PyFloat(r.area) };
      } else if (has(region, 'polygonlabels')) {
        const p = polygonAnnotation(region, width, height);
        if (p) ann = { id: 0, image_id: imageId, category_id: categoryId, segmentation: p.segmentation.map(floats), bbox: floats(p.bbox), ignore: 0, iscrowd: 0, area: new PyFloat(p.area) };
      } else if (has(region, 'keypointlabels')) {
        kps.push(region);
        continue;
      }
      if (!ann) {
        st.skip('region without usable coordinates');
        continue;
      }
      ann.id = st.annotations++;
      if (st.withAnnotator) ann.annotator = annotator;
      out.annotations.push(ann);
    }
    if (kps.length > 0 && out.image) {
      if (st.kpOrder.length === 0) {
        st.skip('keypoints without model_index');
        continue;
      }
      const k = keypointAnnotation(kps, st.kpOrder, width ?? 0, height ?? 0);
      const ann: CocoAnnotation = {
        id: st.annotations++,
        image_id: out.image.id,
        category_id: st.categories.get(st.kpOrder[0]) ?? 0,
        keypoints: k.keypoints,
        num_keypoints: k.num_keypoints,
        bbox: k.bbox,
        iscrowd: 0,
      };
      if (st.withAnnotator) ann.annotator = annotator;
      out.annotations.push(ann);
    }
  }
  return out;
}
