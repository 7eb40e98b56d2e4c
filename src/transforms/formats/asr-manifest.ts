// ASR_MANIFEST (export-formats.md §5 "ASR_MANIFEST"): `manifest.json`, JSON Lines in Python's
// `json.dumps` style (ASCII-escaped, `", "` / `": "`), one object per kept item:
// `{"audio_filepath": "audio/<basename>", "duration": <seconds>, "text": <transcript>, "annotator": …}`.
// Fixes: F5 — an item without a transcript writes no line (warning, counted), never the previous
// item's text and never a crash; F8 — a null completed_by is annotator "".
// F7 — an item whose data has no audio key is skipped and counted.
//
// Audio files: like the converter, each item's audio is fetched into `audio/` and its duration read
// from the WAV header (src/media/); an item whose audio cannot be fetched or measured is skipped
// and counted. Without a fetcher (unit tests) a line carries `audio/<basename>` and a null duration.

import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { MediaFetcher } from '../../media/fetcher.js';
import { urlForLog } from '../../media/url-for-log.js';
import { wavDuration } from '../../media/wav.js';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Encoder, EncoderContext, Entry } from '../../contracts.js';
import type { LabelConfig } from '../../label-config.js';
import { countSkip } from '../../run-context.js';
import type { Json, TaskBatch } from '../../task.js';
import { annotatorOf, type Item, countedItems } from './items.js';
import { floatJson, pyJson, pyJsonString } from './python-json.js';
import { requireLabelConfig } from './require-config.js';
import { singleFileEntry } from './single-file.js';
import { spoolWriter } from './spool-writer.js';

/** The audio of one item: its name inside `audio/`, its bytes and duration in seconds. */
export interface ResolvedAudio {
  name: string;
  body?: Buffer | Readable;
  duration: number | null;
}

export type AudioResolver = (url: string, item: Item) => Promise<ResolvedAudio | null>;

/**
 * The file name the converter gives the audio in `audio/`: for `/data/upload/…` the basename of the
 * URL-decoded path; otherwise the basename of the URL path as written (not decoded, query dropped).
 * labelstream uses the same name for local-files and cloud URLs, which the converter cannot
 * copy without downloads.
 */
export function audioName(url: string): string {
  if (url.startsWith('/data/upload')) {
    const rest = url.replace('/data/upload/', '');
    try {
      return basename(decodeURIComponent(rest));
    } catch {
      return basename(rest);
    }
  }
  const d = /[?&]d=([^&#]*)/.exec(url);
  if (url.startsWith('/data/') && d) {
    try {
      return basename(decodeURIComponent(d[1]));
    } catch {
      return basename(d[1]);
    }
  }
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split(/[?#]/)[0];
  }
  return basename(path);
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

/** F5: the transcript is the first `text` value of the first output whose first region has one. */
export function transcriptOf(item: Item): Json | undefined {
  for (const regions of item.output.values()) {
    const first = regions[0];
    if (first && Object.prototype.hasOwnProperty.call(first, 'text')) {
      const text = first.text;
      if (Array.isArray(text)) return text.length > 0 ? text[0] : undefined;
      return typeof text === 'string' ? text : undefined; // the converter would take its first character
    }
  }
  return undefined;
}

/** Skips logged at their level per run (the rest at debug level, like the media fetcher's failures); all are counted. */
const LOG_LIMIT = 20;
const logged = new WeakMap<object, number>();

/** `reason` is the counter key (keep it constant: one key per URL would grow with the project); `url` goes to the log only. */
function skip(ctx: EncoderContext, item: Item, reason: string, level: 'warn' | 'info' = 'warn', url?: string): void {
  countSkip(ctx.stats, `ASR_MANIFEST: ${reason}`);
  const n = (logged.get(ctx.stats) ?? 0) + 1;
  logged.set(ctx.stats, n);
  const last = n === LOG_LIMIT ? ' (further skipped items at debug level; the summary counts them all)' : '';
  ctx.log[n <= LOG_LIMIT ? level : 'debug'](
    { task: item.id, annotation: item.annotation_id, ...(url === undefined ? {} : { url }) },
    `ASR_MANIFEST: item skipped: ${reason}${last}`,
  );
}

/** The manifest line of one item, or null when it is skipped (`text`: its transcriptOf, when the caller has it). */
export function manifestLine(
  item: Item,
  dataKey: string | undefined,
  audio: ResolvedAudio | null,
  ctx: EncoderContext,
  text: Json | undefined = transcriptOf(item),
): string | null {
  const url = dataKey === undefined ? undefined : item.input[dataKey];
  if (typeof url !== 'string') {
    skip(ctx, item, url === undefined ? `data has no key "${dataKey ?? '(no data key in the config)'}"` : `data["${dataKey}"] is not a string`);
    return null;
  }
  if (text === undefined) {
    skip(ctx, item, 'no transcript (no TextArea text in the annotation)');
    return null;
  }
  // pyJson({audio_filepath, duration (a float), text, annotator}), written out: one line per item.
  const path = pyJsonString(`audio/${audio ? audio.name : audioName(url)}`);
  const duration = audio && audio.duration !== null ? floatJson(audio.duration) : 'null';
  const annotator = annotatorOf(item.completed_by, false) ?? '';
  return `{"audio_filepath": ${path}, "duration": ${duration}, "text": ${jsonValue(text)}, "annotator": ${jsonValue(annotator)}}\n`;
}

/** pyJson(v), with a string (the usual case) written directly. */
function jsonValue(v: Json): string {
  return typeof v === 'string' ? pyJsonString(v) : pyJson(v);
}

/** The items of a batch of tasks, in order. */
function batchItems(batch: TaskBatch, config: LabelConfig, ctx: EncoderContext): Item[] {
  const items: Item[] = [];
  for (const task of batch) for (const item of countedItems(task, config, ctx.stats)) items.push(item);
  return items;
}

/**
 * The items in order, a batch at a time (one await per batch, not per item). With `prefetch`,
 * each batch's items are built first and `prefetch` gets the audio URLs of those that will need
 * audio (a transcript and a URL), one batch ahead: the next batch's audio is fetched in parallel
 * (bounded by the fetcher) while this batch's items are written, instead of the fetches draining
 * at every batch boundary.
 */
async function* manifestItems(
  tasks: AsyncIterable<TaskBatch>,
  ctx: EncoderContext,
  config: LabelConfig,
  prefetch?: (urls: string[]) => void,
): AsyncGenerator<Item[]> {
  const dataKey = config.dataKeys[0];
  if (!prefetch) {
    for await (const batch of tasks) yield batchItems(batch, config, ctx);
    return;
  }
  const prepare = (batch: TaskBatch): Item[] => {
    const items = batchItems(batch, config, ctx);
    const urls: string[] = [];
    for (const item of items) {
      const url = dataKey === undefined ? undefined : item.input[dataKey];
      if (typeof url === 'string' && transcriptOf(item) !== undefined) urls.push(url);
    }
    prefetch(urls);
    return items;
  };
  const batches = tasks[Symbol.asyncIterator]();
  let next = await batches.next();
  let ahead = next.done ? undefined : prepare(next.value);
  try {
    while (ahead) {
      const items = ahead;
      next = await batches.next();
      ahead = next.done ? undefined : prepare(next.value);
      yield items;
    }
  } finally {
    if (!next.done) await batches.return?.();
  }
}

/** Without a resolver: the manifest is the only file, streamed line by line. */
async function* manifestText(tasks: AsyncIterable<TaskBatch>, ctx: EncoderContext, config: LabelConfig): AsyncGenerator<string> {
  let out = '';
  for await (const items of manifestItems(tasks, ctx, config)) {
    for (const item of items) {
      out += manifestLine(item, config.dataKeys[0], null, ctx) ?? '';
      if (out.length >= 64 * 1024) {
        yield out;
        out = '';
      }
    }
  }
  if (out) yield out;
}

/**
 * With a resolver, audio files are entries of their own, written while the items stream; the
 * manifest lines are spooled to ctx.tmpDir and the manifest is the last entry.
 */
async function* withAudio(
  tasks: AsyncIterable<TaskBatch>,
  ctx: EncoderContext,
  config: LabelConfig,
  resolve: AudioResolver,
  prefetch?: (urls: string[]) => void,
): AsyncGenerator<Entry> {
  const dataKey = config.dataKeys[0];
  const spoolPath = join(ctx.tmpDir, `asr-manifest-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.jsonl`);
  const spool = createWriteStream(spoolPath);
  const writer = spoolWriter(spool);
  let pending = '';
  try {
    for await (const items of manifestItems(tasks, ctx, config, prefetch)) {
      for (const item of items) {
        const url = dataKey === undefined ? undefined : item.input[dataKey];
        let audio: ResolvedAudio | null = null;
        const text = transcriptOf(item);
        if (typeof url === 'string' && text !== undefined) {
          audio = await resolve(url, item);
          if (!audio) {
            skip(ctx, item, 'audio could not be fetched or measured', 'info', urlForLog(url));
            continue;
          }
        }
        const line = manifestLine(item, dataKey, audio, ctx, text);
        if (line === null) continue;
        if (audio?.body) {
          yield { path: `audio/${audio.name}`, body: audio.body };
        }
        pending += line; // written in 64 KiB pieces, not a write per line
        if (pending.length >= 64 * 1024) {
          await writer.write(pending);
          pending = '';
        }
      }
    }
    if (pending) await writer.write(pending);
    await writer.close();
    yield { path: 'manifest.json', body: createReadStream(spoolPath) };
  } finally {
    spool.destroy();
    await rm(spoolPath, { force: true });
  }
}

/**
 * Audio through the run's MediaFetcher: the file is fetched once per run, its duration read from
 * the WAV header when it is fetched (the fetcher keeps it for later items using the same audio),
 * and its bytes emitted only for the first item that uses it.
 */
export function fetchedAudio(media: MediaFetcher): AudioResolver {
  media.inspectWith(wavDuration);
  return async (url) => {
    const r = await media.take(url);
    if (!r.ok || r.note === null) return null; // like the converter: no duration, no line
    const name = audioName(url);
    return r.fresh ? { name, duration: r.note, body: MediaFetcher.body(r) } : { name, duration: r.note };
  };
}

export function asrManifestEncoder(resolve?: AudioResolver): Encoder {
  return async function* (tasks, ctx) {
    const config = requireLabelConfig(ctx, 'ASR_MANIFEST');
    const media = ctx.media;
    const resolver = resolve ?? (media ? fetchedAudio(media) : undefined);
    const prefetch = !resolve && media ? (urls: string[]) => media.prefetch(urls) : undefined;
    if (resolver) yield* withAudio(tasks, ctx, config, resolver, prefetch);
    else yield singleFileEntry('manifest.json', manifestText(tasks, ctx, config));
  };
}

export const encodeAsrManifest = asrManifestEncoder();
