// The binary COPY read of the PostgreSQL source (src/sources/pg-copy.ts) against a real server:
// every column's bytes must be what the row protocol would have decoded, parameters inlined as
// literals must mean what bind parameters meant.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRows, inlineParams, intOf, parseCopyBinary } from '../../src/sources/pg-copy.js';
import { type PgServer, startPostgres } from '../support/postgres.js';

let server: PgServer;
let client: pg.Client;
beforeAll(async () => {
  server = await startPostgres();
  client = new pg.Client({ connectionString: await server.createDatabase('pg_copy') });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await server?.stop();
});

/** The same query through the row protocol, every column as text. */
async function asText(sql: string, params: unknown[]): Promise<Array<Array<string | null>>> {
  const r = await client.query({ text: sql, values: params, rowMode: 'array', types: { getTypeParser: () => (v: string) => v } });
  return r.rows as Array<Array<string | null>>;
}

describe('pg-copy: binary COPY rows', () => {
  it('returns each text column as its UTF-8 bytes and integers big-endian, nulls as null', async () => {
    const sql = `SELECT v.i::int4, v.b::int8, v.s::int2, v.t FROM (VALUES
      (1, 9007199254740991, 7, 'plain'),
      (-2147483648, -5, -1, 'é ü 漢字 😀 "quoted" \\ back\\slash'),
      (0, 0, 0, ''),
      (NULL, NULL, NULL, NULL),
      (42, 1, 1, repeat('x', 200000) || '✓')) v(i, b, s, t) ORDER BY v.i NULLS LAST`;
    const rows = await copyRows(client, sql, []);
    const text = await asText(sql, []);
    expect(rows).toHaveLength(5);
    rows.forEach((r, k) => {
      expect(r.slice(0, 3).map((v) => (v === null ? null : String(intOf(v))))).toEqual(text[k].slice(0, 3));
      expect(r[3] === null ? null : r[3].toString('utf8')).toEqual(text[k][3]);
    });
    expect(rows[3][3]?.length).toBe(200003); // the 42 row (before NULLS LAST): spans several COPY chunks
  });

  it('returns no rows for an empty result', async () => {
    expect(await copyRows(client, 'SELECT 1 WHERE false', [])).toEqual([]);
  });

  it('inlines parameters with the meaning bind parameters had', async () => {
    const sql = `SELECT x FROM generate_series(-5, 5) x WHERE x -$1 > 0 AND x = ANY($2::bigint[]) AND $3 = 'it''s \\ ok' AND $4::timestamptz < now() ORDER BY x LIMIT $5`;
    const params = [-3, [-4, -2, 1, 4], "it's \\ ok", '2024-01-30T02:40:43.893Z', 10];
    const rows = await copyRows(client, sql, params);
    const expected = (await asText(sql, params)).map((r) => Number(r[0]));
    expect(expected).toEqual([-2, 1, 4]);
    expect(rows.map((r) => intOf(r[0] as Buffer))).toEqual(expected);
  });

  it('refuses parameters it cannot inline, and placeholders without a parameter', () => {
    const esc = (s: string) => `'${s}'`;
    expect(() => inlineParams('SELECT $1', [{}], esc)).toThrow(/cannot inline/);
    expect(() => inlineParams('SELECT $1', [Number.NaN], esc)).toThrow(/cannot inline/);
    expect(() => inlineParams('SELECT $1', [[1.5]], esc)).toThrow(/cannot inline/);
    expect(() => inlineParams('SELECT $2', [1], esc)).toThrow(/no parameter for \$2/);
    expect(inlineParams('SELECT $1, $10, $2', [1, 2, 3, 4, 5, 6, 7, 8, 9, 'ten'], esc)).toBe("SELECT 1, 'ten', 2");
  });

  it('fails on a stream that is not binary COPY output, and on a failing query', async () => {
    expect(() => parseCopyBinary(Buffer.from('1\t2\n'))).toThrow(/unexpected COPY header/);
    await expect(copyRows(client, 'SELECT 1 / 0', [])).rejects.toThrow(/division by zero/);
    // The connection is usable after the failed COPY.
    expect((await copyRows(client, 'SELECT 7', [])).map((r) => intOf(r[0] as Buffer))).toEqual([7]);
  });
});
