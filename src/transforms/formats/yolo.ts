// YOLO, YOLO_OBB and their *_WITH_IMAGES variants (export-formats.md §5 YOLO, §6; R3, R6, R8,
// F2, F3, F4): `labels/<image name>.txt` per task as soon as the task is read, then `classes.txt`
// and `notes.json`. Memory holds one task and the category list.
//
// *_WITH_IMAGES: image fetching is not implemented yet, so they behave as the reference does when
// every download fails: label files are named after the raw image value and `images/` stays
// empty. Fetched images (resolveImage → fetched) would be emitted as `images/…` entries here.

import type { Encoder, EncoderContext, Entry } from '../../contracts.js';
import type { LabelConfig } from '../../label-config.js';
import { countSkip } from '../../run-context.js';
import type { Task } from '../../task.js';
import { CategoryTable, classesTxt, configCategories, keypointOrder, yoloKeypointCategories } from './categories.js';
import { fileStem, isCloudUri, prefetchImages, resolveImage, type ResolvedImage } from './image-paths.js';
import { MediaFetcher } from '../../media/fetcher.js';
import { type Item, itemsOfTask, type Region } from './items.js';
import { requireLabelConfig } from './require-config.js';
import { ujson } from './ujson.js';
import { keypointLines, type LineContext, plainLines } from './yolo-lines.js';

export interface YoloOptions {
  obb: boolean;
  withImages: boolean;
}

/** The image of a task: its data value (a list is tried from the last element), resolved per §6. */
async function taskImage(task: Task, config: LabelConfig, download: boolean, media: MediaFetcher | undefined): Promise<ResolvedImage | undefined> {
  const value = task.data[config.dataKeys[0]];
  const candidates = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  for (let i = candidates.length - 1; i >= 0; i--) {
    const c = candidates[i];
    if (typeof c !== 'string') continue;
    const r = await resolveImage(c, { download, media });
    // The *_WITH_IMAGES formats never write an orphan label for a cloud image that was not fetched.
    if (download && isCloudUri(c) && r.fileName === c) continue;
    return r;
  }
  return undefined;
}

function regionsOf(item: Item): Region[] {
  return [...item.output.values()].flat();
}

export function yoloEncoder(format: string, opts: YoloOptions): Encoder {
  return async function* (tasks, ctx: EncoderContext): AsyncGenerator<Entry> {
    const config = requireLabelConfig(ctx, format);
    const keypointMode = Object.values(config.schema).some((t) => t.type === 'KeyPointLabels');
    const warn = (msg: string) => ctx.log.warn({ format }, msg);
    const categories: CategoryTable = keypointMode ? yoloKeypointCategories(config) : configCategories(config, warn);
    const order = keypointMode ? keypointOrder(config) : [];
    let taskId = 0;
    const lineCtx: LineContext = {
      categories,
      obb: opts.obb,
      warn,
      skip: (reason) => {
        countSkip(ctx.stats, `${format}: ${reason}`);
        ctx.log.warn({ task: taskId }, `${format}: region skipped: ${reason}`);
      },
    };
    for await (const batch of tasks) {
      if (opts.withImages) prefetchImages(batch, config.dataKeys[0], ctx.media);
      for (const task of batch) {
        taskId = task.id;
        const items = itemsOfTask(task, config, { keepRegionIds: keypointMode });
        if (items.length === 0) continue;
        if (!Object.prototype.hasOwnProperty.call(task.data, config.dataKeys[0])) {
          countSkip(ctx.stats, `${format}: data key "${config.dataKeys[0]}" missing`);
          ctx.log.warn({ task: task.id }, `${format}: task skipped: no data key "${config.dataKeys[0]}"`);
          continue;
        }
        const image = await taskImage(task, config, opts.withImages, ctx.media);
        if (!image) {
          countSkip(ctx.stats, `${format}: no usable image`);
          ctx.log.warn({ task: task.id }, `${format}: task skipped: no image path could be resolved`);
          continue;
        }
        // Items come newest first; each one rewrites the label file, so the oldest remains (R3).
        // An item without regions only creates an empty file when none exists yet.
        let text: string | undefined;
        for (const item of items) {
          const regions = regionsOf(item);
          if (regions.length === 0) {
            text ??= '';
            continue;
          }
          text = keypointMode ? keypointLines(regions, order, lineCtx) : plainLines(regions, lineCtx);
        }
        ctx.stats.written++;
        if (image.fetched) yield { path: image.fileName, body: MediaFetcher.body(image.fetched) };
        yield { path: `labels/${fileStem(image.fileName)}.txt`, body: text ?? '' };
      }
    }
    yield { path: 'classes.txt', body: classesTxt(categories.list) };
    const notes = { categories: categories.list, info: { year: new Date().getFullYear(), version: '1.0', contributor: 'Label Studio' } };
    yield { path: 'notes.json', body: ujson(notes, { indent: 2, ensureAscii: true }) };
  };
}

export const encodeYolo = yoloEncoder('YOLO', { obb: false, withImages: false });
export const encodeYoloWithImages = yoloEncoder('YOLO_WITH_IMAGES', { obb: false, withImages: true });
export const encodeYoloObb = yoloEncoder('YOLO_OBB', { obb: true, withImages: false });
export const encodeYoloObbWithImages = yoloEncoder('YOLO_OBB_WITH_IMAGES', { obb: true, withImages: true });
