// DOCLANG document discovery (export-formats.md §5 "DOCLANG"): which strings of a raw task are
// DocLang documents, and which archives a task yields, in the converter's order:
//   1. non-cancelled, non-skipped annotations (or legacy `completions`);
//   2. drafts, except one whose `annotation` was already exported in step 1;
//   3. predictions;
//   4. only when 1–3 found nothing: distinct documents under `doclang` / `document` keys of `data`
//      at any depth (`task-<id>-data.dclx`, or `-data-<n>` from 1 when there are several).
// A missing id is the entry's list index (among the kept annotations; in the raw list for drafts
// and predictions).

import type { Json, Task } from '../../task.js';
import { scanXml, type XmlScan } from './doclang-xml.js';

const MAX_DEPTH = 32;
const MAX_NODES = 10_000;
const NAMESPACE = /^https:\/\/www\.doclang\.ai\/ns\/v\p{Nd}+$/u;
const DATA_KEYS = new Set(['doclang', 'document']);

/** Built-in result types whose payload is never a document (custom types fall through to their whole value). */
const NON_DOCUMENT_TYPES = new Set([
  'bitmask', 'bitmasklabels', 'brush', 'brushlabels', 'chatmessage', 'choices', 'datetime', 'ellipse',
  'ellipselabels', 'hypertextlabels', 'keypoint', 'keypointlabels', 'labels', 'magicwand', 'number',
  'ocrlabels', 'pairwise', 'paragraphlabels', 'polygon', 'polygonlabels', 'ranker', 'rating', 'rectangle',
  'rectanglelabels', 'relation', 'taxonomy', 'timelinelabels', 'timeserieslabels', 'vector', 'vectorlabels',
  'videorectangle', 'videovector', 'videovectorlabels',
]);

type SourceKind = 'annotation' | 'draft' | 'prediction' | 'data';

/** One document to archive: its archive name, its text and scan. */
interface DoclangSource {
  fileName: string;
  document: string;
  scan: XmlScan;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Python truthiness of a JSON value (an empty list or object is false). */
function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

/** The part of a result that may hold a document: textarea `value.text`, reactcode `value.reactcode`, others' whole `value`. */
export function candidatePayload(result: Record<string, unknown>): unknown {
  const type = result.type;
  const value = result.value;
  if (type === 'textarea') return isObject(value) ? value.text : undefined;
  if (type === 'reactcode') return isObject(value) ? value.reactcode : undefined;
  if (typeof type === 'string' && NON_DOCUMENT_TYPES.has(type)) return undefined;
  return value;
}

/** The strings of a JSON value in document order (containers below depth 32 not entered; at most 10,000 nodes visited). */
export function* stringValues(value: unknown): Generator<string> {
  // One frame per open container: its values, the next one to visit, and their depth.
  const stack: Array<{ items: unknown[]; next: number; depth: number }> = [{ items: [value], next: 0, depth: 0 }];
  let visited = 0;
  while (stack.length > 0 && visited < MAX_NODES) {
    const top = stack[stack.length - 1];
    if (top.next === top.items.length) {
      stack.pop();
      continue;
    }
    visited++;
    const current = top.items[top.next++];
    if (typeof current === 'string') yield current;
    else if (top.depth < MAX_DEPTH && current !== null && typeof current === 'object') {
      stack.push({ items: Array.isArray(current) ? current : Object.values(current), next: 0, depth: top.depth + 1 });
    }
  }
}

/** The scan of `text` when it is a DocLang document: well-formed XML, no DOCTYPE, root `doclang` without namespace or in `https://www.doclang.ai/ns/v<digits>`. */
export function doclangScan(text: string): XmlScan | null {
  if (!text.includes('doclang')) return null; // cheap pre-check: every document names its root
  const scan = scanXml(text);
  if (!scan || scan.local !== 'doclang') return null;
  return scan.ns === '' || NAMESPACE.test(scan.ns) ? scan : null;
}

/** The first document among the results of an annotation, draft or prediction. */
export function documentOf(container: Record<string, unknown>): { document: string; scan: XmlScan } | null {
  const results = container.result;
  if (!Array.isArray(results)) return null;
  for (const result of results) {
    if (!isObject(result)) continue;
    for (const text of stringValues(candidatePayload(result))) {
      const scan = doclangScan(text);
      if (scan) return { document: text, scan };
    }
  }
  return null;
}

/** Distinct documents under `doclang` / `document` keys anywhere in `data`, in document order. */
export function dataDocuments(data: unknown): Array<{ document: string; scan: XmlScan }> {
  if (!isObject(data)) return [];
  const out: Array<{ document: string; scan: XmlScan }> = [];
  const seen = new Set<string>();
  const stack: Array<[unknown, number, boolean]> = [[data, 0, false]];
  let visited = 0;
  while (stack.length > 0 && visited < MAX_NODES) {
    const [current, depth, under] = stack.pop() as [unknown, number, boolean];
    visited++;
    if (typeof current === 'string') {
      if (!under || seen.has(current)) continue;
      const scan = doclangScan(current);
      if (scan) {
        seen.add(current);
        out.push({ document: current, scan });
      }
    } else if (depth < MAX_DEPTH && current !== null && typeof current === 'object') {
      const entries: Array<[unknown, boolean]> = Array.isArray(current)
        ? current.map((c) => [c, under])
        : Object.entries(current).map(([k, c]) => [c, under || DATA_KEYS.has(k)]);
      for (let k = entries.length - 1; k >= 0; k--) stack.push([entries[k][0], depth + 1, entries[k][1]]);
    }
  }
  return out;
}

/** Python's `str()` of an id, kept to letters, digits, `.`, `_` and `-` (ids come from task data). */
function idPart(id: unknown): string {
  let s: string;
  if (id === null || id === undefined) s = 'None';
  else if (id === true) s = 'True';
  else if (id === false) s = 'False';
  else if (typeof id === 'object') s = JSON.stringify(id);
  else s = String(id);
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

function archiveName(taskId: unknown, kind: SourceKind, id: unknown): string {
  if (kind === 'data') return id === '' ? `task-${idPart(taskId)}-data.dclx` : `task-${idPart(taskId)}-data-${idPart(id)}.dclx`;
  return `task-${idPart(taskId)}-${kind}-${idPart(id)}.dclx`;
}

/** `entry.id`, or the list index when the key is absent. */
function idOf(entry: Record<string, unknown>, index: number): unknown {
  return Object.prototype.hasOwnProperty.call(entry, 'id') ? entry.id : index;
}

/** The documents of one raw task, in the converter's order, with their archive names. */
export function doclangSources(task: Task): DoclangSource[] {
  const out: DoclangSource[] = [];
  const add = (kind: SourceKind, id: unknown, found: { document: string; scan: XmlScan }) =>
    out.push({ fileName: archiveName(task.id, kind, id), ...found });
  const annotations = (task.annotations?.length ? task.annotations : task.completions) ?? [];
  const exported = new Set<unknown>();
  let index = 0;
  for (const a of annotations as unknown[]) {
    if (!isObject(a) || truthy(a.was_cancelled) || truthy(a.skipped)) continue;
    const i = index++;
    const found = documentOf(a);
    if (!found) continue;
    const id = idOf(a, i);
    exported.add(id);
    add('annotation', id, found);
  }
  (task.drafts ?? []).forEach((d: unknown, i) => {
    if (!isObject(d)) return;
    if (d.annotation !== null && d.annotation !== undefined && exported.has(d.annotation)) return;
    const found = documentOf(d);
    if (found) add('draft', idOf(d, i), found);
  });
  (task.predictions ?? []).forEach((p: unknown, i) => {
    if (!isObject(p)) return;
    const found = documentOf(p);
    if (found) add('prediction', idOf(p, i), found);
  });
  if (out.length > 0) return out;
  const docs = dataDocuments(task.data as Json);
  docs.forEach((found, i) => add('data', docs.length === 1 ? '' : i + 1, found));
  return out;
}
