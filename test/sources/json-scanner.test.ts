import { describe, expect, it } from 'vitest';
import { JsonElementScanner, JsonScanError, NdjsonLineSplitter, type ScannedElement } from '../../src/sources/json-scanner.js';

// Deterministic PRNG so a failure is reproducible.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY = ['"', '\\', '\\"', '\\\\"', '[', ']', '{', '}', ',', 'ü', '日本', '✓', '😀', '\n', '\t', '\u0001', '/', ' '];

function randomString(r: () => number): string {
  let s = '';
  const n = Math.floor(r() * 8);
  for (let i = 0; i < n; i++) s += r() < 0.5 ? NASTY[Math.floor(r() * NASTY.length)] : String.fromCharCode(97 + Math.floor(r() * 26));
  return s;
}

function randomValue(r: () => number, depth: number): unknown {
  const k = r();
  if (depth > 3 || k < 0.3) {
    const s = r();
    if (s < 0.25) return randomString(r);
    if (s < 0.5) return Math.round((r() - 0.5) * 1e6) / (r() < 0.5 ? 1 : 1000);
    if (s < 0.65) return r() < 0.5;
    if (s < 0.75) return null;
    return randomString(r);
  }
  if (k < 0.65) {
    const o: Record<string, unknown> = {};
    const n = Math.floor(r() * 5);
    for (let i = 0; i < n; i++) o[randomString(r) + i] = randomValue(r, depth + 1);
    return o;
  }
  return Array.from({ length: Math.floor(r() * 5) }, () => randomValue(r, depth + 1));
}

function feedInChunks(scanner: { push(b: Buffer, out: ScannedElement[]): void; end(out: ScannedElement[]): void }, bytes: Buffer, r: () => number): unknown[] {
  const out: ScannedElement[] = [];
  let i = 0;
  while (i < bytes.length) {
    const n = 1 + Math.floor(r() * 16);
    scanner.push(bytes.subarray(i, i + n), out);
    i += n;
  }
  scanner.end(out);
  return out.map((e) => JSON.parse(e.text));
}

describe('JsonElementScanner', () => {
  it('cuts the same elements as JSON.parse on 3000 random arrays fed in 1–16 byte chunks', () => {
    const r = rng(42);
    for (let n = 0; n < 3000; n++) {
      const arr = Array.from({ length: Math.floor(r() * 6) }, () => randomValue(r, 0));
      const pretty = r() < 0.5;
      let text = pretty ? JSON.stringify(arr, null, 2) : JSON.stringify(arr);
      if (r() < 0.3) text = `  \n${text}\n  `;
      if (r() < 0.2) text = `\uFEFF${text}`;
      const got = feedInChunks(new JsonElementScanner('array'), Buffer.from(text), r);
      expect(got).toEqual(JSON.parse(text.replace(/^\uFEFF/, '')));
    }
  });

  it('handles scalars right before "]" and strings ending in escaped backslashes across chunks', () => {
    const text = '[1,"a\\\\",true,null,"\\"",2.5e3]';
    for (let cut = 1; cut < text.length; cut++) {
      const s = new JsonElementScanner('array');
      const out: ScannedElement[] = [];
      s.push(Buffer.from(text.slice(0, cut)), out);
      s.push(Buffer.from(text.slice(cut)), out);
      s.end(out);
      expect(out.map((e) => JSON.parse(e.text))).toEqual(JSON.parse(text));
    }
  });

  it('reports element index and byte offset', () => {
    const out: ScannedElement[] = [];
    const s = new JsonElementScanner('array');
    s.push(Buffer.from('[ {"a":1}, {"b":2} ]'), out);
    s.end(out);
    expect(out.map((e) => [e.index, e.offset])).toEqual([
      [0, 2],
      [1, 11],
    ]);
  });

  it('reads a sequence of pretty-printed objects', () => {
    const objs = [{ id: 1, data: { t: '}{' } }, { id: 2, data: {} }];
    const text = objs.map((o) => JSON.stringify(o, null, 2)).join('\n');
    expect(feedInChunks(new JsonElementScanner('sequence'), Buffer.from(text), rng(1))).toEqual(objs);
  });

  it.each([
    ['[{"a":1}', /missing "\]"/],
    ['[{"a":1} {"b":2}]', /expected "," or "\]"/],
    ['{"a":1}', /expected a JSON array/],
    ['[{"a":1}] x', /after the closing/],
    ['[{"a":1},]', /trailing ","/],
    ['[{"a":"x', /truncated/],
  ])('rejects malformed framing %s', (text, msg) => {
    const s = new JsonElementScanner('array');
    expect(() => {
      const out: ScannedElement[] = [];
      s.push(Buffer.from(text), out);
      s.end(out);
    }).toThrow(msg);
    expect(JsonScanError).toBeDefined();
  });
});

describe('NdjsonLineSplitter', () => {
  it('splits lines across arbitrary chunk boundaries, skipping blank lines and CRLF', () => {
    const r = rng(7);
    for (let n = 0; n < 500; n++) {
      const objs = Array.from({ length: Math.floor(r() * 6) }, () => ({ id: n, v: randomValue(r, 0) }));
      const text = objs.map((o) => JSON.stringify(o)).join(r() < 0.5 ? '\n' : '\r\n\n') + (r() < 0.5 ? '\n' : '');
      expect(feedInChunks(new NdjsonLineSplitter(), Buffer.from(text), r)).toEqual(objs);
    }
  });
});
