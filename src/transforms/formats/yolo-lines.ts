// The lines of one YOLO label file (export-formats.md §5 YOLO): plain mode (rectangles as centre
// + size, polygons as points, OBB as four corners, one line per label of a region) and keypoint
// mode (rectangles with the keypoints attached to them by parentID, R8). Numbers print as
// Python's str() (R1); plain lines end with "\n", keypoint mode has no final newline.

import type { Json } from '../../task.js';
import type { CategoryTable } from './categories.js';
import type { Region } from './items.js';
import { pyFloat } from './py-float.js';
import { cornersPx, percentRect, regionSize, rotatedBoxPx } from './rect-geometry.js';

export interface LineContext {
  categories: CategoryTable;
  obb: boolean;
  /** Counts a skipped region by reason. */
  skip: (reason: string) => void;
  warn: (msg: string) => void;
}

function labelNames(region: Region): string[] {
  const names: string[] = [];
  for (const key of ['rectanglelabels', 'polygonlabels', 'labels']) {
    const v = region[key];
    if (Array.isArray(v)) for (const n of v) if (typeof n === 'string') names.push(n);
  }
  return names;
}

function hasKey(region: Region, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(region, key);
}

/** Plain YOLO: `cls xc yc w h`; F2 for a rotated rectangle (needs original_width/height). */
function plainRect(region: Region, ctx: LineContext): number[] | undefined | null {
  const r = percentRect(region);
  if (!r) return undefined;
  if (r.rotation === 0) return [(r.x + r.width / 2) / 100, (r.y + r.height / 2) / 100, r.width / 100, r.height / 100];
  const size = regionSize(region);
  if (!size) {
    ctx.skip('rotated rectangle without original_width/original_height');
    return null; // counted
  }
  const b = rotatedBoxPx(r, size.width, size.height);
  return [(b.minx + b.maxx) / 2 / size.width, (b.miny + b.maxy) / 2 / size.height, (b.maxx - b.minx) / size.width, (b.maxy - b.miny) / size.height];
}

/** YOLO OBB: the four corners normalised; needs the size and a `rotation` key (as the reference). */
function obbRect(region: Region): number[] | undefined {
  const r = percentRect(region);
  const size = regionSize(region);
  if (!r || !size || !hasKey(region, 'rotation')) return undefined;
  return cornersPx(r, size.width, size.height).flatMap(([x, y]) => [x / size.width, y / size.height]);
}

function polygonPoints(region: Region): number[] | undefined {
  const pts = region.points;
  if (!Array.isArray(pts)) return undefined;
  const out: number[] = [];
  for (const p of pts) {
    if (!Array.isArray(p) || typeof p[0] !== 'number' || typeof p[1] !== 'number') return undefined;
    out.push(p[0] / 100, p[1] / 100);
  }
  return out;
}

/** Plain mode: the text of a label file for the regions of one item. */
export function plainLines(regions: Region[], ctx: LineContext): string {
  let text = '';
  for (const region of regions) {
    const names = labelNames(region);
    if (names.length === 0) continue;
    for (const name of names) {
      const cls = ctx.categories.idFor(name, ctx.warn);
      let values: number[] | undefined | null;
      if (hasKey(region, 'rectanglelabels') || hasKey(region, 'rectangle') || hasKey(region, 'labels')) {
        values = ctx.obb ? obbRect(region) : plainRect(region, ctx);
      } else if (hasKey(region, 'polygonlabels') || hasKey(region, 'polygon')) {
        values = polygonPoints(region);
      }
      if (!values) {
        if (values === undefined) ctx.skip('region without usable coordinates');
        continue;
      }
      text += `${cls} ${values.map(pyFloat).join(' ')}\n`;
    }
  }
  return text;
}

function firstLabel(v: Json | undefined): string | undefined {
  return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

/** Keypoint mode (R8): one line per rectangle, keypoints in `order`, `0.0 0.0 0` when absent. */
export function keypointLines(regions: Region[], order: string[], ctx: LineContext): string {
  const rects = new Map<Json | undefined, { base: number[]; cls: number; kps: Map<string, [number, number]> }>();
  for (const region of regions) {
    if (String(region.type).toLowerCase() !== 'rectanglelabels') continue;
    const name = firstLabel(region.rectanglelabels);
    const cls = name === undefined ? undefined : ctx.categories.get(name);
    if (cls === undefined) continue;
    const r = percentRect(region);
    if (!r) {
      ctx.skip('region without usable coordinates');
      continue;
    }
    const x = r.x / 100;
    const y = r.y / 100;
    const w = r.width / 100;
    const h = r.height / 100;
    rects.set(region.id, { cls, base: [x + w / 2, y + h / 2, w, h], kps: new Map() });
  }
  for (const region of regions) {
    if (String(region.type).toLowerCase() !== 'keypointlabels') continue;
    const rect = rects.get(region.parentID);
    const name = firstLabel(region.keypointlabels);
    if (!rect || name === undefined) continue;
    if (typeof region.x !== 'number' || typeof region.y !== 'number') {
      ctx.skip('region without usable coordinates');
      continue;
    }
    rect.kps.set(name, [region.x / 100, region.y / 100]);
  }
  const lines: string[] = [];
  for (const rect of rects.values()) {
    const parts = [String(rect.cls), ...rect.base.map(pyFloat)];
    for (const k of order) {
      const kp = rect.kps.get(k);
      parts.push(...(kp ? [pyFloat(kp[0]), pyFloat(kp[1]), '2'] : ['0.0', '0.0', '0']));
    }
    lines.push(parts.join(' '));
  }
  return lines.join('\n');
}
