// JSON text carried verbatim from a database column into the output, for runs whose tasks are
// written untouched (ctx.passthrough: JSON/NDJSON with no transform). Skips a JSON.parse per
// column and a JSON.stringify per task on the hot path of database exports; PostgreSQL's jsonb
// text (canonical key order, `1.0` kept) and SQLite's json() text are written as stored.

/** A column's JSON text, kept as text. JSON.stringify still sees the parsed value (toJSON). */
export class RawJson {
  constructor(readonly text: string) {}
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/**
 * Column text → RawJson. Texts with a raw line break (pretty-printed `json` columns) are made
 * compact, so a task stays one line of the output (JSON/NDJSON framing).
 */
export function rawJson(text: string): RawJson {
  return new RawJson(text.indexOf('\n') < 0 ? text : JSON.stringify(JSON.parse(text)));
}

const quotedKeys = new Map<string, string>();

function quotedKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = `${JSON.stringify(k)}:`;
    if (quotedKeys.size < 10_000) quotedKeys.set(k, q);
  }
  return q;
}

/**
 * JSON.stringify for rendered rows: plain objects, arrays and scalars, with RawJson written as
 * its text. Keys holding undefined are left out, like JSON.stringify does.
 */
export function jsonText(v: unknown): string {
  if (v instanceof RawJson) return v.text;
  if (v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i > 0 ? ',' : '') + jsonText(v[i] ?? null);
    return `${s}]`;
  }
  let s = '{';
  let first = true;
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined) continue;
    s += (first ? '' : ',') + quotedKey(k) + jsonText(x);
    first = false;
  }
  return `${s}}`;
}
