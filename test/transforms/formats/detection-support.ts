// Test helpers for the image-detection formats (COCO, YOLO, VOC): a real EncoderContext with a
// temp dir, task builders, and running an encoder to a map of output files.

import { testContext } from '../../support/encoder-context.js';
import { bodyText } from '../../support/body-text.js';
import { rmSync } from 'node:fs';
import type { Encoder, EncoderContext } from '../../../src/contracts.js';
import { type RunStats } from '../../../src/run-context.js';
import type { Annotation, JsonObject, ResultRegion, Task } from '../../../src/task.js';

export interface EncoderRun {
  files: Map<string, string>;
  /** Output paths in the order the encoder emitted them. */
  order: string[];
  stats: RunStats;
}

const text = bodyText;

/** Runs `encoder` over `tasks` (in batches of `batchSize`) with the label config `xml`. */
export async function runEncoder(encoder: Encoder, xml: string, tasks: Task[], batchSize = 2): Promise<EncoderRun> {
  const ctx = testContext({ config: xml, batchSize, tmpPrefix: 'detection-test-' });
  const { stats, tmpDir } = ctx;
  async function* batches() {
    for (let i = 0; i < tasks.length; i += batchSize) yield tasks.slice(i, i + batchSize);
  }
  const files = new Map<string, string>();
  const order: string[] = [];
  try {
    for await (const entry of encoder(batches(), ctx)) {
      order.push(entry.path);
      files.set(entry.path, await text(entry.body));
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  return { files, order, stats };
}

/** A rectangle result in percent (RectangleLabels tag `label` on image `image`). */
export function rect(
  x: number,
  y: number,
  width: number,
  height: number,
  labels: string[],
  extra: { rotation?: number; ow?: number; oh?: number; id?: string; from?: string } = {},
): ResultRegion {
  const value: JsonObject = { x, y, width, height };
  if (extra.rotation !== undefined) value.rotation = extra.rotation;
  value.rectanglelabels = labels;
  const r: ResultRegion = { id: extra.id ?? `r${x}-${y}`, type: 'rectanglelabels', from_name: extra.from ?? 'label', to_name: 'image', value };
  if (extra.ow !== undefined) r.original_width = extra.ow;
  if (extra.oh !== undefined) r.original_height = extra.oh;
  return r;
}

export function polygon(points: number[][], labels: string[], extra: { ow?: number; oh?: number; from?: string } = {}): ResultRegion {
  const r: ResultRegion = { id: 'p1', type: 'polygonlabels', from_name: extra.from ?? 'poly', to_name: 'image', value: { points, polygonlabels: labels } };
  if (extra.ow !== undefined) r.original_width = extra.ow;
  if (extra.oh !== undefined) r.original_height = extra.oh;
  return r;
}

export function keypoint(x: number, y: number, label: string, extra: { parentID?: string; ow?: number; oh?: number } = {}): ResultRegion {
  const r: ResultRegion = { id: `k-${label}`, type: 'keypointlabels', from_name: 'kp', to_name: 'image', value: { x, y, width: 0.5, keypointlabels: [label] } };
  if (extra.parentID !== undefined) r.parentID = extra.parentID;
  if (extra.ow !== undefined) r.original_width = extra.ow;
  if (extra.oh !== undefined) r.original_height = extra.oh;
  return r;
}

export function annotation(id: number, result: ResultRegion[], extra: Partial<Annotation> = {}): Annotation {
  return { id, completed_by: 1, result, was_cancelled: false, created_at: `2024-01-0${Math.min(id, 9)}T00:00:00Z`, ...extra };
}

export function task(id: number, image: unknown, annotations?: Annotation[]): Task {
  const t: Task = { id, data: { image } as JsonObject };
  if (annotations !== undefined) t.annotations = annotations;
  return t;
}

export const RECT_CONFIG = `<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="cat"/>
    <Label value="dog"/>
  </RectangleLabels>
</View>`;
