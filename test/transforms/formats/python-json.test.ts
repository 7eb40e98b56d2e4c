// Python json.dumps / repr(float) compatibility (export-formats.md §4 "stdlib json"). Expected
// strings are what CPython 3.11 prints for the same values.

import { describe, expect, it } from 'vitest';
import { PyFloat, pyFloatRepr, pyJson } from '../../../src/transforms/formats/python-json.js';

describe('pyFloatRepr', () => {
  it.each([
    [0.1, '0.1'],
    [0.00001, '1e-05'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [1, '1.0'],
    [100, '100.0'],
    [123.456, '123.456'],
    [-2.5e-10, '-2.5e-10'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [1234567890123456.7, '1234567890123456.8'],
    [12345678901234567, '1.2345678901234568e+16'],
    [-0, '-0.0'],
  ])('repr(%s) = %s', (n, text) => {
    expect(pyFloatRepr(n)).toBe(text);
  });
});

describe('pyJson', () => {
  it('uses ", " and ": " separators and leaves slashes alone', () => {
    expect(pyJson({ a: [1, 2.5, 'x/y', null, true, false], b: {}, c: [] })).toBe('{"a": [1, 2.5, "x/y", null, true, false], "b": {}, "c": []}');
  });

  it('escapes everything outside space..~ with ensure_ascii (default), one escape per UTF-16 unit', () => {
    expect(pyJson('é😀\x7f\n\t"\\ \x01')).toBe('"\\u00e9\\ud83d\\ude00\\u007f\\n\\t\\"\\\\ \\u0001"');
  });

  it('keeps non-ASCII with ensureAscii false, still escaping control characters', () => {
    expect(pyJson('é😀\n\x01', { ensureAscii: false })).toBe('"é😀\\n\\u0001"');
  });

  it('indents like json.dumps(indent=2)', () => {
    expect(pyJson({ a: [1, { b: [] }], c: 'd', e: {} }, { indent: 2 })).toBe('{\n  "a": [\n    1,\n    {\n      "b": []\n    }\n  ],\n  "c": "d",\n  "e": {}\n}');
  });

  it('writes floats in Python repr, PyFloat-marked integers with .0, NaN/Infinity bare', () => {
    expect(pyJson([0.00001, new PyFloat(2), 3, Number.NaN, Infinity])).toBe('[1e-05, 2.0, 3, NaN, Infinity]');
  });

  it('writes integer lists like json.dumps, one line or indented, also with huge and negative values', () => {
    expect(pyJson([1, -2, 3])).toBe('[1, -2, 3]');
    expect(pyJson([[1, 2]], { indent: 2 })).toBe('[\n  [\n    1,\n    2\n  ]\n]');
    expect(pyJson([1, 1e21, 2])).toBe('[1, 1000000000000000000000, 2]');
    expect(pyJson([1, 2.5])).toBe('[1, 2.5]');
  });

  it('indents continuation lines by `level` as if nested that deep', () => {
    const value = { a: [1, 2], b: { c: 'x\ny' }, d: [] };
    const flat = pyJson(value, { indent: 2 });
    expect(pyJson(value, { indent: 2, level: 2 })).toBe(flat.replaceAll('\n', '\n    '));
  });
});
