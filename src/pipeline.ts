// run(spec): open the source, compose the transforms, the encoder and the sink; report progress,
// count everything, clean up on every exit path.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { EncoderContext, Source, SinkResult, Transform } from './contracts.js';
import { UsageError } from './errors.js';
import type { ExportSpec } from './export-spec.js';
import { formatSupport, type LabelConfig, parseLabelConfig } from './label-config.js';
import { startProgress } from './log.js';
import { gcPacer } from './memory.js';
import { MediaFetcher } from './media/fetcher.js';
import { newStats, Rejections, type RunContext, type RunStats } from './run-context.js';
import { openSink } from './sinks/index.js';
import { openSource } from './sources/index.js';
import type { TaskBatch } from './task.js';
import { annotationFilter } from './transforms/annotation-filter.js';
import { formatInfo } from './transforms/formats/index.js';
import { perTaskFormat } from './transforms/formats/per-task-blobs.js';
import { keyframes } from './transforms/keyframes.js';
import { serialization } from './transforms/serialization.js';
import { taskFilter } from './transforms/task-filter.js';
import { userDetails } from './transforms/user-details.js';

export interface RunResult {
  stats: RunStats;
  sink: SinkResult;
  seconds: number;
}

export async function loadLabelConfig(path: string): Promise<LabelConfig> {
  const text = await readFile(path, 'utf8').catch((e: Error) => {
    throw new UsageError(`--label-config ${path}: ${e.message}`);
  });
  return parseLabelConfig(text);
}

/** The transforms of a spec, in Label Studio's order. */
export function transformsFor(spec: ExportSpec, source: Source, config: LabelConfig | undefined): Transform[] {
  const serialize = source.rendersSerialization ? null : serialization(spec, source.name);
  const pushed = source.pushedDown;
  return [taskFilter(spec, pushed?.taskFilters), annotationFilter(spec, pushed?.annotationFilter), serialize, userDetails(spec), keyframes(spec, config)].filter(
    (t): t is Transform => t !== null,
  );
}

async function* applyTransforms(batches: AsyncIterable<TaskBatch>, transforms: Transform[], ctx: RunContext): AsyncGenerator<TaskBatch> {
  const pace = gcPacer();
  for await (let batch of batches) {
    pace(ctx.stats.read);
    for (const t of transforms) batch = t(batch, ctx);
    if (batch.length > 0) yield batch;
  }
}

/** Refuses a format the label config does not support, before anything is written. */
export function checkFormatSupported(spec: ExportSpec, config: LabelConfig | undefined): void {
  if (!config) return;
  const s = formatSupport(config).find((f) => f.format === spec.format);
  if (s && !s.supported) throw new UsageError(`format ${spec.format} is not supported by this label config: ${s.reason}`);
}

export async function run(spec: ExportSpec, log: Logger, signal: AbortSignal): Promise<RunResult> {
  const t0 = Date.now();
  const stats = newStats();
  const info = spec.layout === 'per-task' ? perTaskFormat(spec.format) : formatInfo(spec.format);
  const tmpDir = await mkdtemp(join(spec.tmpDir ?? tmpdir(), 'labelstream-'));
  const rejections = new Rejections(stats, spec.maxErrors, spec.errorReport, log);
  const ctx: RunContext = { log, stats, rejections, signal, batchSize: spec.batchSize, tmpDir };
  const stopProgress = startProgress(log, stats, spec.progressInterval);
  let source: Source | undefined;
  let media: MediaFetcher | undefined;
  try {
    const fileConfig = spec.labelConfig ? await loadLabelConfig(spec.labelConfig) : undefined;
    source = await openSource(spec);
    const labelConfig = fileConfig ?? source.labelConfig;
    if (info.needsConfig && !labelConfig) {
      throw new UsageError(`${spec.format} needs the project's label config: pass --label-config FILE (XML or parsed JSON)`);
    }
    checkFormatSupported(spec, labelConfig);
    if (source.estimatedTasks !== undefined) stats.expected = source.estimatedTasks;
    const sink = await openSink(spec, info.multiFile);
    const ectx: EncoderContext = { ...ctx, labelConfig, conllSpacy: spec.conllSpacy };
    if (info.media === 'always' || (info.media === 'online' && !spec.offline)) {
      media = new MediaFetcher(
        { lsUrl: spec.lsUrl, lsToken: spec.lsToken, uploadDir: spec.uploadDir, localFilesRoot: spec.localFilesRoot, offline: spec.offline, concurrency: spec.concurrency, retries: 4, timeoutMs: 60_000, s3Endpoint: spec.s3Endpoint },
        ctx,
      );
      ectx.media = media;
    }
    const transforms = transformsFor(spec, source, labelConfig);
    // Untouched tasks can be written as the exact text they were read from (src/task.ts RAW_JSON).
    ctx.passthrough = transforms.length === 0 && (spec.format === 'JSON' || spec.format === 'NDJSON') && spec.layout !== 'per-task';
    const tasks = applyTransforms(source.batches(ctx), transforms, ctx);
    const result = await sink(info.encoder(tasks, ectx), ctx);
    return { stats, sink: result, seconds: (Date.now() - t0) / 1000 };
  } finally {
    stopProgress();
    await rejections.close().catch(() => undefined);
    await source?.close().catch(() => undefined);
    await media?.close().catch(() => undefined);
    await rm(tmpDir, { recursive: true, force: true });
  }
}
