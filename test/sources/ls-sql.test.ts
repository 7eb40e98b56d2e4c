// The SQL renderings of spec §3 (src/sources/ls-sql.ts, ls-render.ts) evaluated by the real
// databases: SQLite in memory and PostgreSQL (test/support/postgres.ts).

import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { draftSql, type RenderOptions } from '../../src/sources/ls-render.js';
import { POSTGRES_SQL, SQLITE_SQL, type SqlDialect } from '../../src/sources/ls-sql.js';
import { createLsDatabase, type PgServer, startPostgres } from '../support/postgres.js';

type Eval = (sql: string, value: unknown, cast?: string) => Promise<unknown>;

const sqlite = new Database(':memory:');
const evalSqlite: Eval = async (sql, value) => (sqlite.prepare(`SELECT ${sql.replaceAll('$X', '@x')} AS v`).get({ x: value }) as { v: unknown }).v;

let server: PgServer;
let client: pg.Client;
beforeAll(async () => {
  server = await startPostgres();
  client = new pg.Client({ connectionString: await createLsDatabase(server, 'ls_sql') });
  await client.connect();
  await client.query(`SET TIME ZONE 'UTC'`);
});
afterAll(async () => {
  await client?.end();
  await server?.stop();
});
const evalPg: Eval = async (sql, value, cast = '') => (await client.query(`SELECT ${sql.replaceAll('$X', `$1${cast}`)} AS v`, [value])).rows[0].v;

describe('SQLite value rendering (Django storage → Label Studio JSON)', () => {
  const v = (kind: Parameters<SqlDialect['value']>[0], x: unknown) => evalSqlite(SQLITE_SQL.value(kind, '$X'), x);
  it.each([
    ['2024-01-30 02:40:43', '"2024-01-30T02:40:43Z"'],
    ['2024-01-30 02:40:43.893565', '"2024-01-30T02:40:43.893565Z"'],
    ['2024-01-30 02:40:43.000000', '"2024-01-30T02:40:43Z"'],
    ['2024-01-30 02:40:43.000001', '"2024-01-30T02:40:43.000001Z"'],
    ['2024-01-30T02:40:43.25+02:00', '\u00002024-01-30T02:40:43.25+02:00\u0000'], // other shapes: left to lsDateTime
    [null, 'null'],
  ])('datetime %s → %s', async (x, want) => expect(await v('dt', x)).toBe(want));
  it.each([
    ['3BC9DA85967F47A1BFA8410206E54CF9', '"3bc9da85-967f-47a1-bfa8-410206e54cf9"'],
    ['3bc9da85-967f-47a1-bfa8-410206e54cf9', '"3bc9da85-967f-47a1-bfa8-410206e54cf9"'],
    ['not-a-uuid', '"not-a-uuid"'],
    [null, 'null'],
  ])('uuid %s → %s', async (x, want) => expect(await v('uuid', x)).toBe(want));
  it('booleans, integers, JSON, scalars', async () => {
    expect([await v('bool', 1), await v('bool', 0), await v('bool', null)]).toEqual(['true', 'false', 'null']);
    expect([await v('int', 42), await v('int', null)]).toEqual([42, 'null']);
    expect(await v('json', '{"b": 1, "a": [1.0, "ü"]}')).toBe('{"b": 1, "a": [1.0, "ü"]}'); // valid text as stored
    expect(await v('json', "{b: 1, 'a': [1.0]}")).toBe('{"b":1,"a":[1.0]}'); // JSON5 made JSON by json()
    await expect(v('json', '{"b": ')).rejects.toThrow(/malformed JSON/);
    expect([await v('raw', 'say "hi"\n'), await v('raw', 0.1 + 0.2), await v('raw', null)]).toEqual(['"say \\"hi\\"\\n"', '0.30000000000000004', 'null']);
  });
  it('file_upload base name', async () => {
    expect(await evalSqlite(SQLITE_SQL.baseName('$X'), 'upload/1/d06c405d-spotify.json')).toBe('d06c405d-spotify.json');
    expect(await evalSqlite(SQLITE_SQL.baseName('$X'), 'ü/日本.json')).toBe('日本.json');
    expect(await evalSqlite(SQLITE_SQL.baseName('$X'), 'plain.json')).toBe('plain.json');
  });
});

describe('PostgreSQL value rendering', () => {
  const v = (kind: Parameters<SqlDialect['value']>[0], x: unknown, cast: string) => evalPg(POSTGRES_SQL.value(kind, '$X'), x, cast);
  it.each([
    ['2024-01-30 02:40:43+00', '"2024-01-30T02:40:43Z"'],
    ['2024-01-30 02:40:43.5+00', '"2024-01-30T02:40:43.500000Z"'],
    ['2024-01-30 02:40:43.000001+00', '"2024-01-30T02:40:43.000001Z"'],
    ['2024-01-30 02:40:43.25+02:00', '"2024-01-30T00:40:43.250000Z"'],
    [null, 'null'],
  ])('timestamptz %s → %s', async (x, want) => expect(await v('dt', x, '::timestamptz')).toBe(want));
  it('uuid, booleans, integers, jsonb, scalars', async () => {
    expect(await v('uuid', '3BC9DA85-967F-47A1-BFA8-410206E54CF9', '::uuid')).toBe('"3bc9da85-967f-47a1-bfa8-410206e54cf9"');
    expect([await v('bool', true, '::boolean'), await v('bool', null, '::boolean')]).toEqual(['true', 'null']);
    expect(await v('int', 42, '::bigint')).toBe('42');
    expect(await v('json', '{"bb": 1, "a": [1.0, "ü"]}', '::jsonb')).toBe('{"a": [1.0, "ü"], "bb": 1}'); // jsonb's canonical key order
    expect([await v('raw', 'say "hi"\n', '::text'), await v('raw', 47.407, '::float8'), await v('raw', null, '::float8')]).toEqual(['"say \\"hi\\"\\n"', '47.407', 'null']);
    expect(await evalPg(POSTGRES_SQL.baseName('$X'), 'upload/1/d06c405d-spotify.json', '::text')).toBe('d06c405d-spotify.json');
  });
});

describe('concatenation of a row around large values', () => {
  // An annotation's result can be tens of KB; each `||` copies everything left of it, so a large
  // value inside a long chain was copied once per later part.
  const small = Array.from({ length: 40 }, (_, i) => `',"k${i}":' || ${i}`);
  const parts = [`'{"id":1,"result":'`, { large: `$X::text` }, ...small, `'}'`];

  it('keeps each large value at the top level of the PostgreSQL chain, the small runs in parentheses', () => {
    expect(POSTGRES_SQL.cat(['a', 'b', { large: 'L' }, 'c', { large: 'M' }])).toBe('(a || b) || L || c || M');
    const sql = POSTGRES_SQL.cat(parts);
    expect(sql.startsWith(`'{"id":1,"result":' || $X::text || (`)).toBe(true);
    expect(SQLITE_SQL.cat(['a', { large: 'L' }, 'b'])).toBe('concat(a, L, b)');
  });

  it('gives the same text as the plain chain, in both databases', async () => {
    const big = JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ x: i, label: 'ü polygon' })));
    const plain = (d: SqlDialect) => parts.map((p) => (typeof p === 'string' ? p : p.large)).join(d === POSTGRES_SQL ? ' || ' : ', ');
    const want = await evalPg(plain(POSTGRES_SQL), big, '::jsonb');
    expect(String(want).length).toBeGreaterThan(big.length);
    expect(await evalPg(POSTGRES_SQL.cat(parts), big, '::jsonb')).toBe(want);
    const sqliteParts = parts.map((p) => (typeof p === 'string' ? p : { large: '$X' }));
    expect(JSON.parse(String(await evalSqlite(SQLITE_SQL.cat(sqliteParts), big)))).toEqual(JSON.parse(String(want)));
  });
});

describe('draft created_username (§2.4) in both databases', () => {
  const opts = (sql: SqlDialect) =>
    ({ sql, draft: [['id', 'id', 'int'], ['created_username', 'user_id', 'raw']], completedByFull: false, now: new Date() }) as unknown as RenderOptions;
  const cases: Array<[string | null, string | null, string, string]> = [
    ['Ann', 'Lee', 'ann@x.io', 'Ann Lee ann@x.io, 3'],
    ['', '', 'ann@x.io', 'ann@x.io, 3'],
    ['Ann', null, 'ann@x.io', 'Ann ann@x.io, 3'],
    [null, 'Lee', 'ann@x.io', ' Lee ann@x.io, 3'], // no first name: the leading space Label Studio writes too
  ];
  it.each(cases)('SQLite: %s %s %s', async (first, last, email, want) => {
    const [head] = draftSql(opts(SQLITE_SQL));
    const row = sqlite.prepare(`SELECT ${head} AS v FROM (SELECT 1 AS id, 3 AS user_id) d, (SELECT ? AS first_name, ? AS last_name, ? AS email) u`).get(first, last, email) as { v: string };
    expect(JSON.parse(row.v)).toEqual({ id: 1, created_username: want });
  });
  it.each(cases)('PostgreSQL: %s %s %s', async (first, last, email, want) => {
    const [head] = draftSql(opts(POSTGRES_SQL));
    const r = await client.query(`SELECT ${head} AS v FROM (SELECT 1 AS id, 3 AS user_id) d, (SELECT $1::text AS first_name, $2::text AS last_name, $3::text AS email) u`, [first, last, email]);
    expect(JSON.parse(r.rows[0].v)).toEqual({ id: 1, created_username: want });
  });
});
