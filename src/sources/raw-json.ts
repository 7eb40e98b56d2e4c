// JSON text carried verbatim from a database column into the output, for runs whose tasks are
// written untouched (ctx.passthrough: JSON/NDJSON with no transform; ls-render.ts `raw`). Skips a
// JSON.parse per column and the JSON.stringify of the task on the hot path of database exports;
// PostgreSQL's jsonb text (canonical key order, `1.0` kept) and SQLite's json() text are written
// as stored.

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

/** `"key":`, cached (renderers use a fixed set of keys). */
export function quotedKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = `${JSON.stringify(k)}:`;
    if (quotedKeys.size < 10_000) quotedKeys.set(k, q);
  }
  return q;
}
