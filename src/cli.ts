#!/usr/bin/env node
// Command-line parsing only: flags / LABELSTREAM_* environment variables / a config file →
// a validated ExportSpec → run(). Precedence: flag > environment > config file > default.

import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import { AbortedError, EXIT, UsageError } from './errors.js';
import type { AnnotationKinds, ExportSpec, IdSelection } from './export-spec.js';
import { defaultSpec } from './export-spec.js';
import { formatSupport, resolveFormatName } from './label-config.js';
import { addGenerateCommand } from './generate-command.js';
import { makeLogger } from './log.js';
import { addProjectsCommand } from './projects-command.js';
import { loadLabelConfig, run } from './pipeline.js';
import { implementedFormats } from './transforms/formats/index.js';

function envName(long: string): string {
  return `LABELSTREAM_${long.replace(/-/g, '_').toUpperCase()}`;
}

function opt(flags: string, description: string, choices?: string[]): Option {
  const long = /--([a-z0-9-]+)/.exec(flags)?.[1] ?? '';
  const o = new Option(flags, description).env(envName(long));
  return choices ? o.choices(choices) : o;
}

function parseIds(text: string): IdSelection {
  const sel: IdSelection = { ids: new Set(), ranges: [] };
  const add = (part: string) => {
    const p = part.trim();
    if (p === '') return;
    if (p.startsWith('@')) {
      let content: string;
      try {
        content = readFileSync(p.slice(1), 'utf8');
      } catch (e) {
        throw new UsageError(`--ids ${p}: ${(e as Error).message}`);
      }
      for (const q of content.split(/[\s,]+/)) add(q);
      return;
    }
    const m = /^(\d+)(?:-(\d+))?$/.exec(p);
    if (!m) throw new UsageError(`--ids: "${p}" is not an id, a range a-b or @file`);
    if (m[2] === undefined) sel.ids.add(Number(m[1]));
    else sel.ranges.push([Number(m[1]), Number(m[2])]);
  };
  for (const part of text.split(',')) add(part);
  return sel;
}

function parseAnnotationKinds(text: string): AnnotationKinds {
  const kinds: AnnotationKinds = { usual: false, ground_truth: false, skipped: false };
  for (const k of text.split(',').map((s) => s.trim().replace(/-/g, '_'))) {
    if (k === 'all') return { usual: true, ground_truth: true, skipped: true };
    if (k !== 'usual' && k !== 'ground_truth' && k !== 'skipped') {
      throw new UsageError(`--annotations: unknown kind "${k}"; use usual, ground_truth, skipped (comma-separated) or all`);
    }
    kinds[k] = true;
  }
  return kinds;
}

function positiveInt(name: string, v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a whole number ≥ 0, got "${String(v)}"`);
  return n;
}

type Opts = Record<string, unknown>;

/** Values from --config FILE (JSON, keys as the long flag names, camelCase or kebab-case). */
function configFileValues(path: string | undefined): Opts {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--config ${path}: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new UsageError(`--config ${path}: expected a JSON object`);
  const out: Opts = {};
  for (const [k, v] of Object.entries(parsed)) out[k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return out;
}

function mergeConfig(cmd: Command): Opts {
  const opts = cmd.opts() as Opts;
  const file = configFileValues(opts.config as string | undefined);
  for (const [k, v] of Object.entries(file)) {
    const src = cmd.getOptionValueSource(k);
    if (src === undefined || src === 'default') opts[k] = typeof v === 'number' || typeof v === 'boolean' ? v : String(v);
  }
  return opts;
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 'yes';
}

const PRESETS: Record<string, Partial<ExportSpec>> = {
  // UI quick export (path A): annotated tasks, all annotations, drafts expanded, predictions ids.
  quick: { onlyAnnotated: true, drafts: 'full', predictions: 'ids', completedBy: 'id' },
  // Export snapshot with no options (path B): all tasks, all annotations, everything as ids.
  snapshot: { drafts: 'ids', predictions: 'ids', completedBy: 'id' },
  // Target-storage blob (per-task mode): annotated tasks, completed_by expanded, ids otherwise.
  storage: { onlyAnnotated: true, drafts: 'ids', predictions: 'ids', completedBy: 'full' },
};

export function buildSpec(opts: Opts): ExportSpec {
  const from = opts.from as string | undefined;
  const to = opts.to as string | undefined;
  if (!from) throw new UsageError('--from is required (a file, a directory of task blobs, "-" for stdin, or a database URL)');
  if (!to) throw new UsageError('--to is required (a file, a directory ending in "/", a .zip/.tar, "-" for stdout, or "null")');
  const spec = defaultSpec(from, to, resolveFormatName(String(opts.format ?? 'JSON')));
  if (opts.preset) {
    const p = PRESETS[String(opts.preset)];
    if (!p) throw new UsageError(`--preset must be one of ${Object.keys(PRESETS).join(', ')}`);
    Object.assign(spec, p);
  }
  if (opts.labelConfig) spec.labelConfig = String(opts.labelConfig);
  if (opts.project !== undefined) spec.project = positiveInt('--project', opts.project);
  if (truthy(opts.onlyAnnotated)) spec.onlyAnnotated = true;
  if (truthy(opts.allTasks)) spec.onlyAnnotated = false;
  for (const k of ['skipped', 'finished', 'annotated'] as const) if (opts[k]) spec[k] = opts[k] as 'only' | 'exclude';
  if (truthy(opts.onlyWithAnnotations)) spec.onlyWithAnnotations = true;
  if (opts.ids) spec.ids = parseIds(String(opts.ids));
  if (opts.annotations) spec.annotations = parseAnnotationKinds(String(opts.annotations));
  if (opts.drafts) spec.drafts = opts.drafts as 'ids' | 'full';
  if (opts.predictions) spec.predictions = opts.predictions as 'ids' | 'full';
  if (opts.completedBy) spec.completedBy = opts.completedBy as 'id' | 'full';
  if (truthy(opts.removeUserDetails)) spec.removeUserDetails = true;
  if (truthy(opts.interpolateKeyFrames)) spec.interpolateKeyFrames = true;
  if (opts.updatedSince) {
    const s = String(opts.updatedSince);
    if (Number.isNaN(Date.parse(s))) throw new UsageError(`--updated-since "${s}" is not an ISO date/time`);
    spec.updatedSince = s;
  }
  if (opts.shard) {
    const m = /^(\d+)\/(\d+)$/.exec(String(opts.shard));
    if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new UsageError('--shard must be INDEX/COUNT with 0 ≤ INDEX < COUNT, e.g. 0/4');
    spec.shard = { index: Number(m[1]), count: Number(m[2]) };
  }
  if (opts.layout) spec.layout = opts.layout as 'file' | 'per-task';
  if (opts.maxErrors !== undefined) spec.maxErrors = positiveInt('--max-errors', opts.maxErrors);
  if (opts.errorReport) spec.errorReport = String(opts.errorReport);
  if (opts.batchSize !== undefined) spec.batchSize = Math.max(1, positiveInt('--batch-size', opts.batchSize));
  if (opts.pageSize !== undefined) spec.pageSize = Math.max(1, positiveInt('--page-size', opts.pageSize));
  if (opts.workers !== undefined) spec.workers = positiveInt('--workers', opts.workers);
  if (opts.concurrency !== undefined) spec.concurrency = Math.max(1, positiveInt('--concurrency', opts.concurrency));
  if (opts.s3Endpoint) spec.s3Endpoint = String(opts.s3Endpoint);
  if (opts.tmpDir) spec.tmpDir = String(opts.tmpDir);
  const lsUrl = opts.lsUrl ?? process.env.LABEL_STUDIO_URL ?? process.env.LABEL_STUDIO_HOST;
  if (lsUrl) spec.lsUrl = String(lsUrl);
  const lsToken = opts.lsToken ?? process.env.LABEL_STUDIO_API_KEY ?? process.env.LABEL_STUDIO_ACCESS_TOKEN;
  if (lsToken) spec.lsToken = String(lsToken);
  if (opts.uploadDir) spec.uploadDir = String(opts.uploadDir);
  if (opts.localFilesRoot) spec.localFilesRoot = String(opts.localFilesRoot);
  if (truthy(opts.offline)) spec.offline = true;
  if (opts.progress !== undefined) spec.progressInterval = positiveInt('--progress', opts.progress);
  if (truthy(opts.conllSpacy)) spec.conllSpacy = true;
  if (spec.maxErrors > 0 && !spec.errorReport) spec.errorReport = 'labelstream-errors.ndjson';
  return spec;
}

function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return EXIT.usage;
  if (e instanceof AbortedError || (e as Error)?.name === 'AbortError') return EXIT.interrupted;
  return EXIT.failure;
}

function reportError(e: unknown): number {
  const log = makeLogger();
  // The reader closed our stdout (`| head`): stop quietly, like any Unix filter (128 + SIGPIPE).
  if ((e as NodeJS.ErrnoException)?.code === 'EPIPE' || /stdout was closed/.test((e as Error)?.message ?? '')) {
    log.info('stdout closed by the reader; stopped');
    return 141;
  }
  const code = exitCodeFor(e);
  const err = e as Error;
  const debug = log.isLevelEnabled('debug');
  log.error({ kind: err?.name, exitCode: code, ...(debug ? { stack: err?.stack } : {}) }, err instanceof Error ? err.message : String(e));
  return code;
}

export function buildProgram(): Command {
  const program = new Command('labelstream')
    .description('Export Label Studio projects of any size with constant memory.')
    .version('0.1.0')
    .showHelpAfterError();

  program
    .command('export')
    .description('Stream tasks from a source through Label Studio export options into a format and a sink')
    .addOption(opt('--from <source>', 'export file (JSON array or NDJSON), directory of <task_id>.json blobs, "-" (stdin), or a database/bucket URL'))
    .addOption(opt('--to <sink>', 'output file, directory (ending in "/"), .zip/.tar, "-" (stdout), or "null" (encode, write nothing)'))
    .addOption(opt('--format <format>', 'output format, as Label Studio spells it (case-insensitive): JSON, JSON_MIN, NDJSON, …').default('JSON'))
    .addOption(opt('--label-config <file>', 'label config: XML, or the parsed JSON form (project.parsed_label_config)'))
    .addOption(opt('--project <id>', 'project id (database sources)'))
    .addOption(opt('--preset <name>', 'defaults of a Label Studio export path: quick (UI export), snapshot (API snapshot), storage (target-storage blob)', ['quick', 'snapshot', 'storage']))
    .addOption(opt('--only-annotated', 'only tasks with at least one annotation row (quick export default)'))
    .addOption(opt('--all-tasks', 'all tasks, also with --preset quick (Label Studio download_all_tasks)'))
    .addOption(opt('--skipped <mode>', 'tasks with a skipped annotation: only | exclude', ['only', 'exclude']))
    .addOption(opt('--finished <mode>', 'labeled tasks (is_labeled): only | exclude', ['only', 'exclude']))
    .addOption(opt('--annotated <mode>', 'tasks with a non-skipped annotation: only | exclude', ['only', 'exclude']))
    .addOption(opt('--only-with-annotations', 'drop tasks whose annotation list is empty after --annotations'))
    .addOption(opt('--ids <list>', 'task ids: 1,5,9-20,@file (file: ids separated by commas, spaces or newlines)'))
    .addOption(opt('--annotations <kinds>', 'keep annotations of these kinds: usual,ground_truth,skipped (default: all)'))
    .addOption(opt('--drafts <mode>', 'drafts as ids or full objects', ['ids', 'full']))
    .addOption(opt('--predictions <mode>', 'predictions as ids or full objects', ['ids', 'full']))
    .addOption(opt('--completed-by <mode>', 'annotation completed_by as id or full {id,email,first_name,last_name}', ['id', 'full']))
    .addOption(opt('--remove-user-details', 'completed_by as id; no email or name anywhere in the output'))
    .addOption(opt('--interpolate-key-frames', 'expand video rectangle keyframes into every frame, as Label Studio does'))
    .addOption(opt('--updated-since <iso>', 'only tasks whose task or annotation updated_at is at or after this time'))
    .addOption(opt('--shard <i/n>', 'only tasks with id mod n = i (parallel Jobs)'))
    .addOption(opt('--layout <layout>', 'file (default) or per-task (<task_id>.json blobs, as target storage writes them)', ['file', 'per-task']))
    .addOption(opt('--max-errors <n>', 'continue past up to n unreadable records (default 0: fail on the first)'))
    .addOption(opt('--error-report <file>', 'NDJSON file receiving each rejected record and its reason (default labelstream-errors.ndjson)'))
    .addOption(opt('--batch-size <n>', 'tasks per batch in the pipeline (default 500)'))
    .addOption(opt('--page-size <n>', 'tasks per database page (default 1000)'))
    .addOption(opt('--workers <n>', 'threads reading and rendering database pages, each on its own connection to the run snapshot (default 0: the main thread)'))
    .addOption(opt('--concurrency <n>', 'parallel blob reads / object writes for buckets and blob folders (default 16)'))
    .addOption(opt('--s3-endpoint <url>', 'S3-compatible endpoint (MinIO, Ceph, R2…; default AWS_ENDPOINT_URL); uses path-style addressing'))
    .addOption(opt('--ls-url <url>', 'Label Studio URL for /data/upload and /data/local-files media (default LABEL_STUDIO_URL)'))
    .addOption(opt('--ls-token <token>', 'Label Studio access token, sent as "Authorization: Token …" to --ls-url only (default LABEL_STUDIO_API_KEY)'))
    .addOption(opt('--upload-dir <dir>', "Label Studio's MEDIA_ROOT/upload folder: /data/upload/1/a.png is <dir>/1/a.png"))
    .addOption(opt('--local-files-root <dir>', "Label Studio's LOCAL_FILES_DOCUMENT_ROOT for /data/local-files/?d=… media"))
    .addOption(opt('--offline', 'never fetch media over the network (http, buckets, --ls-url); local folders only'))
    .addOption(opt('--tmp-dir <dir>', 'where two-pass formats spool (default: the OS temp dir)'))
    .addOption(opt('--progress <seconds>', 'seconds between progress lines on stderr, 0 = none (default 5)'))
    .addOption(opt('--conll-spacy', 'CONLL2003: first line "-DOCSTART- -X- O O" so `spacy convert` reads the file as is'))
    .addOption(opt('--config <file>', 'JSON file with any of these options (keys: long flag names)'))
    .addHelpText(
      'after',
      `
Every option can also be set as an environment variable LABELSTREAM_<FLAG> (e.g. LABELSTREAM_FROM,
LABELSTREAM_MAX_ERRORS) or in the --config file; flags win over the environment, which wins over the file.

Exit codes: 0 ok, 1 failure, 2 usage error, 3 completed but some records were rejected
(see --error-report), 130 interrupted (SIGINT/SIGTERM; no partial output is left at the destination).`,
    )
    .action(async (_o, cmd: Command) => {
      const spec = buildSpec(mergeConfig(cmd));
      const log = makeLogger();
      const controller = new AbortController();
      const stop = (sig: string) => {
        log.warn({ signal: sig }, 'stopping: cleaning up partial output');
        controller.abort();
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      const result = await run(spec, log, controller.signal);
      const s = result.stats;
      log.info(
        {
          summary: true,
          tasksRead: s.read,
          tasksWritten: s.written,
          dropped: s.dropped,
          annotationsDropped: s.annotationsDropped,
          skippedByFormat: s.skipped,
          rejected: s.rejected,
          bytesWritten: s.bytesWritten,
          seconds: result.seconds,
          tasksPerSec: Math.round(s.read / Math.max(result.seconds, 0.001)),
          output: result.sink.location,
          files: result.sink.files,
          ...(s.rejected > 0 ? { errorReport: spec.errorReport } : {}),
        },
        'export finished',
      );
      if (s.rejected > 0) process.exitCode = EXIT.rejections;
    });

  program
    .command('formats')
    .description('Which formats a label config supports, and why not the others')
    .addOption(opt('--label-config <file>', 'label config: XML, or the parsed JSON form'))
    .addOption(opt('--json', 'print JSON instead of a table'))
    .action(async (o: { labelConfig?: string; json?: boolean }) => {
      if (!o.labelConfig) throw new UsageError('--label-config is required');
      const config = await loadLabelConfig(o.labelConfig);
      const implemented = new Set(implementedFormats());
      const rows = formatSupport(config).map((f) =>
        f.supported && !implemented.has(f.format) ? { ...f, supported: false, reason: 'not implemented in labelstream yet' } : f,
      );
      if (o.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      for (const r of rows) process.stdout.write(`${r.supported ? 'yes' : 'no '}  ${r.format.padEnd(22)}${r.reason ? r.reason : ''}\n`);
    });

  addGenerateCommand(program);
  addProjectsCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    const ce = e as { code?: string; exitCode?: number };
    if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) {
      if (ce.code === 'commander.helpDisplayed' || ce.code === 'commander.version' || ce.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    return reportError(e);
  }
}

/**
 * A run must end by returning from main(). If the event loop empties first (a library left a
 * promise pending forever), Node would exit 0 with nothing said: fail loudly instead.
 */
function guardSilentExit(done: () => boolean): void {
  process.on('beforeExit', () => {
    if (done()) return;
    makeLogger().error({ exitCode: EXIT.failure }, 'internal error: the run stopped with an operation still pending (no progress possible); output was not completed');
    process.exitCode = EXIT.failure;
    process.exit();
  });
}

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}
if (invokedDirectly()) {
  let finished = false;
  guardSilentExit(() => finished);
  main(process.argv).then((code) => {
    finished = true;
    process.exitCode = code;
  });
}
