// `labelstream generate`: writes a synthetic Label Studio project (benchmarks, tests, demos) as a
// JSON array or NDJSON export file, and optionally its label config. Files are written to a temp
// name and renamed when complete.

import { createWriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { UsageError } from './errors.js';
import { GENERATE_KINDS, type GenerateFormat, type GenerateKind, labelConfigFor, writeTasks } from './generate.js';
import { makeLogger } from './log.js';
import { tempPathFor } from './sinks/file.js';

/** "2500", "10k", "1.5M" → a whole number of tasks. */
export function parseTaskCount(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  const n = m ? Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2]) ? 1e3 : 1e6) : Number.NaN;
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--tasks must be a whole number ≥ 0 (e.g. 5000, 10k, 1M), got "${text}"`);
  return n;
}

async function writeTo(to: string, write: (out: Writable, signal?: AbortSignal) => Promise<number>): Promise<number> {
  if (to === '-') {
    // A closed pipe (`generate … | head`) ends the run quietly; other write errors fail it.
    let failure: Error | undefined;
    const stop = new AbortController();
    const onError = (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') failure = e;
      stop.abort();
    };
    process.stdout.on('error', onError);
    try {
      const bytes = await write(process.stdout, stop.signal);
      if (failure) throw failure;
      return bytes;
    } finally {
      process.stdout.off('error', onError);
    }
  }
  const tmp = tempPathFor(to);
  const out = createWriteStream(tmp);
  try {
    const bytes = await write(out);
    out.end();
    await finished(out);
    await rename(tmp, to);
    return bytes;
  } catch (e) {
    out.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
}

export function addGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('Write a synthetic Label Studio project (export JSON or NDJSON) for benchmarks and tests')
    .requiredOption('--tasks <n>', 'number of tasks (e.g. 5000, 10k, 1M)')
    .addOption(new Option('--kind <kind>', 'project kind').choices([...GENERATE_KINDS]).default('image'))
    .requiredOption('--to <file>', 'output file, or "-" for stdout')
    .addOption(new Option('--format <format>', 'JSON array or NDJSON').choices(['json', 'ndjson']).default('json'))
    .option('--seed <seed>', 'PRNG seed (same seed, same bytes)', '1')
    .option('--label-config-out <file>', "also write the kind's label config XML here")
    .action(async (o: { tasks: string; kind: GenerateKind; to: string; format: GenerateFormat; seed: string; labelConfigOut?: string }) => {
      const tasks = parseTaskCount(o.tasks);
      const t0 = Date.now();
      const opts = { tasks, kind: o.kind, seed: o.seed };
      const bytes = await writeTo(o.to, (out, signal) => writeTasks(opts, o.format, out, signal));
      if (o.labelConfigOut) await writeFile(o.labelConfigOut, labelConfigFor(o.kind));
      const seconds = (Date.now() - t0) / 1000;
      makeLogger().info({ tasks, kind: o.kind, format: o.format, seed: o.seed, bytes, seconds, output: o.to }, 'generated');
    });
}
