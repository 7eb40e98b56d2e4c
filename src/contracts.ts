// The four small contracts of the flow (DESIGN.md "Contracts"):
//   source ─► task batches ─► transforms ─► encoder ─► entries ─► sink

import type { Readable } from 'node:stream';
import type { LabelConfig } from './label-config.js';
import type { MediaFetcher } from './media/fetcher.js';
import type { RunContext } from './run-context.js';
import type { TaskBatch } from './task.js';

export interface Source {
  /** Human-readable name for logs ("export.json", "postgres project 42"). */
  readonly name: string;
  /** The project's label config when the source knows it (databases). */
  readonly labelConfig?: LabelConfig;
  /** Total tasks, when the source can tell cheaply (used for the ETA). */
  readonly estimatedTasks?: number;
  /**
   * The source already renders drafts, predictions and completed_by the way the spec's
   * serialization options ask (databases), so the serialization stage has nothing to do.
   */
  readonly rendersSerialization?: boolean;
  /**
   * Filters the source applied exactly (in SQL): task filters by reason (as counted by
   * transforms/task-filter.ts), and whether the annotation kind filter was applied.
   */
  readonly pushedDown?: { taskFilters: ReadonlySet<string>; annotationFilter: boolean };
  batches(ctx: RunContext): AsyncIterable<TaskBatch>;
  close(): Promise<void>;
}

/** A transform maps a batch to a batch (pure where possible); it counts what it drops. */
export type Transform = (batch: TaskBatch, ctx: RunContext) => TaskBatch;

/** One output file of a format: a relative path and its bytes. */
export interface Entry {
  path: string;
  body: Readable | Buffer | string;
}

export interface EncoderContext extends RunContext {
  labelConfig?: LabelConfig;
  /** CONLL2003: write the document separator spaCy's converter expects (--conll-spacy). */
  conllSpacy?: boolean;
  /** Fetches task media for the formats whose FormatInfo.media asks for it (set by the pipeline). */
  media?: MediaFetcher;
}

export type Encoder = (tasks: AsyncIterable<TaskBatch>, ctx: EncoderContext) => AsyncIterable<Entry>;

export interface SinkResult {
  /** Where the output went (path, URL, "stdout"). */
  location: string;
  files: number;
  bytes: number;
}

export type Sink = (entries: AsyncIterable<Entry>, ctx: RunContext) => Promise<SinkResult>;
