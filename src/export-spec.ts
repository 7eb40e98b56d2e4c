// The validated description of one export run. The CLI builds it from flags, environment
// variables and a config file; run() in pipeline.ts executes it.

import type { FormatName } from './label-config.js';

export type OnlyExclude = 'only' | 'exclude';
export type IdsOrFull = 'ids' | 'full';

export interface IdSelection {
  ids: Set<number>;
  ranges: Array<[number, number]>;
}

export interface AnnotationKinds {
  usual: boolean;
  ground_truth: boolean;
  skipped: boolean;
}

export interface ExportSpec {
  from: string;
  to: string;
  format: FormatName;
  labelConfig?: string;
  project?: number;
  /** Tasks with at least one annotation row (Label Studio's quick export default). */
  onlyAnnotated: boolean;
  skipped?: OnlyExclude;
  finished?: OnlyExclude;
  annotated?: OnlyExclude;
  onlyWithAnnotations: boolean;
  ids?: IdSelection;
  /** Undefined: no annotation filter (all annotations). */
  annotations?: AnnotationKinds;
  drafts?: IdsOrFull;
  predictions?: IdsOrFull;
  completedBy?: 'id' | 'full';
  removeUserDetails: boolean;
  interpolateKeyFrames: boolean;
  /** ISO datetime: only tasks whose task or any annotation `updated_at` is at or after it. */
  updatedSince?: string;
  /** Keep tasks with `id mod count === index`. */
  shard?: { index: number; count: number };
  /** Multi-file layout for JSON-like formats: one `<task_id>.json` blob per task. */
  layout: 'file' | 'per-task';
  maxErrors: number;
  errorReport?: string;
  batchSize: number;
  /** Keyset page size for database sources. */
  pageSize: number;
  /**
   * Worker threads reading and rendering database pages (0: in the main thread, the default:
   * on the 2-CPU benchmark machine workers cost more CPU than they saved; benchmarks/README.md).
   */
  workers: number;
  /** Parallel blob reads / object writes for bucket and blob-folder sources and sinks. */
  concurrency: number;
  /** S3-compatible endpoint (else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL); path-style addressing. */
  s3Endpoint?: string;
  tmpDir?: string;
  /** Media resolution for *_WITH_IMAGES and ASR_MANIFEST (src/media/locate.ts). */
  lsUrl?: string;
  lsToken?: string;
  uploadDir?: string;
  localFilesRoot?: string;
  /** Never fetch media over the network (local --upload-dir / --local-files-root only). */
  offline?: boolean;
  /** Seconds between progress lines (0: never). */
  progressInterval: number;
  /** CONLL2003 output that `spacy convert` reads as is (first line `-DOCSTART- -X- O O`). */
  conllSpacy?: boolean;
}

export function defaultSpec(from: string, to: string, format: FormatName): ExportSpec {
  return {
    from,
    to,
    format,
    onlyAnnotated: false,
    onlyWithAnnotations: false,
    removeUserDetails: false,
    interpolateKeyFrames: false,
    layout: 'file',
    maxErrors: 0,
    batchSize: 500,
    pageSize: 1000,
    workers: 0,
    concurrency: 16,
    progressInterval: 5,
  };
}

export function idSelected(sel: IdSelection, id: number): boolean {
  if (sel.ids.has(id)) return true;
  for (const [a, b] of sel.ranges) if (id >= a && id <= b) return true;
  return false;
}
