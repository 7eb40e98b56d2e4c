// The word tokenizer CONLL2003 uses (export-formats.md §5 "CONLL2003"): NLTK's
// TreebankWordTokenizer.span_tokenize with the converter's replacement punctuation rules (which add
// `/` to the padded symbols). Python regex semantics are kept where they differ from JS: `$` also
// matches before a final newline, `\s`/`\d`/`\b` are Unicode-aware, str.split() splits on Python's
// whitespace set. Offsets are in code points, as Python indexes strings.

/** Python's str.isspace() set (also what `\s` matches in a str pattern). */
const WS = '[\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
/** Python `\w` for str: letters, digits/numerics, underscore. */
const W = '[\\p{L}\\p{N}_]';
const WORD_START = `(?<!${W})`;
const WORD_END = `(?!${W})`;
/** Python `$` without MULTILINE: end of text, or before a newline that ends it. */
const END = '(?=\\n?$)';

type Rule = [RegExp, string];
const re = (source: string, flags = 'gu') => new RegExp(source, flags);

const STARTING_QUOTES: Rule[] = [
  [re('^"'), '``'],
  [re('(``)'), ' $1 '],
  [re(`([ (\\[{<])("|'{2})`), '$1 `` '],
];

const PUNCTUATION: Rule[] = [
  [re('([:,])([^\\p{Nd}])'), ' $1 $2'],
  [re(`([:,])${END}`), ' $1 '],
  [re('\\.\\.\\.'), ' ... '],
  [re('[;@#$/%&]'), ' $& '],
  [re(`([^.])(\\.)([\\])}>"']*)${WS}*${END}`), '$1 $2$3 '], // the final period
  [re('[?!]'), ' $& '],
  [re("([^'])' "), "$1 ' "],
];

const PARENS_BRACKETS: Rule = [re('[\\][(){}<>]'), ' $& '];
const DOUBLE_DASHES: Rule = [re('--'), ' -- '];

const ENDING_QUOTES: Rule[] = [
  [re("''"), " '' "],
  [re('"'), " '' "],
  [re("([^' ])('[sS]|'[mM]|'[dD]|') "), '$1 $2 '],
  [re("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), '$1 $2 '],
];

const CONTRACTIONS: RegExp[] = [
  ...['(can)(not)', "(d)('ye)", '(gim)(me)', '(gon)(na)', '(got)(ta)', '(lem)(me)', "(more)('n)"].map((p) =>
    re(`${WORD_START}${p}${WORD_END}`, 'giu'),
  ),
  re(`${WORD_START}(wan)(na)(?=${WS})`, 'giu'),
  re(` ('t)(is)${WORD_END}`, 'giu'),
  re(` ('t)(was)${WORD_END}`, 'giu'),
];

const SPLIT = re(`${WS}+`);

function apply(text: string, rules: Rule[]): string {
  for (const [r, sub] of rules) text = text.replace(r, sub);
  return text;
}

/** `TreebankWordTokenizer().tokenize(text)` with the converter's punctuation rules. */
export function treebankTokenize(text: string): string[] {
  text = apply(text, STARTING_QUOTES);
  text = apply(text, PUNCTUATION);
  text = apply(text, [PARENS_BRACKETS, DOUBLE_DASHES]);
  text = ` ${text} `;
  text = apply(text, ENDING_QUOTES);
  for (const r of CONTRACTIONS) text = text.replace(r, ' $1 $2 ');
  return text.split(SPLIT).filter((t) => t !== '');
}

export class TokenAlignmentError extends Error {
  override name = 'TokenAlignmentError';
}

/** Code-point index of every UTF-16 index (only built when the text has astral characters). */
function codePointIndex(text: string): (i: number) => number {
  if (!/[\ud800-\udfff]/.test(text)) return (i) => i;
  const map = new Int32Array(text.length + 1);
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    map[i] = cp;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) map[++i] = cp;
    }
    cp++;
  }
  map[text.length] = cp;
  return (i) => map[i];
}

/** A token and its start offset in code points (Python string indexes). */
export interface Token {
  text: string;
  start: number;
  /** Exclusive end, in code points. */
  end: number;
}

/** `span_tokenize`: tokens aligned left to right on the text; quote tokens mapped back first. */
export function treebankSpanTokenize(text: string): Token[] {
  let tokens = treebankTokenize(text);
  if (text.includes('"') || text.includes("''")) {
    const matched = [...text.matchAll(/``|'{2}|"/g)].map((m) => m[0]);
    tokens = tokens.map((t) => {
      if (t !== '"' && t !== '``' && t !== "''") return t;
      const q = matched.shift();
      if (q === undefined) throw new TokenAlignmentError('more quote tokens than quotes in the text');
      return q;
    });
  }
  const cpAt = codePointIndex(text);
  const out: Token[] = [];
  let point = 0;
  for (const t of tokens) {
    const start = text.indexOf(t, point);
    if (start < 0) throw new TokenAlignmentError(`token "${t}" not found in the text`);
    point = start + t.length;
    out.push({ text: t, start: cpAt(start), end: cpAt(point) });
  }
  return out;
}
