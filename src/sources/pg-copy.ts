// The rendering queries of a PostgreSQL export read through `COPY (query) TO STDOUT (FORMAT binary)`
// (pg-copy-streams): every column arrives as its raw bytes (a text as its UTF-8, an integer as
// big-endian), where node-postgres's row protocol decodes each text field to a JS string. The task
// texts (2 KB and more per task) then go from the socket to the output file without being decoded
// and encoded again, and stay off the V8 heap, so the pages read ahead are no longer copied by
// every scavenge (benchmarks/README.md "Database sources", fifth session).
//
// COPY takes no bind parameters: they are inlined as literals (numbers, integer arrays, and strings
// through the client's escapeLiteral); the query text itself is ours (ls-db.ts, ls-sql.ts).

import type { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/** One row: each column's bytes, or null. */
export type BinaryRow = Array<Buffer | null>;

/** A column of an integer type (int2, int4, int8) from its binary form. */
export function intOf(v: Buffer): number {
  switch (v.length) {
    case 2:
      return v.readInt16BE(0);
    case 4:
      return v.readInt32BE(0);
    case 8:
      return Number(v.readBigInt64BE(0));
    default:
      throw new Error(`internal error: a ${v.length}-byte integer column`);
  }
}

/** A parameter as a SQL literal. */
export function literalOf(v: unknown, escapeLiteral: (s: string) => string): string {
  if (typeof v === 'number' && Number.isFinite(v)) return v < 0 ? `(${v})` : String(v); // `x -$1` would open a comment
  if (typeof v === 'string') return escapeLiteral(v);
  if (Array.isArray(v) && v.every((x) => Number.isSafeInteger(x))) return `'{${v.join(',')}}'`;
  throw new Error(`internal error: cannot inline a query parameter (${typeof v})`);
}

/** `$n` placeholders replaced by their parameter's literal. */
export function inlineParams(sql: string, params: unknown[], escapeLiteral: (s: string) => string): string {
  return sql.replace(/\$(\d+)/g, (m, n: string) => {
    const i = Number(n) - 1;
    if (i >= params.length) throw new Error(`internal error: no parameter for ${m}`);
    return literalOf(params[i], escapeLiteral);
  });
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** Rows of a binary COPY stream held in one Buffer (the columns are views into it). */
export function parseCopyBinary(buf: Buffer): BinaryRow[] {
  if (buf.length < 19 || !buf.subarray(0, 11).equals(SIGNATURE)) throw new Error('PostgreSQL sent an unexpected COPY header');
  let at = 19 + buf.readUInt32BE(15);
  const rows: BinaryRow[] = [];
  while (at < buf.length) {
    const n = buf.readInt16BE(at);
    at += 2;
    if (n === -1) break;
    const row: BinaryRow = new Array(n);
    for (let i = 0; i < n; i++) {
      const len = buf.readInt32BE(at);
      at += 4;
      row[i] = len < 0 ? null : buf.subarray(at, (at += len));
    }
    rows.push(row);
  }
  return rows;
}

/** Runs `sql` (a SELECT with `$n` parameters) as a binary COPY and returns its rows. */
export async function copyRows(client: Client, sql: string, params: unknown[]): Promise<BinaryRow[]> {
  const text = `COPY (${inlineParams(sql, params, (s) => client.escapeLiteral(s))}) TO STDOUT (FORMAT binary)`;
  const chunks: Buffer[] = [];
  for await (const chunk of client.query(copyTo(text))) chunks.push(chunk as Buffer);
  return parseCopyBinary(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
}
