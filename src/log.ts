// pino JSON logs on stderr (stdout is for data) and the periodic progress line.

import { pino, type Logger } from 'pino';
import type { RunStats } from './run-context.js';

export function makeLogger(level = process.env.LABELSTREAM_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'labelstream' } }, pino.destination({ fd: 2, sync: true }));
}

export function startProgress(log: Logger, stats: RunStats, seconds: number): () => void {
  if (seconds <= 0) return () => undefined;
  const t0 = Date.now();
  const timer = setInterval(() => {
    const elapsed = (Date.now() - t0) / 1000;
    const rate = stats.read / Math.max(elapsed, 0.001);
    const eta = stats.expected && rate > 0 ? Math.max(0, (stats.expected - stats.read) / rate) : undefined;
    log.info(
      {
        progress: true,
        tasks: stats.read,
        written: stats.written,
        tasksPerSec: Math.round(rate),
        mbWritten: +(stats.bytesWritten / 1e6).toFixed(1),
        ...(stats.expected ? { total: stats.expected, etaSec: eta === undefined ? undefined : Math.round(eta) } : {}),
      },
      'progress',
    );
  }, seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
