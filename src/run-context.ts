// What every stage of one run shares: the logger, the counters that make up the final summary,
// the error policy (--max-errors + error report), the abort signal and tuning knobs.

import { createWriteStream, type WriteStream } from 'node:fs';
import type { Logger } from 'pino';
import { InputError } from './errors.js';

export interface RunStats {
  /** Tasks produced by the source (after SQL push-down, before in-process filters). */
  read: number;
  /** Tasks handed to the encoder. */
  written: number;
  /** Records that could not be read (malformed JSON, not a task, …). */
  rejected: number;
  /** Tasks dropped, by the filter that dropped them. */
  dropped: Record<string, number>;
  /** Annotations removed by the annotation filter. */
  annotationsDropped: number;
  /** Items/regions the encoder skipped, by reason (see the README's format notes). */
  skipped: Record<string, number>;
  bytesRead: number;
  bytesWritten: number;
  /** Total tasks expected, when the source knows it (for the ETA). */
  expected?: number;
}

export function newStats(): RunStats {
  return { read: 0, written: 0, rejected: 0, dropped: {}, annotationsDropped: 0, skipped: {}, bytesRead: 0, bytesWritten: 0 };
}

export function countDrop(stats: RunStats, reason: string, n = 1): void {
  stats.dropped[reason] = (stats.dropped[reason] ?? 0) + n;
}

export function countSkip(stats: RunStats, reason: string, n = 1): void {
  stats.skipped[reason] = (stats.skipped[reason] ?? 0) + n;
}

/**
 * Error policy. With maxErrors 0 (the default) the first bad record fails the run with an error
 * naming where it is. Otherwise each rejected record is written as one NDJSON line to the error
 * report and the run goes on until more than maxErrors records were rejected.
 */
export class Rejections {
  private report: WriteStream | null = null;

  constructor(
    private readonly stats: RunStats,
    readonly maxErrors: number,
    readonly reportPath: string | undefined,
    private readonly log: Logger,
  ) {}

  reject(err: InputError): void {
    if (this.maxErrors <= 0) throw err;
    this.stats.rejected++;
    this.log.warn({ where: err.where, reason: err.reason }, 'record rejected');
    if (this.reportPath) {
      this.report ??= createWriteStream(this.reportPath, { flags: 'w' });
      const raw = err.raw === undefined ? undefined : err.raw.length > 4096 ? `${err.raw.slice(0, 4096)}…` : err.raw;
      this.report.write(`${JSON.stringify({ where: err.where, reason: err.reason, raw })}\n`);
    }
    if (this.stats.rejected > this.maxErrors) {
      throw new InputError(`more than --max-errors ${this.maxErrors} records rejected; last: ${err.reason}`, err.where);
    }
  }

  async close(): Promise<void> {
    const r = this.report;
    if (!r) return;
    await new Promise<void>((resolve, reject) => r.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
}

export interface RunContext {
  log: Logger;
  stats: RunStats;
  rejections: Rejections;
  signal: AbortSignal;
  /** Tasks per batch moving through the pipeline. */
  batchSize: number;
  /** Where two-pass formats spool (cleaned up on every exit path). */
  tmpDir: string;
  /** No transform runs: sources may attach each task's raw JSON text (RAW_JSON) for pass-through. */
  passthrough?: boolean;
}
