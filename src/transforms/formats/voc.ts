// Pascal VOC XML (export-formats.md §5 VOC; R1, R3, R7, F2, F8): `Annotations/<image name>.xml`
// per task, written as Python's minidom does (no indentation, "\n" after every element). The
// size comes from the item's first region; an item whose first region has none is skipped. With
// several annotations the oldest one that produces a file remains (R3).
//
// Images are not downloaded (the converter's download_resources off, as in the conformance
// runs): names are the §6 cache names and `depth` is 3 unless a fetched image tells otherwise.

import type { Encoder, EncoderContext, Entry } from '../../contracts.js';
import { countSkip } from '../../run-context.js';
import { basename, fileStem, resolveImage, type ResolvedImage } from './image-paths.js';
import { annotatorOf, type Item, itemsOfTask, type Region } from './items.js';
import { percentRect, regionSize, rotatedBoxPx } from './rect-geometry.js';
import { requireLabelConfig } from './require-config.js';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/>/g, '&gt;');
}

function el(tag: string, text: string): string {
  return `<${tag}>${esc(text)}</${tag}>\n`;
}

/** Python `str()` of a JSON number used as a size (ints print bare). */
function pyNum(n: number): string {
  return String(n);
}

/** xmin, ymin, xmax, ymax as the reference truncates them; F2 box for a rotated rectangle. */
function bndbox(region: Region, W: number, H: number): [number, number, number, number] | undefined {
  const r = percentRect(region);
  if (!r) return undefined;
  if (r.rotation === 0) {
    const x = Math.trunc((r.x / 100) * W);
    const y = Math.trunc((r.y / 100) * H);
    const w = Math.trunc((r.width / 100) * W);
    const h = Math.trunc((r.height / 100) * H);
    return [x, y, x + w, y + h];
  }
  const b = rotatedBoxPx(r, W, H);
  const x = Math.trunc(b.minx);
  const y = Math.trunc(b.miny);
  return [x, y, x + Math.trunc(b.maxx - b.minx), y + Math.trunc(b.maxy - b.miny)];
}

function labelOf(region: Region): string | undefined {
  const v = Object.prototype.hasOwnProperty.call(region, 'rectanglelabels') ? region.rectanglelabels : region.labels;
  if (!Array.isArray(v) || v.length === 0) return undefined;
  return String(v[0]);
}

/** The XML of one item, or undefined when the reference writes none for it. */
export function vocXml(item: Item, image: ResolvedImage, skip: (reason: string) => void): string | undefined {
  const regions = [...item.output.values()].flat();
  if (regions.length === 0) return undefined;
  const size = regionSize(regions[0]);
  if (!size) {
    skip('first region has no original_width/original_height');
    return undefined;
  }
  const { width: W, height: H } = size;
  let xml = '<?xml version="1.0" encoding="utf-8"?>\n<annotation>\n';
  xml += el('folder', 'images');
  xml += el('filename', basename(image.fileName));
  xml += '<source>\n';
  xml += el('database', 'MyDatabase') + el('annotation', 'COCO2017') + el('image', 'flickr') + el('flickrid', 'NULL');
  xml += el('annotator', String(annotatorOf(item.completed_by, false) ?? ''));
  xml += '</source>\n<owner>\n' + el('flickrid', 'NULL') + el('name', 'Label Studio') + '</owner>\n';
  xml += '<size>\n' + el('width', pyNum(W)) + el('height', pyNum(H)) + el('depth', String(image.channels ?? 3)) + '</size>\n';
  xml += el('segmented', '0');
  for (const region of regions) {
    const name = labelOf(region);
    if (name === undefined) continue;
    const box = bndbox(region, W, H);
    if (!box) {
      skip('rectangle without x/y/width/height');
      continue;
    }
    xml += '<object>\n' + el('name', name) + el('pose', 'Unspecified') + el('truncated', '0') + el('difficult', '0');
    xml += '<bndbox>\n' + el('xmin', String(box[0])) + el('ymin', String(box[1])) + el('xmax', String(box[2])) + el('ymax', String(box[3]));
    xml += '</bndbox>\n</object>\n';
  }
  return `${xml}</annotation>\n`;
}

export const encodeVoc: Encoder = async function* (tasks, ctx: EncoderContext): AsyncGenerator<Entry> {
  const config = requireLabelConfig(ctx, 'VOC');
  const key = config.dataKeys[0];
  for await (const batch of tasks) {
    for (const task of batch) {
      const items = itemsOfTask(task, config).filter((i) => i.output.size > 0);
      if (items.length === 0) continue;
      const value = task.data[key];
      if (typeof value !== 'string') {
        countSkip(ctx.stats, `VOC: data key "${key}" missing or not a string`);
        ctx.log.warn({ task: task.id }, `VOC: task skipped: data key "${key}" is missing or not a string`);
        continue;
      }
      const image = await resolveImage(value, { download: false });
      const skip = (reason: string) => {
        countSkip(ctx.stats, `VOC: ${reason}`);
        ctx.log.warn({ task: task.id }, `VOC: ${reason}`);
      };
      let xml: string | undefined;
      for (const item of items) xml = vocXml(item, image, skip) ?? xml; // newest first: the oldest written remains
      if (xml === undefined) continue;
      ctx.stats.written++;
      yield { path: `Annotations/${fileStem(image.fileName)}.xml`, body: xml };
    }
  }
};
