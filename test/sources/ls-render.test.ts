// Value rules of spec §3 kept in JavaScript (datetime fallback, created_ago, $undefined$); the SQL
// renderings (uuids, created_username, file_upload, datetimes) are tested in ls-sql.test.ts.
import { describe, expect, it } from 'vitest';
import { lsDateTime, replaceUndefined, timesince } from '../../src/sources/ls-render.js';

const at = (s: string) => new Date(s);

describe('lsDateTime (§3.1)', () => {
  it.each([
    ['2024-01-30 02:40:43.893565+00', '2024-01-30T02:40:43.893565Z'], // PostgreSQL text, UTC session
    ['2024-01-30 02:40:43.5+00', '2024-01-30T02:40:43.500000Z'], // PostgreSQL trims trailing zeros
    ['2024-01-30 02:40:43+00', '2024-01-30T02:40:43Z'],
    ['2024-01-30 02:40:43', '2024-01-30T02:40:43Z'], // Django SQLite text, naive UTC
    ['2024-01-30 02:40:43.000000', '2024-01-30T02:40:43Z'],
    ['2024-01-30 02:40:43.000001', '2024-01-30T02:40:43.000001Z'],
    ['2024-01-30T02:40:43.25+02:00', '2024-01-30T00:40:43.250000Z'],
    ['2024-01-01 01:00:00-05:30', '2024-01-01T06:30:00Z'],
    ['2024-01-30T02:40:43.1234567Z', '2024-01-30T02:40:43.123456Z'], // more than 6 digits: cut
    ['2024-01-30 02:40:43.0000004', '2024-01-30T02:40:43Z'],
    ['2024-01-30 02:40:43+00:00', '2024-01-30T02:40:43Z'],
    ['2024-01-30 02:40:43.5-01', '2024-01-30T03:40:43.500000Z'],
    [' 2024-01-30 02:40:43 ', '2024-01-30T02:40:43Z'],
    ['not a date', 'not a date'],
  ])('%s → %s', (input, want) => expect(lsDateTime(input)).toBe(want));
});

describe('timesince (§3.5, Django depth 2 with NBSP)', () => {
  it.each([
    ['2024-01-01T00:00:00Z', '2024-01-05T01:00:00Z', '4\u00a0days, 1\u00a0hour'],
    ['2024-01-01T00:00:00Z', '2024-01-01T00:01:30Z', '1\u00a0minute'],
    ['2024-01-01T00:00:00Z', '2024-01-01T00:00:59Z', '0\u00a0minutes'],
    ['2024-01-02T00:00:00Z', '2024-01-01T00:00:00Z', '0\u00a0minutes'],
    ['2022-01-01T00:00:00Z', '2024-01-01T00:00:00Z', '2\u00a0years'],
    ['2023-01-31T00:00:00Z', '2024-03-01T00:00:00Z', '1\u00a0year, 1\u00a0month'],
    ['2024-01-01T00:00:00Z', '2024-01-15T00:00:00Z', '2\u00a0weeks'],
    ['2024-01-01T00:00:00Z', '2024-01-09T05:00:00Z', '1\u00a0week, 1\u00a0day'],
    ['2024-01-01T00:00:00Z', '2024-01-01T02:00:00Z', '2\u00a0hours'],
  ])('%s → %s', (d, now, want) => expect(timesince(at(d), at(now))).toBe(want));
});

describe('$undefined$', () => {
  it('$undefined$ moves to the first data key, which ends up last (§3.4)', () => {
    const d = replaceUndefined({ $undefined$: 'x', a: 1 }, 'image');
    expect(Object.entries(d)).toEqual([['a', 1], ['image', 'x']]);
    expect(replaceUndefined({ $undefined$: 'x' }, undefined)).toEqual({ $undefined$: 'x' });
  });
});
