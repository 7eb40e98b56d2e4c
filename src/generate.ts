// Synthetic Label Studio projects for benchmarks and tests: a deterministic (seeded) stream of
// tasks in the exact export shape (shared/spec/label-studio-export.md §2: task keys in §2.1 order,
// annotations §2.2, predictions §2.3 and drafts §2.4 expanded, result regions in jsonb key order),
// about 2 KB per task, plus the label config each kind needs. Task i depends only on (seed, id),
// so any range can be generated without the ones before it, and memory stays flat at any size.

import type { Writable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import { doclangDocument } from './generate-doclang.js';
import { ellipseSpans, encodeBrushRle } from './generate-rle.js';
import type { Annotation, Draft, Prediction, ResultRegion, Task } from './task.js';

export const GENERATE_KINDS = ['image', 'ner', 'classification', 'mixed', 'polygons', 'audio', 'brush', 'doclang'] as const;
export type GenerateKind = (typeof GENERATE_KINDS)[number];
export type GenerateFormat = 'json' | 'ndjson';

export interface GenerateOptions {
  tasks: number;
  kind: GenerateKind;
  seed?: number | string;
  /** Id of the first task (default 1); ids are consecutive. */
  firstId?: number;
}

// ── PRNG: sfc32 seeded through splitmix32 (fast, 128-bit state, good enough for test data) ──

function splitmix32(x: number): () => number {
  let s = x >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const sm = splitmix32(seed);
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    for (let i = 0; i < 8; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  chars(n: number, alphabet: string): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }

  uuid(): string {
    const h = this.chars(32, HEX);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[this.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20)}`;
  }
}

const HEX = '0123456789abcdef';
const REGION_ID = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

export function seedNumber(seed: number | string | undefined): number {
  const text = String(seed ?? 1);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

// ── Vocabulary ──

const USERS = [
  { id: 1, email: 'admin@example.com', first_name: '', last_name: '' },
  { id: 2, email: 'ann.lee@example.com', first_name: 'Ann', last_name: 'Lee' },
  { id: 3, email: 'zoe@example.org', first_name: 'Zoë', last_name: 'Müller' },
  { id: 5, email: 'lukasz@example.pl', first_name: 'Łukasz', last_name: 'Wiśniewski' },
  { id: 7, email: 'li.wei@example.cn', first_name: '李', last_name: '伟' },
  { id: 8, email: "o'brien@example.ie", first_name: 'Seán', last_name: "O'Brien" },
  { id: 12, email: 'annotator12@example.com', first_name: 'Jo', last_name: '' },
] as const;

const BOX_LABELS = ['Car', 'Person', 'Bicycle', 'Traffic Light', 'Dog', 'Bus'];
const NER_LABELS = ['PER', 'ORG', 'LOC', 'MISC'];
const CHOICES = ['Positive', 'Negative', 'Neutral'];
const LAYOUT_LABELS = ['Section-header', 'Text', 'Picture', 'Table'];
const WORDS = (
  'the a of and to in is was for on that with as by at from it this be are or an have not which ' +
  'market report city council river festival engine museum station harbour quarterly results storm ' +
  'season election team match policy research model dataset annotation review camera street bridge'
).split(' ');
const NAMES = ['Ada Lovelace', 'Acme Corp', 'Berlin', 'São Paulo', 'Nakamura Ltd', 'Zürich', 'Grace Hopper', 'Kraków'];
/** Strings that break naive scanners and encoders: quotes, backslashes, newlines, `/`, non-ASCII, `]}`. */
const NASTY = [
  'He said "stop" \\ then \\"left\\" ]} {[ ',
  'path/to/file\\name.txt\nsecond line\ttab ',
  'naïve café — 日本語のテキスト 😀👍🏽 ',
  '}]},{"id": 1, "fake": "task"}\\',
  'line1\r\nline2 \u2028 sep \u00a0nbsp </script> ',
];

// ── Rendering helpers ──

const EPOCH = Date.UTC(2024, 0, 1);

/** DRF datetime: microseconds only when non-zero, `Z` suffix (spec §3.1). */
function isoTime(ms: number, micros: number): string {
  const base = new Date(ms).toISOString().slice(0, 19);
  return micros === 0 ? `${base}Z` : `${base}.${String(micros).padStart(6, '0')}Z`;
}

/** Django timesince with NBSP between number and unit (spec §3.5). */
function createdAgo(rng: Rng): string {
  const d = rng.int(0, 40);
  const h = rng.int(0, 23);
  const unit = (n: number, u: string) => `${n}\u00a0${u}${n === 1 ? '' : 's'}`;
  if (d === 0) return h === 0 ? `${rng.int(1, 59)}\u00a0minutes` : unit(h, 'hour');
  return h === 0 ? unit(d, 'day') : `${unit(d, 'day')}, ${unit(h, 'hour')}`;
}

function sentence(rng: Rng, words: number): string {
  const parts: string[] = [];
  for (let i = 0; i < words; i++) parts.push(rng.chance(0.06) ? rng.pick(NAMES) : rng.pick(WORDS));
  const s = parts.join(' ');
  return `${s[0].toUpperCase()}${s.slice(1)}.`;
}

function paragraph(rng: Rng, minChars: number, nasty: boolean): string {
  let text = '';
  while (text.length < minChars) text += `${sentence(rng, rng.int(6, 16))} `;
  if (nasty) {
    const at = rng.int(0, text.length - 1);
    text = text.slice(0, at) + rng.pick(NASTY) + text.slice(at);
  }
  return text.trimEnd();
}

// ── Result regions (keys in jsonb order: shorter first, then bytewise) ──

interface TaskShape {
  kind: GenerateKind;
  text?: string;
  width: number;
  height: number;
  imageRotation: number;
  /** audio, doclang: transcripts and documents may carry the hostile strings */
  nasty?: boolean;
  /** doclang: task id (picture upload paths) */
  id?: number;
}

function boxRegion(rng: Rng, shape: TaskShape, score: boolean): ResultRegion {
  const width = 2 + rng.next() * 40;
  const height = 2 + rng.next() * 40;
  const value = {
    x: rng.next() * (100 - width),
    y: rng.next() * (100 - height),
    width,
    height,
    rotation: rng.chance(0.1) ? rng.next() * 360 : 0,
    rectanglelabels: [rng.pick(BOX_LABELS)],
  };
  return {
    id: rng.chars(10, REGION_ID),
    type: 'rectanglelabels',
    ...(score ? { score: rng.next() } : {}),
    value,
    origin: score ? 'prediction' : rng.pick(['manual', 'manual', 'prediction-changed']),
    to_name: 'image',
    from_name: 'label',
    image_rotation: shape.imageRotation,
    original_width: shape.width,
    original_height: shape.height,
  };
}

function spanRegion(rng: Rng, text: string, score: boolean, fromName: string): ResultRegion {
  const start = rng.int(0, Math.max(0, text.length - 20));
  const end = Math.min(text.length, start + rng.int(3, 18));
  return {
    id: rng.chars(10, REGION_ID),
    type: 'labels',
    ...(score ? { score: rng.next() } : {}),
    value: { end, text: text.slice(start, end), start, labels: [rng.pick(NER_LABELS)] },
    origin: score ? 'prediction' : 'manual',
    to_name: 'text',
    from_name: fromName,
  };
}

function choiceRegion(rng: Rng, score: boolean): ResultRegion {
  return {
    id: rng.chars(10, REGION_ID),
    type: 'choices',
    ...(score ? { score: rng.next() } : {}),
    value: { choices: [rng.pick(CHOICES)] },
    origin: score ? 'prediction' : 'manual',
    to_name: 'text',
    from_name: 'sentiment',
  };
}

/** Region keys shared by the image kinds (after `value` and `origin`). */
function imageTail(shape: TaskShape): Pick<ResultRegion, 'to_name' | 'from_name' | 'image_rotation' | 'original_width' | 'original_height'> {
  return { to_name: 'image', from_name: 'label', image_rotation: shape.imageRotation, original_width: shape.width, original_height: shape.height };
}

function polygonRegion(rng: Rng, shape: TaskShape, score: boolean): ResultRegion {
  // a star-shaped polygon around a centre: vertices at increasing angles, so it never self-intersects
  const cx = 10 + rng.next() * 80;
  const cy = 10 + rng.next() * 80;
  const n = rng.int(3, 10);
  const points: number[][] = [];
  for (let k = 0; k < n; k++) {
    const angle = ((k + rng.next() * 0.8) / n) * 2 * Math.PI;
    const r = 2 + rng.next() * 8;
    points.push([Math.min(100, Math.max(0, cx + r * Math.cos(angle))), Math.min(100, Math.max(0, cy + r * Math.sin(angle)))]);
  }
  return {
    id: rng.chars(10, REGION_ID),
    type: 'polygonlabels',
    ...(score ? { score: rng.next() } : {}),
    value: { closed: true, points, polygonlabels: [rng.pick(BOX_LABELS)] },
    origin: score ? 'prediction' : rng.pick(['manual', 'manual', 'prediction-changed']),
    ...imageTail(shape),
  };
}

function transcriptRegion(rng: Rng, score: boolean, nasty: boolean): ResultRegion {
  return {
    id: rng.chars(10, REGION_ID),
    type: 'textarea',
    ...(score ? { score: rng.next() } : {}),
    value: { text: [paragraph(rng, rng.int(150, 450), nasty && rng.chance(0.5))] },
    origin: score ? 'prediction' : 'manual',
    to_name: 'audio',
    from_name: 'transcription',
  };
}

/** A 640×480 mask of one to three elliptic blobs (radii 15–60 px) as Label Studio RLE. */
function brushRegion(rng: Rng, shape: TaskShape, score: boolean): ResultRegion {
  const blobs: Array<[number, number, number, number]> = [];
  for (let n = rng.int(1, 3); n > 0; n--) {
    blobs.push([rng.int(0, shape.width - 1), rng.int(0, shape.height - 1), rng.int(15, 60), rng.int(15, 60)]);
  }
  const rle = encodeBrushRle(shape.width, shape.height, ellipseSpans(shape.width, shape.height, blobs));
  return {
    id: rng.chars(10, REGION_ID),
    type: 'brushlabels',
    ...(score ? { score: rng.next() } : {}),
    value: { rle, format: 'rle', brushlabels: [rng.pick(BOX_LABELS)] },
    origin: score ? 'prediction' : 'manual',
    ...imageTail(shape),
  };
}

/** A DocLang document of about 2 KB (1.6–2.4 KB of markup and text, then the page in progress). */
function doclangText(rng: Rng, shape: TaskShape): string {
  return doclangDocument(rng, shape.id ?? 0, rng.int(1300, 2000), (n) => paragraph(rng, n, shape.nasty === true && rng.chance(0.2)));
}

/** The DocLang editor's TextArea result: the whole document as the region's one text. */
function doclangRegion(rng: Rng, shape: TaskShape, score: boolean): ResultRegion {
  return {
    id: rng.chars(10, REGION_ID),
    type: 'textarea',
    ...(score ? { score: rng.next() } : {}),
    value: { text: [doclangText(rng, shape)] },
    origin: score ? 'prediction' : 'manual',
    to_name: 'page',
    from_name: 'doclang',
  };
}

/** A layout box on the page image (the doclang kind's RectangleLabels). */
function layoutRegion(rng: Rng, shape: TaskShape, score: boolean): ResultRegion {
  const box = boxRegion(rng, shape, score);
  const value = { ...(box.value as Record<string, unknown>), rectanglelabels: [rng.pick(LAYOUT_LABELS)] };
  return { ...box, value, to_name: 'page', from_name: 'layout' };
}

/**
 * doclang: predictions always carry a document; annotations and drafts do in 92% of cases, and
 * half of them also carry 1–2 layout boxes (an annotation without a document has only boxes).
 */
function doclangRegions(rng: Rng, shape: TaskShape, score: boolean): ResultRegion[] {
  const out: ResultRegion[] = [];
  const withDocument = score || rng.chance(0.92);
  if (!withDocument || rng.chance(0.5)) for (let n = rng.int(1, 2); n > 0; n--) out.push(layoutRegion(rng, shape, score));
  if (withDocument) out.push(doclangRegion(rng, shape, score));
  return out;
}

function regions(rng: Rng, shape: TaskShape, score: boolean): ResultRegion[] {
  const out: ResultRegion[] = [];
  const text = shape.text ?? '';
  const boxes = () => {
    for (let n = rng.int(1, 2); n > 0; n--) out.push(boxRegion(rng, shape, score));
  };
  const spans = () => {
    for (let n = rng.int(1, 3); n > 0; n--) out.push(spanRegion(rng, text, score, shape.kind === 'mixed' ? 'ner' : 'label'));
  };
  if (shape.kind === 'image') boxes();
  else if (shape.kind === 'polygons') for (let n = rng.int(1, 2); n > 0; n--) out.push(polygonRegion(rng, shape, score));
  else if (shape.kind === 'audio') out.push(transcriptRegion(rng, score, shape.nasty === true));
  else if (shape.kind === 'brush') out.push(brushRegion(rng, shape, score));
  else if (shape.kind === 'doclang') out.push(...doclangRegions(rng, shape, score));
  else if (shape.kind === 'ner') spans();
  else if (shape.kind === 'classification') out.push(choiceRegion(rng, score));
  else {
    if (rng.chance(0.7)) boxes();
    if (rng.chance(0.5)) spans();
    out.push(choiceRegion(rng, score));
  }
  return out;
}

// ── Objects ──

function data(rng: Rng, shape: TaskShape, id: number, nasty: boolean): Task['data'] {
  const image = rng.chance(0.5) ? `s3://datasets/images/${rng.chars(2, HEX)}/${id}_${rng.chars(8, HEX)}.jpg` : `/data/upload/7/${rng.chars(8, HEX)}-frame_${id}.jpg`;
  switch (shape.kind) {
    case 'audio':
      return { audio: `/data/upload/${PROJECT}/${rng.chars(8, HEX)}-clip_${id}.wav`, speaker: rng.pick(NAMES) };
    case 'image':
    case 'polygons':
    case 'brush':
      return { image, caption: paragraph(rng, 60, nasty), source: 'camera-03' };
    case 'doclang':
      // one task in twenty also carries a document in its data (the fallback when no result has one)
      return {
        image: `/data/upload/${PROJECT}/${rng.chars(8, HEX)}-page_${id}.png`,
        ...(rng.chance(0.05) ? { document: doclangText(rng, shape) } : {}),
        source: rng.pick(['scan', 'pdf', 'camera']),
      };
    case 'ner':
      return { text: shape.text ?? '', lang: 'en' };
    case 'classification':
      return { text: shape.text ?? '', url: `https://example.com/reviews/${id}` };
    default:
      return { image, text: shape.text ?? '' };
  }
}

function annotation(rng: Rng, shape: TaskShape, task: number, project: number, annId: number, t: number): Annotation {
  const user = rng.pick(USERS);
  const cancelled = rng.chance(0.06);
  const created = t + rng.int(60_000, 9_000_000);
  const updated = created + (rng.chance(0.3) ? rng.int(2000, 900_000) : 1000);
  const result = cancelled ? [] : regions(rng, shape, false);
  return {
    id: annId,
    completed_by: { ...user },
    result,
    was_cancelled: cancelled,
    ground_truth: !cancelled && rng.chance(0.05),
    created_at: isoTime(created, rng.int(0, 999_999)),
    updated_at: isoTime(updated, rng.int(0, 999_999)),
    draft_created_at: rng.chance(0.6) ? isoTime(created - rng.int(1000, 60_000), rng.int(0, 999_999)) : null,
    lead_time: Math.round(rng.next() * 120_000) / 1000,
    prediction: {},
    result_count: result.length,
    unique_id: rng.uuid(),
    import_id: null,
    last_action: cancelled ? 'skipped' : rng.pick(['submitted', 'submitted', 'updated', 'accepted']),
    bulk_created: false,
    task,
    project,
    updated_by: user.id,
    parent_prediction: null,
    parent_annotation: null,
    last_created_by: null,
  };
}

function prediction(rng: Rng, shape: TaskShape, task: number, project: number, id: number, t: number): Prediction {
  const created = t + rng.int(1000, 60_000);
  return {
    id,
    result: regions(rng, shape, true),
    model_version: rng.pick(['yolo-v8-2024-05', 'bert-ner-1.3', 'baseline "v0"']),
    created_ago: createdAgo(rng),
    score: rng.next(),
    cluster: null,
    neighbors: null,
    mislabeling: 0,
    created_at: isoTime(created, rng.int(1, 999_999)),
    updated_at: isoTime(created, rng.int(1, 999_999)),
    model: rng.chance(0.5) ? 3 : null,
    model_run: null,
    task,
    project,
  };
}

function draft(rng: Rng, shape: TaskShape, task: number, id: number, t: number, annotationId: number | null): Draft {
  const u = rng.pick(USERS);
  const name = u.first_name + (u.last_name ? ` ${u.last_name}` : '');
  const created = t + rng.int(60_000, 600_000);
  return {
    id,
    user: u.email,
    created_username: `${name}${name ? ' ' : ''}${u.email}, ${u.id}`,
    created_ago: createdAgo(rng),
    result: regions(rng, shape, false),
    lead_time: Math.round(rng.next() * 60_000) / 1000,
    was_postponed: rng.chance(0.3),
    import_id: null,
    created_at: isoTime(created, rng.int(1, 999_999)),
    updated_at: isoTime(created + rng.int(10, 5000), rng.int(1, 999_999)),
    task,
    annotation: annotationId,
  };
}

const PROJECT = 7;

/** One task; depends only on (seed, kind, id). */
export function generateTask(kind: GenerateKind, seed: number, id: number, innerId: number): Task {
  const rng = new Rng((seed ^ Math.imul(id, 0x9e3779b1)) >>> 0);
  const nasty = rng.chance(0.03);
  const rotated = rng.chance(0.05);
  const shape: TaskShape = {
    kind,
    width: rng.pick([640, 1280, 1920, 4032]),
    height: rng.pick([480, 720, 1080, 3024]),
    imageRotation: rotated ? rng.pick([90, 180, 270]) : 0,
  };
  if (kind === 'brush') {
    // brush masks are full-size RLE: keep them at a common camera size
    shape.width = 640;
    shape.height = 480;
    shape.imageRotation = 0;
  }
  if (kind === 'audio' || kind === 'doclang') shape.nasty = nasty;
  if (kind === 'doclang') shape.id = id;
  if (kind === 'ner' || kind === 'classification' || kind === 'mixed') shape.text = paragraph(rng, kind === 'ner' ? 450 : kind === 'classification' ? 750 : 250, nasty);
  const t = EPOCH + id * 37_000 + rng.int(0, 30_000);
  const nAnn = rng.pick([0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3]);
  const annotations: Annotation[] = [];
  for (let k = 0; k < nAnn; k++) annotations.push(annotation(rng, shape, id, PROJECT, id * 4 + k, t));
  // doclang: a few predictions (each is a whole document), the other kinds more than half
  const predictions: Prediction[] = rng.chance(kind === 'doclang' ? 0.1 : 0.55) ? [prediction(rng, shape, id, PROJECT, id * 2, t)] : [];
  const drafts: Draft[] = rng.chance(0.12) ? [draft(rng, shape, id, id * 3, t, annotations.length > 0 && rng.chance(0.5) ? annotations[0].id : null)] : [];
  const cancelled = annotations.filter((a) => a.was_cancelled).length;
  const comments = rng.chance(0.06) ? rng.int(1, 3) : 0;
  const lastUpdate = annotations.reduce((m, a) => (a.updated_at! > m ? a.updated_at! : m), isoTime(t, rng.int(1, 999_999)));
  const task = { id, annotations } as Task; // keys added below in export order
  if (rng.chance(0.8)) task.file_upload = `${rng.chars(8, HEX)}-${kind}_batch_${Math.floor(id / 1000)}.json`;
  task.drafts = drafts;
  task.predictions = predictions;
  task.data = data(rng, shape, id, nasty);
  task.meta = nasty ? { note: rng.pick(NASTY), source: 'import "legacy"' } : rng.chance(0.1) ? { batch: Math.floor(id / 500), reviewed: rng.chance(0.5) } : {};
  task.created_at = isoTime(t, rng.int(0, 999_999));
  task.updated_at = lastUpdate;
  task.inner_id = innerId;
  task.total_annotations = annotations.length - cancelled;
  task.cancelled_annotations = cancelled;
  task.total_predictions = predictions.length;
  task.comment_count = comments;
  task.unresolved_comment_count = comments > 0 ? rng.int(0, comments) : 0;
  task.last_comment_updated_at = comments > 0 ? isoTime(t + rng.int(100_000, 9_000_000), rng.int(1, 999_999)) : null;
  task.project = PROJECT;
  task.updated_by = annotations.length > 0 ? (annotations[annotations.length - 1].updated_by as number) : null;
  const authors: number[] = [];
  for (let k = 0; k < comments; k++) authors.push(rng.pick(USERS).id);
  task.comment_authors = [...new Set(authors)];
  return task;
}

/** The tasks of a generated project, in id order. */
export function* generateTasks(opts: GenerateOptions): Generator<Task> {
  const seed = seedNumber(opts.seed);
  const first = opts.firstId ?? 1;
  for (let i = 0; i < opts.tasks; i++) yield generateTask(opts.kind, seed, first + i, i + 1);
}

/** Resolves on 'drain', or on 'close' (the caller then sees `destroyed`); errors are the owner's. */
function drainOrClose(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
}

/**
 * Writes the project as a JSON array (`[\n` tasks joined by `,\n` `\n]\n`, the framing of our JSON
 * encoder, so JSON→JSON reproduces the file byte for byte) or NDJSON, in chunks of about 256 KB,
 * waiting for 'drain' whenever `out` is full. Does not end `out`. Returns the bytes handed to `out`.
 */
export async function writeTasks(opts: GenerateOptions, format: GenerateFormat, out: Writable, signal?: AbortSignal): Promise<number> {
  const sep = format === 'json' ? ',\n' : '\n';
  let bytes = 0;
  let chunk = format === 'json' && opts.tasks > 0 ? '[\n' : '';
  let first = true;
  /** False once `out` was destroyed or `signal` aborted (e.g. EPIPE from `| head`): stop generating. */
  const flush = async (): Promise<boolean> => {
    if (out.destroyed || signal?.aborted) return false;
    bytes += Buffer.byteLength(chunk);
    // Yield to the event loop after every chunk, so that stream errors (EPIPE) get delivered.
    if (!out.write(chunk)) await drainOrClose(out);
    else await setImmediate();
    chunk = '';
    return true;
  };
  for (const task of generateTasks(opts)) {
    const text = JSON.stringify(task);
    chunk += format === 'json' ? (first ? text : sep + text) : text + sep;
    first = false;
    if (chunk.length >= 1 << 18 && !(await flush())) return bytes;
  }
  if (format === 'json') chunk += opts.tasks > 0 ? '\n]\n' : '[]\n';
  await flush();
  return bytes;
}

/** The label config (XML) of a generated project of `kind`. */
export function labelConfigFor(kind: GenerateKind): string {
  const boxes = `  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
${BOX_LABELS.map((l) => `    <Label value="${l}"/>`).join('\n')}
  </RectangleLabels>`;
  const spans = `  <Labels name="${kind === 'mixed' ? 'ner' : 'label'}" toName="text">
${NER_LABELS.map((l) => `    <Label value="${l}"/>`).join('\n')}
  </Labels>
  <Text name="text" value="$text"/>`;
  const choices = `  <Choices name="sentiment" toName="text" choice="single">
${CHOICES.map((c) => `    <Choice value="${c}"/>`).join('\n')}
  </Choices>`;
  const textOnly = '  <Text name="text" value="$text"/>';
  const polygons = `  <Image name="image" value="$image"/>
  <PolygonLabels name="label" toName="image">
${BOX_LABELS.map((l) => `    <Label value="${l}"/>`).join('\n')}
  </PolygonLabels>`;
  const brush = `  <Image name="image" value="$image"/>
  <BrushLabels name="label" toName="image">
${BOX_LABELS.map((l) => `    <Label value="${l}"/>`).join('\n')}
  </BrushLabels>`;
  const audio = `  <Audio name="audio" value="$audio"/>
  <TextArea name="transcription" toName="audio" editable="true" rows="4"/>`;
  const doclang = `  <Image name="page" value="$image"/>
  <RectangleLabels name="layout" toName="page">
${LAYOUT_LABELS.map((l) => `    <Label value="${l}"/>`).join('\n')}
  </RectangleLabels>
  <TextArea name="doclang" toName="page" editable="true" rows="12"/>`;
  const extra: Partial<Record<GenerateKind, string>> = { polygons, brush, audio, doclang };
  const body =
    extra[kind] ??
    (kind === 'image' ? boxes : kind === 'ner' ? spans : kind === 'classification' ? `${textOnly}\n${choices}` : `${boxes}\n${spans}\n${choices}`);
  return `<View>\n${body}\n</View>\n`;
}
