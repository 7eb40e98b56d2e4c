// The text of COCO's result.json as ujson (indent 2, ASCII-escaped, `\/`) writes it (R1). Python
// floats keep their float look (`384.0`, `1e-5`): values the converter computes as floats are
// wrapped in PyFloat; plain JS numbers print as JSON does (Python ints).

import { pyFloat } from './py-float.js';

export class PyFloat {
  constructor(readonly value: number) {}
}

/** ujson's float text: Python repr with an unpadded exponent (`1e-05` → `1e-5`). */
export function ujsonFloat(x: number): string {
  return pyFloat(x).replace(/e([+-])0*(\d)/, 'e$1$2');
}

function str(s: string): string {
  return JSON.stringify(s)
    .replaceAll('/', '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** ujson indent-2 text of `value`, nested `depth` levels deep (continuation lines indented). */
export function cocoJson(value: unknown, depth = 0): string {
  if (value instanceof PyFloat) return Number.isFinite(value.value) ? ujsonFloat(value.value) : cocoJson(value.value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return Number.isInteger(value) ? String(value) : ujsonFloat(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return str(value);
  const pad = '  '.repeat(depth + 1);
  const end = '  '.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => pad + cocoJson(v, depth + 1)).join(',\n')}\n${end}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${pad}${str(k)}: ${cocoJson(v, depth + 1)}`).join(',\n')}\n${end}}`;
}
