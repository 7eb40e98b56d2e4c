// COCO and COCO_WITH_IMAGES (export-formats.md §5 COCO, §6; R1, R4, R6, R7, R11, F1, F2, F4, F9):
// `result.json` = ujson indent 2, ASCII-escaped, keys `images`, `categories`, `annotations`,
// `info`. The category list is complete only at the end, so image entries and annotations are
// spooled to temp files in ctx.tmpDir and stitched into result.json last: memory stays flat.
//
// COCO_WITH_IMAGES: image fetching is not implemented yet, so it behaves as the reference does
// when every download fails: `file_name` is the raw image value and `images/` stays empty.

import { Readable } from 'node:stream';
import type { Encoder, EncoderContext, Entry } from '../../contracts.js';
import { countSkip } from '../../run-context.js';
import { cocoCategories, keypointOrder } from './categories.js';
import { cocoJson } from './coco-json.js';
import { type CocoState, cocoTask } from './coco-task.js';
import { prefetchImages, resolveImage } from './image-paths.js';
import { MediaFetcher } from '../../media/fetcher.js';
import { itemsOfTask } from './items.js';
import { requireLabelConfig } from './require-config.js';
import { TextSpool } from './text-spool.js';

/** ujson text of a value nested `depth` levels deep in an indent-2 document. */
function nested(value: unknown, depth: number): string {
  return cocoJson(value, depth);
}

/** `str(datetime.now())`: local time, microseconds only when non-zero. */
function pyNow(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return d.getMilliseconds() === 0 ? base : `${base}.${p(d.getMilliseconds() * 1000, 6)}`;
}

async function* arrayBody(spool: TextSpool): AsyncGenerator<string | Buffer> {
  if (spool.count === 0) {
    yield '[]';
    return;
  }
  yield '[\n';
  for await (const chunk of spool.read()) yield chunk;
  yield '\n  ]';
}

export function cocoEncoder(format: 'COCO' | 'COCO_WITH_IMAGES'): Encoder {
  const download = format === 'COCO_WITH_IMAGES';
  return async function* (tasks, ctx: EncoderContext): AsyncGenerator<Entry> {
    const config = requireLabelConfig(ctx, format);
    const key = config.dataKeys[0];
    const warn = (msg: string) => ctx.log.warn({ format }, msg);
    let taskId = 0;
    const st: CocoState = {
      categories: cocoCategories(config, warn),
      kpOrder: keypointOrder(config),
      images: 0,
      annotations: 0,
      withAnnotator: Boolean(process.env.LABEL_STUDIO_FORCE_ANNOTATOR_EXPORT),
      warn,
      skip: (reason) => {
        countSkip(ctx.stats, `${format}: ${reason}`);
        ctx.log.debug({ task: taskId }, `${format}: region skipped: ${reason}`);
      },
    };
    const images = TextSpool.in(ctx.tmpDir, 'coco-images');
    const annotations = TextSpool.in(ctx.tmpDir, 'coco-annotations');
    try {
      for await (const batch of tasks) {
        if (download) prefetchImages(batch, key, ctx.media);
        for (const task of batch) {
          taskId = task.id;
          const items = itemsOfTask(task, config);
          if (items.length === 0) continue;
          const value = task.data[key];
          if (typeof value !== 'string') {
            countSkip(ctx.stats, `${format}: data key "${key}" missing or not a string`);
            ctx.log.warn({ task: task.id }, `${format}: task skipped: data key "${key}" is missing or not a string`);
            continue;
          }
          const image = await resolveImage(value, { download, media: ctx.media });
          if (image.fetched) yield { path: image.fileName, body: MediaFetcher.body(image.fetched) };
          const out = cocoTask(items, image, st);
          if (!out.image) continue;
          ctx.stats.written++;
          images.push(`    ${nested(out.image, 2)}`);
          for (const a of out.annotations) annotations.push(`    ${nested(a, 2)}`);
        }
        await images.flush();
        await annotations.flush();
      }
      const info = { year: new Date().getFullYear(), version: '1.0', description: '', contributor: 'Label Studio', url: '', date_created: pyNow() };
      async function* body(): AsyncGenerator<string | Buffer> {
        yield '{\n  "images": ';
        yield* arrayBody(images);
        yield `,\n  "categories": ${nested(st.categories.list, 1)},\n  "annotations": `;
        yield* arrayBody(annotations);
        yield `,\n  "info": ${nested(info, 1)}\n}`;
      }
      yield { path: 'result.json', body: Readable.from(body(), { objectMode: false }) };
    } finally {
      // Spool files live in ctx.tmpDir, which the pipeline removes at the end of the run.
      await images.close();
      await annotations.close();
    }
  };
}

export const encodeCoco = cocoEncoder('COCO');
export const encodeCocoWithImages = cocoEncoder('COCO_WITH_IMAGES');
