// Value rules of spec §3 kept in JavaScript (datetime fallback, created_ago, $undefined$) and the
// joining of a task's row pieces; the SQL renderings (uuids, created_username, file_upload,
// datetimes) are tested in ls-sql.test.ts.
import { describe, expect, it } from 'vitest';
import {
  type Children,
  lsDateTime,
  push,
  type RenderOptions,
  replaceUndefined,
  type TaskRow,
  taskText,
  type Text,
  timesince,
} from '../../src/sources/ls-render.js';
import { POSTGRES_SQL } from '../../src/sources/ls-sql.js';

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

describe('taskText: a task joined from its row pieces, as strings or as bytes', () => {
  const now = at('2026-01-01T00:00:00Z');
  const o: RenderOptions = {
    sql: POSTGRES_SQL,
    firstDataType: 'image',
    completedByFull: false,
    draftsFull: true,
    predictionsFull: true,
    now,
    task: [],
    annotation: [],
    prediction: [],
    draft: [],
    hasFileUpload: true,
    hasDrafts: true,
    hasPredictions: true,
    hasCommentAuthors: true,
  };
  /** The same page given as strings, or with every text as its UTF-8 bytes (the binary COPY read). */
  function render(asBytes: boolean, data: string, rest = ',"meta":{}', raw = false) {
    const t = (s: string | null) => (s === null || !asBytes ? s : Buffer.from(s));
    const ch: Children = { annotations: new Map(), drafts: new Map(), predictions: new Map(), commentAuthors: new Map() };
    push(ch.annotations, 1, t('{"id":10,"result":[{"value":{"text":["é 漢字 😀"]}}]}') as Text, null, null, now);
    push(ch.annotations, 1, t('{"id":11,"result":[]}') as Text, null, null, now);
    push(ch.annotations, 1, '{"id":12,"result":"ß"}', null, null, now); // a string among bytes still joins as UTF-8
    push(ch.predictions, 1, t('{"id":20,"result":[]') as Text, t('"2025-12-31T23:00:00.5Z"'), t(',"score":0.5}'), now);
    push(ch.drafts, 1, t('{"id":30,"user":"ü@x"') as Text, t('"2024-01-01T00:00:00Z"'), t('}'), now);
    push(ch.commentAuthors, 1, t('7') as Text, null, null, now);
    const row = [1, t(',"file_upload":"ñ.png"'), t(data), t(rest)] as TaskRow;
    return taskText(row, ch, { ...o, raw });
  }

  it('writes the same text either way, in Label Studio key order, with created_ago', () => {
    const text = render(false, '{"image":"a.png","note":"ø"}');
    const bytes = render(true, '{"image":"a.png","note":"ø"}');
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(bytes.toString()).toBe(text);
    const task = JSON.parse(text as string);
    expect(Object.keys(task)).toEqual(['id', 'annotations', 'file_upload', 'drafts', 'predictions', 'data', 'meta', 'comment_authors']);
    expect(task.annotations.map((a: { id: number }) => a.id)).toEqual([10, 11, 12]);
    expect(task.annotations[2].result).toBe('ß');
    expect(task.annotations[0].result[0].value.text).toEqual(['é 漢字 😀']);
    expect(task.predictions[0]).toEqual({ id: 20, result: [], created_ago: '1\u00a0hour', score: 0.5 });
    expect(task.drafts[0]).toEqual({ id: 30, user: 'ü@x', created_ago: '2\u00a0years' });
    expect(task.comment_authors).toEqual([7]);
  });

  it('applies the $undefined$ rewrite and flattens text over several lines for raw output, either way', () => {
    for (const asBytes of [false, true]) {
      const out = render(asBytes, '{"$undefined$":"ü.png",\n "k":1}', ',"meta":{}', true).toString();
      expect(out).not.toContain('\n');
      expect(JSON.parse(out).data).toEqual({ k: 1, image: 'ü.png' });
      const parsed = render(asBytes, '{"$undefined$":"ü.png",\n "k":1}').toString(); // to be parsed: left as it is
      expect(JSON.parse(parsed)).toEqual(JSON.parse(out));
    }
  });
});
