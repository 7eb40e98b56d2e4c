// Category (class) ids of COCO and YOLO from the label config (export-formats.md §5 COCO,
// R4, F3, F4): labels with an integer `category` attribute keep it; all other label names of all
// control tags, sorted by code point, take the smallest free ids. COCO swaps the keypoint labels
// for one `default` category; YOLO keypoint mode numbers only the RectangleLabels labels.

import type { LabelConfig } from '../../label-config.js';

export interface Category {
  id: number;
  name: string;
  supercategory?: string;
  keypoints?: string[];
  skeleton?: unknown[];
}

/** Python `int(text)` for a `category` attribute, or undefined when it would raise. */
function parseCategoryId(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(t)) return undefined;
  const n = Number(t.replace(/_/g, ''));
  return Number.isSafeInteger(n) ? n : undefined;
}

function byCodePoint(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i].codePointAt(0) ?? 0) - (y[i].codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** The category list in the order the converter builds it, and the name → id map. */
export class CategoryTable {
  readonly list: Category[] = [];
  private readonly ids = new Map<string, number>();
  private readonly used = new Set<number>();

  add(cat: Category): void {
    this.list.push(cat);
    this.ids.set(cat.name, cat.id);
    this.used.add(cat.id);
  }

  has(name: string): boolean {
    return this.ids.has(name);
  }

  get(name: string): number | undefined {
    return this.ids.get(name);
  }

  /** Maps `name` to `id` without listing it (keypoint labels → the `default` category). */
  alias(name: string, id: number): void {
    this.ids.set(name, id);
  }

  /**
   * The id of a label, adding a label met only in the data: id = number of categories so far when
   * that id is free (R4), else the largest id + 1 (F4: never two classes with one id).
   */
  idFor(name: string, warn?: (msg: string) => void): number {
    const known = this.ids.get(name);
    if (known !== undefined) return known;
    let id = this.list.length;
    if (this.used.has(id)) id = Math.max(...this.used) + 1;
    this.add({ id, name });
    warn?.(`label "${name}" is not in the label config; it gets category id ${id}`);
    return id;
  }

  maxId(): number | undefined {
    return this.used.size > 0 ? Math.max(...this.used) : undefined;
  }
}

/** `_get_labels`: explicit `category` ids first (tag/label order), the rest sorted, smallest free ids. */
export function configCategories(config: LabelConfig, warn?: (msg: string) => void): CategoryTable {
  const table = new CategoryTable();
  const all = new Set<string>();
  for (const [tagName, tag] of Object.entries(config.schema)) {
    for (const l of tag.labels) all.add(l);
    for (const [label, attrs] of Object.entries(tag.labels_attrs)) {
      const raw = attrs.category;
      if (raw === undefined) continue;
      const id = parseCategoryId(String(raw));
      if (id === undefined) {
        warn?.(`label "${label}" of tag "${tagName}": category "${raw}" is not an integer; ignored`);
        continue;
      }
      table.add({ id, name: label });
    }
  }
  const rest = [...all].filter((l) => !table.has(l)).sort(byCodePoint);
  const used = new Set(table.list.map((c) => c.id));
  let next = 0;
  for (const label of rest) {
    while (used.has(next)) next++;
    table.add({ id: next, name: label });
    next++;
  }
  return table;
}

/** Keypoint labels of all KeyPointLabels tags, config order, without duplicates. */
export function keypointLabels(config: LabelConfig): string[] {
  const out: string[] = [];
  for (const tag of Object.values(config.schema)) {
    if (tag.type !== 'KeyPointLabels') continue;
    for (const l of tag.labels) if (!out.includes(l)) out.push(l);
  }
  return out;
}

/** Keypoint labels with an integer `model_index`, ordered by it (first label wins a duplicate index). */
export function keypointOrder(config: LabelConfig): string[] {
  const attrs: Record<string, Record<string, string>> = {};
  for (const tag of Object.values(config.schema)) if (tag.type === 'KeyPointLabels') Object.assign(attrs, tag.labels_attrs);
  const pairs: Array<[number, string]> = [];
  const seen = new Set<number>();
  for (const [name, a] of Object.entries(attrs)) {
    const idx = a.model_index === undefined ? undefined : parseCategoryId(String(a.model_index));
    if (idx === undefined || seen.has(idx)) continue;
    seen.add(idx);
    pairs.push([idx, name]);
  }
  return pairs.sort((p, q) => p[0] - q[0]).map((p) => p[1]);
}

/** COCO: keypoint labels removed, one `default` category (max id + 1) holding them (R4). */
export function cocoCategories(config: LabelConfig, warn?: (msg: string) => void): CategoryTable {
  const base = configCategories(config, warn);
  const kps = keypointLabels(config);
  if (kps.length === 0) return base;
  const table = new CategoryTable();
  for (const c of base.list) if (!kps.includes(c.name)) table.add({ ...c });
  const id = (table.maxId() ?? -1) + 1;
  table.add({ id, name: 'default', supercategory: 'default', keypoints: kps, skeleton: [] });
  for (const k of kps) table.alias(k, id);
  return table;
}

/** YOLO keypoint mode: RectangleLabels labels, ids 0… in config order, each listing every keypoint label. */
export function yoloKeypointCategories(config: LabelConfig): CategoryTable {
  const table = new CategoryTable();
  const kps = keypointLabels(config);
  const rects: string[] = [];
  for (const tag of Object.values(config.schema)) {
    if (tag.type !== 'RectangleLabels') continue;
    for (const l of tag.labels) if (!rects.includes(l)) rects.push(l);
  }
  rects.forEach((name, id) => table.add({ id, name, keypoints: kps }));
  return table;
}

/** F3: `classes.txt` line i = the name of class id i; an id no category uses is an empty line. */
export function classesTxt(categories: Category[]): string {
  if (categories.length === 0) return '';
  const byId = new Map<number, string>();
  for (const c of categories) if (c.id >= 0 && !byId.has(c.id)) byId.set(c.id, c.name);
  const max = Math.max(...byId.keys(), -1);
  const lines: string[] = [];
  for (let i = 0; i <= max; i++) lines.push(byId.get(i) ?? '');
  return lines.map((l) => `${l}\n`).join('');
}
