// CSV and TSV (export-formats.md §5 "CSV / TSV"): one row per item, the header is the sorted union
// of all columns, and a data key that is also an output from_name anywhere in the export becomes
// `_data_<key>`. Both need the whole export before the first byte, so two passes in constant
// memory: pass 1 spools each row as one NDJSON line into ctx.tmpDir while collecting the column
// names and output from_names (small sets); pass 2 writes the header and the spooled rows.
// Writer: Python csv QUOTE_NONNUMERIC, CRLF, always a header; TSV only changes the separator and
// is still called result.csv (R1).
//
// Numbers: JS numbers do not keep Python's int/float distinction, so a float that happens to be
// integral (`100.0` in the input) is written `100`; other floats in Python repr (`1e-07`).
// compare.mjs compares numeric cells as numbers, so both are equivalent.

import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Encoder, EncoderContext } from '../../contracts.js';
import type { LabelConfig } from '../../label-config.js';
import { gcPacer } from '../../memory.js';
import type { Json, TaskBatch } from '../../task.js';
import { annotatorOf, type Item, countedItems, prettify } from './items.js';
import { PIECE_BYTES } from './json.js';
import { pyFloatRepr, pyIntRepr } from './python-json.js';
import { requireLabelConfig } from './require-config.js';
import { singleFileEntry } from './single-file.js';
import { spoolLines } from './spool-lines.js';
import { spoolWriter } from './spool-writer.js';
import { ujson } from './ujson.js';

/** A cell before writing: strings and null are quoted, numbers and booleans are not. */
export type Cell = string | number | boolean | null;
type Cells = Record<string, Cell>;

/** One spooled row: annotation/output columns, and data columns (renamed in pass 2). */
export interface CsvRow {
  cells: Cells;
  data: Cells;
}

function isChat(regionType: unknown): boolean {
  return regionType === 'Chat' || regionType === 'chatmessage';
}

/** Python `str()` of a simple value (for chat transcripts). */
function pyStr(v: Json | undefined): string {
  if (v === undefined || v === null) return v === null ? 'None' : '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? pyIntRepr(v) : pyFloatRepr(v);
  return JSON.stringify(v);
}

function transcript(pretty: Json): string {
  const lines: string[] = [];
  if (!Array.isArray(pretty)) return '';
  for (const m of pretty) {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) continue;
    const role = pyStr(m.role ?? '');
    const content = pyStr(m.content ?? '');
    if (role) lines.push(content ? `${role}: ${content}` : `${role}:`);
    else lines.push(content);
  }
  return lines.join('\n');
}

function dataCell(v: Json): Cell {
  return typeof v === 'object' && v !== null ? ujson(v) : v;
}

/** The row of one item (`prepare_annotation`), data columns kept apart for the collision rule. */
export function csvRow(item: Item): CsvRow {
  const cells: Cells = {};
  if (item.id !== null && item.id !== undefined) cells.id = item.id;
  for (const [name, regions] of item.output) {
    const pretty = prettify(regions);
    cells[name] = typeof pretty === 'string' ? pretty : ujson(pretty);
    if (regions.some((r) => isChat(r.type))) cells[`${name}_transcript`] = transcript(pretty);
  }
  const data: Cells = {};
  for (const [k, v] of Object.entries(item.input)) data[k] = dataCell(v);
  cells.annotator = annotatorOf(item.completed_by, false) as string | null; // F8: null → empty cell
  cells.annotation_id = item.annotation_id;
  cells.created_at = item.created_at;
  cells.updated_at = item.updated_at;
  cells.lead_time = item.lead_time;
  if (item.hasAgreement) cells.agreement = dataCell((item.agreement ?? null) as Json);
  if (isNonEmpty(item.history)) cells.history = ujson(item.history);
  return { cells, data };
}

function isNonEmpty(v: Json | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Merges a row's data cells under their final names; a data `id` wins over the task id (R5). */
export function mergeRow(row: CsvRow, fromNames: ReadonlySet<string>): Cells {
  const out: Cells = {};
  const meta = ['annotator', 'annotation_id', 'created_at', 'updated_at', 'lead_time', 'agreement', 'history'];
  for (const [k, v] of Object.entries(row.cells)) if (!meta.includes(k)) out[k] = v;
  for (const [k, v] of Object.entries(row.data)) out[fromNames.has(k) ? `_data_${k}` : k] = v;
  for (const k of meta) if (k in row.cells) out[k] = row.cells[k];
  return out;
}

/** Column name of a data key once all from_names are known. */
export function dataColumn(key: string, fromNames: ReadonlySet<string>): string {
  return fromNames.has(key) ? `_data_${key}` : key;
}

/** One field as Python's csv writer with QUOTE_NONNUMERIC writes it. */
export function csvField(v: Cell | undefined): string {
  if (typeof v === 'number') return Number.isInteger(v) ? pyIntRepr(v) : pyFloatRepr(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  const s = v ?? '';
  return `"${s.replaceAll('"', '""')}"`;
}

export function csvLine(fields: Array<Cell | undefined>, sep: string): string {
  return `${fields.map(csvField).join(sep)}\r\n`;
}

/** Code-point order, as Python's sorted() on str. */
export function codePointCompare(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * Spool writes and output pieces are flushed at this many characters: even as a two-byte string
 * (any non-ASCII character) a flattened piece stays at PIECE_BYTES, below V8's large-object
 * threshold, so it dies in a scavenge instead of waiting for a full GC.
 */
const CHUNK = PIECE_BYTES / 2;
const ALWAYS = ['annotator', 'annotation_id', 'created_at', 'updated_at', 'lead_time'];

async function* csvText(tasks: AsyncIterable<TaskBatch>, ctx: EncoderContext, config: LabelConfig, sep: string): AsyncGenerator<string | Buffer> {
  const spoolPath = join(ctx.tmpDir, `csv-spool-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.ndjson`);
  const spool = createWriteStream(spoolPath);
  const writer = spoolWriter(spool);
  try {
    // Pass 1: spool rows, collect column names and output from_names.
    const columns = new Set<string>(ALWAYS);
    const dataKeys = new Set<string>();
    const fromNames = new Set<string>();
    let rows = 0;
    for await (const batch of tasks) {
      let text = '';
      for (const task of batch) {
        for (const item of countedItems(task, config, ctx.stats)) {
          for (const name of item.output.keys()) fromNames.add(name);
          const row = csvRow(item);
          for (const k of Object.keys(row.cells)) columns.add(k);
          for (const k of Object.keys(row.data)) dataKeys.add(k);
          text += `${JSON.stringify(row)}\n`;
          rows++;
        }
        if (text.length >= CHUNK) {
          await writer.write(text);
          text = '';
        }
      }
      if (text) await writer.write(text);
    }
    await writer.close();

    // Pass 2: header, then the spooled rows with data keys renamed.
    for (const k of dataKeys) columns.add(dataColumn(k, fromNames));
    const header = [...columns].sort(codePointCompare);
    yield csvLine(header, sep);
    if (rows === 0) return;
    // Pass 2 reads no task batches, so the pipeline's GC pacer does not run: pace here, per row.
    const pace = gcPacer();
    let done = 0;
    let out = '';
    for await (const line of spoolLines(spoolPath)) {
      if (line === '') continue;
      const cells = mergeRow(JSON.parse(line) as CsvRow, fromNames);
      out += csvLine(
        header.map((h) => (h in cells ? cells[h] : '')),
        sep,
      );
      pace(++done);
      if (out.length >= CHUNK) {
        yield Buffer.from(out);
        out = '';
      }
    }
    if (out) yield Buffer.from(out);
  } finally {
    spool.destroy();
    await rm(spoolPath, { force: true });
  }
}

function csvEncoder(format: 'CSV' | 'TSV', sep: string): Encoder {
  return async function* (tasks, ctx) {
    const config = requireLabelConfig(ctx, format);
    yield singleFileEntry('result.csv', csvText(tasks, ctx, config, sep));
  };
}

export const encodeCsv = csvEncoder('CSV', ',');
export const encodeTsv = csvEncoder('TSV', '\t');
