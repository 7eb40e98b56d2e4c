// Text as Python's stdlib `json.dumps` writes it (export-formats.md §4 "stdlib json"): separators
// `", "` / `": "` (or `","` + newline with an indent), slashes not escaped, floats in Python repr
// (`1e-05`, `1e+16`, `0.1`, `1.0`), `NaN` / `Infinity` bare, ensure_ascii by default (every
// character outside space..`~` as `\uXXXX`, lowercase hex, one escape per UTF-16 unit).
// Used by ASR_MANIFEST, BRUSH_TO_COCO and per-task storage blobs.
//
// JS numbers do not remember whether the input had `1` or `1.0`: an integral number is written as
// an int unless it is wrapped in PyFloat (for values Python always holds as floats, e.g. durations).

/** Marks a number that Python holds as a float, so `1` is written `1.0`. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Python `repr(float)`: shortest round-trip digits; exponent form below 1e-4 and from 1e16 up. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(n);
  if (abs >= 1e-4 && abs < 1e16) {
    // Both write plain decimals here (JS up to 1e21 and down to 1e-6) with the same shortest
    // round-trip digits; Python adds ".0" to an integral value.
    const s = String(n);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mant, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const sign = neg ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
}

/** Python `repr(int)` of an integral JS number (no exponent form, unlike String(1e21)). */
export function pyIntRepr(n: number): string {
  return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
}

/** A float as json.dumps writes it (`NaN`, `Infinity` bare). */
export function floatJson(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return pyFloatRepr(n);
}

function numberJson(n: number): string {
  return Number.isInteger(n) ? pyIntRepr(n) : floatJson(n);
}

const SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };
const ESCAPE_ASCII = /[\\"]|[^ -~]/g;
const ESCAPE_UTF8 = /[\\"\u0000-\u001f]/g;

function escapeChar(c: string): string {
  return SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export function pyJsonString(s: string, ensureAscii = true): string {
  return `"${s.replace(ensureAscii ? ESCAPE_ASCII : ESCAPE_UTF8, escapeChar)}"`;
}

export interface PyJsonOptions {
  /** Default true, as json.dumps. */
  ensureAscii?: boolean;
  /** Spaces per level; undefined = one line with `", "` / `": "`. */
  indent?: number;
  /**
   * With an indent: the level the value sits at in a larger document, so its continuation lines are
   * indented that much deeper (default 0).
   */
  level?: number;
}

/** Whether every element is an integral number below 2^53 (written as `String(n)`). */
function allSafeIntegers(v: unknown[]): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isSafeInteger(v[i])) return false;
  return true;
}

/** `json.dumps(value, ensure_ascii=…, indent=…)`. */
export function pyJson(value: unknown, opts: PyJsonOptions = {}): string {
  const ascii = opts.ensureAscii ?? true;
  const indent = opts.indent;
  const write = (v: unknown, level: number): string => {
    if (v === null || v === undefined) return 'null';
    if (v instanceof PyFloat) return floatJson(v.value);
    switch (typeof v) {
      case 'string':
        return pyJsonString(v, ascii);
      case 'number':
        return numberJson(v);
      case 'bigint':
        return v.toString();
      case 'boolean':
        return v ? 'true' : 'false';
      default:
        break;
    }
    const parts: string[] = [];
    let open: string;
    let close: string;
    if (Array.isArray(v)) {
      [open, close] = ['[', ']'];
      if (v.length > 0 && allSafeIntegers(v)) {
        // fast path for long integer lists (BRUSH_TO_COCO polygons)
        const inner = indent === undefined ? ', ' : `,\n${' '.repeat(indent * (level + 1))}`;
        return indent === undefined ? `[${v.join(inner)}]` : `[${inner.slice(1)}${v.join(inner)}\n${' '.repeat(indent * level)}]`;
      }
      for (const e of v) parts.push(write(e, level + 1));
    } else {
      [open, close] = ['{', '}'];
      for (const [k, e] of Object.entries(v as Record<string, unknown>)) {
        if (e === undefined) continue;
        parts.push(`${pyJsonString(k, ascii)}: ${write(e, level + 1)}`);
      }
    }
    if (parts.length === 0) return open + close;
    if (indent === undefined) return open + parts.join(', ') + close;
    const inner = `\n${' '.repeat(indent * (level + 1))}`;
    return `${open}${inner}${parts.join(`,${inner}`)}\n${' '.repeat(indent * level)}${close}`;
  };
  return write(value, opts.level ?? 0);
}
