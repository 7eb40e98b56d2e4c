// Test helpers for the text formats (CSV, TSV, CONLL2003, ASR_MANIFEST): a real EncoderContext with
// its own temp dir, and running an encoder to a map of output files. Reports what was left in the
// temp dir after the run, so tests can check that spools are cleaned up.

import { testContext } from '../../support/encoder-context.js';
import { bodyText } from '../../support/body-text.js';
import { readdirSync, rmSync } from 'node:fs';
import { pino } from 'pino';
import type { Encoder, EncoderContext } from '../../../src/contracts.js';
import { type RunStats } from '../../../src/run-context.js';
import type { Annotation, Task } from '../../../src/task.js';

export interface TextRun {
  files: Map<string, string>;
  stats: RunStats;
  /** Files left in ctx.tmpDir after the encoder finished (spools must be gone). */
  leftInTmp: string[];
  warnings: string[];
}

const text = bodyText;

/** Runs `encoder` over `tasks` in batches of `batchSize` with label config `config` (XML or JSON text). */
export async function runTextEncoder(encoder: Encoder, config: string, tasks: Task[], batchSize = 2): Promise<TextRun> {
  return runWithSource(encoder, config, tasks, batchSize, Infinity);
}

/**
 * Runs `encoder` with a source that fails after `failAfter` batches; resolves with the error and
 * what was left in ctx.tmpDir at that point.
 */
export async function runFailingSource(encoder: Encoder, config: string, tasks: Task[], failAfter: number): Promise<{ error: unknown; leftInTmp: string[] }> {
  try {
    await runWithSource(encoder, config, tasks, 1, failAfter);
  } catch (e) {
    const err = e as Error & { leftInTmp?: string[] };
    return { error: err, leftInTmp: err.leftInTmp ?? [] };
  }
  throw new Error('the encoder did not fail');
}

async function runWithSource(encoder: Encoder, config: string, tasks: Task[], batchSize: number, failAfter: number): Promise<TextRun> {
  const warnings: string[] = [];
  const log = pino(
    { level: 'warn' },
    {
      write(line: string) {
        warnings.push(String((JSON.parse(line) as { msg?: string }).msg));
      },
    },
  );
  const ctx = testContext({ config, batchSize, log, tmpPrefix: 'text-format-test-' });
  const { stats, tmpDir } = ctx;
  async function* batches() {
    for (let i = 0, n = 0; i < tasks.length; i += batchSize, n++) {
      if (n >= failAfter) throw new Error('source failed');
      yield tasks.slice(i, i + batchSize);
    }
  }
  const files = new Map<string, string>();
  try {
    for await (const entry of encoder(batches(), ctx)) files.set(entry.path, await text(entry.body));
    return { files, stats, leftInTmp: readdirSync(tmpDir), warnings };
  } catch (e) {
    if (e instanceof Error) Object.assign(e, { leftInTmp: readdirSync(tmpDir) });
    throw e;
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

let nextAnnotationId = 1000;

export function annotation(result: Annotation['result'], extra: Partial<Annotation> = {}): Annotation {
  const id = extra.id ?? nextAnnotationId++;
  return {
    id,
    completed_by: 7,
    result,
    was_cancelled: false,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    lead_time: 1.5,
    ...extra,
  };
}
