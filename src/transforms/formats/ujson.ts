// ujson-compatible JSON text (export-formats.md §4): what the converter writes for JSON_MIN,
// CSV cells, COCO and YOLO notes.json. `/` is escaped as `\/`; with ensureAscii every non-ASCII
// UTF-16 unit becomes `\uXXXX` (lowercase hex, surrogate pairs as two escapes). Both replacements
// are safe on the whole text: `/` and non-ASCII characters can only occur inside JSON strings.

const NON_ASCII = /[\u0080-\uffff]/g;

function escapeUnit(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export function ujson(value: unknown, opts: { indent?: number; ensureAscii?: boolean } = {}): string {
  let text = JSON.stringify(value, null, opts.indent && opts.indent > 0 ? opts.indent : undefined);
  if (text === undefined) return 'null';
  if (text.includes('/')) text = text.replaceAll('/', '\\/');
  if (opts.ensureAscii) text = text.replace(NON_ASCII, escapeUnit);
  return text;
}
