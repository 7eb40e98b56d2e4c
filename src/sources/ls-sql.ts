// SQL that renders Label Studio's export serializer output (shared/spec/label-studio-export.md
// §2–§3) in the database itself: every annotation, prediction, draft and task row comes back as
// its JSON text, keys in model order, values already formatted (datetimes, booleans, uuids, user
// objects, the upload's base name). JavaScript only groups the rows by task, adds `created_ago`
// (Django's timesince) and the `$undefined$` rewrite (ls-render.ts).
//
// Why in SQL: measured on 100k generated tasks (benchmarks/README.md "Database sources"), reading
// columns and rendering them in JavaScript cost ~75–90 µs of CPU per task, a quarter of it garbage
// collection of per-column strings and row objects; reading one text per row costs ~29 µs
// (PostgreSQL, plus ~20 µs in the server, on its own core) and ~38 µs (SQLite, in-process).
//
// Each dialect supplies how one column becomes JSON text (never NULL: `||` with NULL is NULL).

/** Value kinds of ls-render.ts field lists. */
export type Kind = 'int' | 'dt' | 'bool' | 'json' | 'uuid' | 'raw';

/**
 * A part of a row's concatenation: SQL text, or a value that can be large (a JSON column: an
 * annotation's result can be tens of KB), which must not sit inside a long chain of `||`.
 */
export type Part = string | { large: string };

const sqlOf = (p: Part) => (typeof p === 'string' ? p : p.large);

export interface SqlDialect {
  /** Concatenation of text expressions (none of them NULL). */
  cat(parts: Part[]): string;
  /** `expr` (any kind) as JSON text. */
  value(kind: Kind, expr: string): string;
  /** A text expression as a JSON string literal (NULL → `null`). */
  str(expr: string): string;
  /** `expr` cast to text, as it prints (ids as decimal digits). */
  text(expr: string): string;
  /** A NULL that unions with text columns. */
  readonly nullText: string;
  /** value('dt') can hand back a datetime text between DT_MARKs, for JavaScript to format (SQLite). */
  readonly marksDatetimes: boolean;
  /** The part of a path after its last `/`. */
  baseName(expr: string): string;
}

/**
 * PostgreSQL: text casts of typed columns; timestamps in session time zone UTC through to_char,
 * microseconds only when non-zero; jsonb as PostgreSQL prints it (canonical key order, `": "`
 * spacing); other scalars through to_json (floats print shortest round-trip, `1e+20` style).
 */
export const POSTGRES_SQL: SqlDialect = {
  // `||` measured ~20% cheaper per row than concat() (variadic "any": an output-function call per
  // argument) and than array_to_string or a balanced tree of `||`. But each `||` copies everything
  // left of it, so a large result third in an annotation's chain of ~45 parts was copied ~40 times.
  // The small parts between large values are chained in parentheses and each large value joins
  // only the few top-level `||`: 2000 tasks with 37 KB results, server CPU of the export 0.72–0.77
  // → 0.63–0.67 s; no change measurable on the benchmark's 0.5 KB results.
  cat(parts) {
    const top: string[] = [];
    let run: string[] = [];
    const flush = () => {
      if (run.length > 0) top.push(run.length === 1 ? run[0] : `(${run.join(' || ')})`);
      run = [];
    };
    for (const p of parts) {
      if (typeof p === 'string') run.push(p);
      else {
        flush();
        top.push(p.large);
      }
    }
    flush();
    return top.join(' || ');
  },
  value(kind, e) {
    switch (kind) {
      case 'int':
      case 'bool':
        return `coalesce((${e})::text, 'null')`;
      case 'json':
        return `coalesce((${e})::text, 'null')`;
      case 'uuid':
        return `coalesce('"' || lower((${e})::text) || '"', 'null')`;
      case 'dt':
        // One to_char with microseconds, the fraction dropped when zero (half the cost of a
        // second to_char for the fraction and an extract to test it).
        return `coalesce(replace(to_char(${e}, '"\\""YYYY-MM-DD"T"HH24:MI:SS.US"Z\\""'), '.000000Z', 'Z'), 'null')`;
      default:
        return `coalesce(to_json(${e})::text, 'null')`;
    }
  },
  str: (e) => `coalesce(to_json((${e})::text)::text, 'null')`,
  text: (e) => `(${e})::text`,
  nullText: 'NULL::text',
  marksDatetimes: false,
  baseName: (e) => `substring(${e} from '[^/]*$')`,
};

/** The NUL-delimited marker SQLite emits for a datetime text it cannot format (resolved in JS). */
export const DT_MARK = '\u0000';

const D2 = '[0-9][0-9]';
const SQLITE_DT = `${D2}${D2}-${D2}-${D2} ${D2}:${D2}:${D2}`;

/**
 * SQLite (Django's storage): JSON text through json() (validated and compact), 0/1 booleans,
 * char(32) uuids dashed, naive-UTC datetime text `YYYY-MM-DD HH:MM:SS[.ffffff]` reformatted; any
 * other datetime shape comes back between NUL characters (a JSON text never holds a raw NUL) for
 * ls-render.ts to format with lsDateTime().
 */
export const SQLITE_SQL: SqlDialect = {
  // One allocation for the whole row (SQLite ≥ 3.44), not one per `||`: ~20% less CPU per row.
  cat: (parts) => `concat(${parts.map(sqlOf).join(', ')})`,
  value(kind, e) {
    switch (kind) {
      case 'int':
        return `coalesce(${e}, 'null')`;
      case 'bool':
        return `CASE WHEN ${e} IS NULL THEN 'null' WHEN ${e} THEN 'true' ELSE 'false' END`;
      case 'json':
        // Valid stored text is copied as it is (json_valid is half the cost of json()); anything
        // else goes through json(), which fails the run on malformed JSON.
        return `CASE WHEN ${e} IS NULL THEN 'null' WHEN json_valid(${e}) THEN ${e} ELSE json(${e}) END`;
      case 'uuid': {
        // Django's char(32) first; other spellings (dashes, upper case) normalised.
        const h = `lower(replace(${e}, '-', ''))`;
        const dashed = (x: string) => `'"' || substr(${x}, 1, 8) || '-' || substr(${x}, 9, 4) || '-' || substr(${x}, 13, 4) || '-' || substr(${x}, 17, 4) || '-' || substr(${x}, 21) || '"'`;
        return (
          `CASE WHEN ${e} IS NULL THEN 'null' WHEN length(${e}) = 32 AND ${e} NOT GLOB '*[^0-9a-f]*' THEN ${dashed(e)} ` +
          `WHEN length(${h}) = 32 AND ${h} NOT GLOB '*[^0-9a-f]*' THEN ${dashed(h)} ELSE json_quote(${e}) END`
        );
      }
      case 'dt':
        return (
          `CASE WHEN ${e} IS NULL THEN 'null' ` +
          `WHEN length(${e}) = 26 AND ${e} GLOB '${SQLITE_DT}.${D2}${D2}${D2}' THEN '"' || substr(${e}, 1, 10) || 'T' || substr(${e}, 12, 8) || ` +
          `CASE WHEN substr(${e}, 21) = '000000' THEN '' ELSE substr(${e}, 20) END || 'Z"' ` +
          `WHEN length(${e}) = 19 AND ${e} GLOB '${SQLITE_DT}' THEN '"' || substr(${e}, 1, 10) || 'T' || substr(${e}, 12, 8) || 'Z"' ` +
          `ELSE char(0) || ${e} || char(0) END`
        );
      default:
        return `json_quote(${e})`;
    }
  },
  str: (e) => `CASE WHEN ${e} IS NULL THEN 'null' ELSE json_quote(CAST(${e} AS TEXT)) END`,
  text: (e) => `CAST(${e} AS TEXT)`,
  nullText: 'NULL',
  marksDatetimes: true,
  baseName: (e) => `substr(${e}, length(rtrim(${e}, replace(${e}, '/', ''))) + 1)`,
};

/** A SQL string literal. */
export const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * `"key":value` pairs as concatenation parts: `prefix"k1":`, v1, `,"k2":`, v2, … (`prefix` opens
 * the object or continues one, `suffix` closes it).
 */
export function keyed(pairs: ReadonlyArray<readonly [string, Part]>, prefix: string, suffix = ''): Part[] {
  const parts: Part[] = [];
  pairs.forEach(([k, e], i) => parts.push(literal(`${i === 0 ? prefix : ','}${JSON.stringify(k)}:`), e));
  if (pairs.length === 0 && prefix === '{') parts.push(literal('{')); // an empty object still opens
  if (suffix) parts.push(literal(suffix));
  return parts;
}
