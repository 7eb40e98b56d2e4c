// Encoder registry: format name → encoder, and whether the format writes several files.

import type { Encoder } from '../../contracts.js';
import { UsageError } from '../../errors.js';
import type { FormatName } from '../../label-config.js';
import { encodeJson } from './json.js';
import { encodeJsonMin } from './json-min.js';
import { encodeNdjson } from './ndjson.js';
import { encodeCsv, encodeTsv } from './csv.js';
import { encodeConll } from './conll.js';
import { encodeAsrManifest } from './asr-manifest.js';
import { encodeBrushNumpy, encodeBrushPng } from './brush.js';
import { encodeBrushCoco } from './brush-coco.js';
import { encodeCoco, encodeCocoWithImages } from './coco.js';
import { encodeYolo, encodeYoloObb, encodeYoloObbWithImages, encodeYoloWithImages } from './yolo.js';
import { encodeVoc } from './voc.js';
import { encodeDoclang } from './doclang.js';

export interface FormatInfo {
  encoder: Encoder;
  /** Writes several files (needs a directory, archive, bucket prefix or tar on stdout). */
  multiFile: boolean;
  /** Reads control tags (needs a label config). */
  needsConfig: boolean;
  /**
   * Reads drafts and predictions too, so database sources load them: 'as-asked' as
   * --drafts/--predictions say (ids unless "full"); 'objects' reads their results, so they come as
   * objects unless --drafts/--predictions ids is given. Other formats read annotations only.
   */
  wholeTasks?: 'as-asked' | 'objects';
  /**
   * Fetches task media (the run gets a MediaFetcher): 'always' (with --offline every medium is
   * counted as not fetched), or 'online' (only when downloads are on, DOCLANG's download_resources).
   */
  media?: 'always' | 'online';
}

const formats = new Map<FormatName, FormatInfo>([
  ['JSON', { encoder: encodeJson, multiFile: false, needsConfig: false, wholeTasks: 'as-asked' }],
  ['NDJSON', { encoder: encodeNdjson, multiFile: false, needsConfig: false, wholeTasks: 'as-asked' }],
  ['JSON_MIN', { encoder: encodeJsonMin, multiFile: false, needsConfig: true }],
  ['CSV', { encoder: encodeCsv, multiFile: false, needsConfig: true }],
  ['TSV', { encoder: encodeTsv, multiFile: false, needsConfig: true }],
  ['CONLL2003', { encoder: encodeConll, multiFile: false, needsConfig: true }],
  ['ASR_MANIFEST', { encoder: encodeAsrManifest, multiFile: true, needsConfig: true, media: 'always' }],
  ['BRUSH_TO_NUMPY', { encoder: encodeBrushNumpy, multiFile: true, needsConfig: true }],
  ['BRUSH_TO_PNG', { encoder: encodeBrushPng, multiFile: true, needsConfig: true }],
  ['BRUSH_TO_COCO', { encoder: encodeBrushCoco, multiFile: true, needsConfig: true }],
  ['COCO', { encoder: encodeCoco, multiFile: true, needsConfig: true }],
  ['COCO_WITH_IMAGES', { encoder: encodeCocoWithImages, multiFile: true, needsConfig: true, media: 'always' }],
  ['YOLO', { encoder: encodeYolo, multiFile: true, needsConfig: true }],
  ['YOLO_WITH_IMAGES', { encoder: encodeYoloWithImages, multiFile: true, needsConfig: true, media: 'always' }],
  ['YOLO_OBB', { encoder: encodeYoloObb, multiFile: true, needsConfig: true }],
  ['YOLO_OBB_WITH_IMAGES', { encoder: encodeYoloObbWithImages, multiFile: true, needsConfig: true, media: 'always' }],
  ['VOC', { encoder: encodeVoc, multiFile: true, needsConfig: true }],
  // Raw tasks; the config (when given) only names the page image key.
  ['DOCLANG', { encoder: encodeDoclang, multiFile: true, needsConfig: false, wholeTasks: 'objects', media: 'online' }],
]);

export function registerFormat(name: FormatName, info: FormatInfo): void {
  formats.set(name, info);
}

export function formatInfo(name: FormatName): FormatInfo {
  const info = formats.get(name);
  if (!info) {
    throw new UsageError(`format ${name} is not implemented yet; implemented: ${[...formats.keys()].join(', ')}`);
  }
  return info;
}

export function implementedFormats(): FormatName[] {
  return [...formats.keys()];
}
