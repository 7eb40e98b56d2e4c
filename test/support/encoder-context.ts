// The RunContext / EncoderContext a unit test hands to an encoder or fetcher: silent (or a given)
// logger, fresh counters, fail-fast error policy, a fresh temp dir.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import type { EncoderContext } from '../../src/contracts.js';
import { parseLabelConfig } from '../../src/label-config.js';
import { newStats, Rejections } from '../../src/run-context.js';

export function testContext(opts: { config?: string; batchSize?: number; log?: Logger; tmpPrefix?: string } = {}): EncoderContext {
  const log = opts.log ?? pino({ level: 'silent' });
  const stats = newStats();
  return {
    log,
    stats,
    rejections: new Rejections(stats, 0, undefined, log),
    signal: new AbortController().signal,
    batchSize: opts.batchSize ?? 10,
    tmpDir: mkdtempSync(join(tmpdir(), opts.tmpPrefix ?? 'ls-test-')),
    ...(opts.config !== undefined ? { labelConfig: parseLabelConfig(opts.config) } : {}),
  };
}
