// Rectangle regions in pixels (shared by COCO, YOLO, VOC). Label Studio stores x, y, width,
// height in percent of the image and `rotation` in degrees, clockwise about the stored top-left
// corner. F2 (conformance README §5.2): a rotated rectangle becomes the axis-aligned box around
// its four corners, computed in pixels; an unrotated one keeps the reference formulas.

import type { Json } from '../../task.js';
import type { Region } from './items.js';

export interface PercentRect {
  x: number;
  y: number;
  width: number;
  height: number;
  rotation: number;
}

function num(v: Json | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** x, y, width, height (and rotation, 0 when absent) of a region, or undefined when one is missing. */
export function percentRect(region: Region): PercentRect | undefined {
  const x = num(region.x);
  const y = num(region.y);
  const width = num(region.width);
  const height = num(region.height);
  if (x === undefined || y === undefined || width === undefined || height === undefined) return undefined;
  return { x, y, width, height, rotation: num(region.rotation) ?? 0 };
}

/** The region's own `original_width/height`, when both are numbers. */
export function regionSize(region: Region): { width: number; height: number } | undefined {
  const width = num(region.original_width);
  const height = num(region.original_height);
  return width === undefined || height === undefined ? undefined : { width, height };
}

/** The four corners in pixels: top-left, top-right, bottom-right, bottom-left (YOLO_OBB order). */
export function cornersPx(r: PercentRect, W: number, H: number): Array<[number, number]> {
  const x = (r.x / 100) * W;
  const y = (r.y / 100) * H;
  const w = (r.width / 100) * W;
  const h = (r.height / 100) * H;
  const t = (r.rotation * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  return [
    [x, y],
    [x + w * cos, y + w * sin],
    [x + w * cos - h * sin, y + w * sin + h * cos],
    [x - h * sin, y + h * cos],
  ];
}

export interface PxBox {
  minx: number;
  miny: number;
  maxx: number;
  maxy: number;
}

/** F2: the axis-aligned box around the rotated rectangle, in pixels. */
export function rotatedBoxPx(r: PercentRect, W: number, H: number): PxBox {
  const c = cornersPx(r, W, H);
  const xs = c.map((p) => p[0]);
  const ys = c.map((p) => p[1]);
  return { minx: Math.min(...xs), miny: Math.min(...ys), maxx: Math.max(...xs), maxy: Math.max(...ys) };
}
