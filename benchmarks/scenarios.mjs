// The benchmark scenarios. Each one is a `labelstream export` run over a generated dataset,
// measured against the component limit of its input framing. To add a format, a source or an
// option set, add an entry here: nothing else in the harness needs to change.
//
//   name    unique id (used in results and the README table)
//   title   what the row means, for humans
//   input   'json' (JSON array file) | 'ndjson' (the same tasks, one per line) | 'pg' | 'sqlite'
//           (the same tasks loaded into Label Studio's tables, benchmarks/db/)
//   limit   the component limit the throughput is compared with: 'json-scan' | 'ndjson-split' |
//           'pg-read' | 'sqlite-read'
//   output  file extension of the output, or null for `--to null` (encode, write nothing)
//   args    (d) => extra CLI args; d = { tasks, config } (task count, label config path)

export const scenarios = [
  { name: 'json-to-json', title: 'JSON array → JSON', input: 'json', limit: 'json-scan', output: 'json', args: () => ['--format', 'JSON'] },
  {
    name: 'json-to-json-min',
    title: 'JSON array → JSON_MIN',
    input: 'json',
    limit: 'json-scan',
    output: 'json',
    args: (d) => ['--format', 'JSON_MIN', '--label-config', d.config],
  },
  { name: 'ndjson-to-ndjson', title: 'NDJSON → NDJSON', input: 'ndjson', limit: 'ndjson-split', output: 'ndjson', args: () => ['--format', 'NDJSON'] },
  { name: 'json-to-null', title: 'JSON array → JSON, null sink', input: 'json', limit: 'json-scan', output: null, args: () => ['--format', 'JSON'] },
  // Filter sets: null sink, so the row shows the filter's cost over json-to-null.
  {
    name: 'filter-usual-annotated',
    title: '--annotations usual --only-with-annotations (null sink)',
    input: 'json',
    limit: 'json-scan',
    output: null,
    args: () => ['--format', 'JSON', '--annotations', 'usual', '--only-with-annotations'],
  },
  {
    name: 'filter-ids',
    title: '--ids: 3 ranges + single ids, ~30% of tasks (null sink)',
    input: 'json',
    limit: 'json-scan',
    output: null,
    args: (d) => {
      const n = d.tasks;
      const r = (a, b) => `${Math.max(1, Math.floor(a))}-${Math.max(1, Math.floor(b))}`;
      return ['--format', 'JSON', '--ids', `${r(1, n * 0.1)},${r(n * 0.4, n * 0.5)},${r(n * 0.9, n)},7,${Math.floor(n / 3)}`];
    },
  },
  {
    name: 'remove-user-details',
    title: '--remove-user-details (null sink)',
    input: 'json',
    limit: 'json-scan',
    output: null,
    args: () => ['--format', 'JSON', '--remove-user-details'],
  },
  {
    name: 'drafts-predictions-ids',
    title: '--drafts ids --predictions ids (null sink)',
    input: 'json',
    limit: 'json-scan',
    output: null,
    args: () => ['--format', 'JSON', '--drafts', 'ids', '--predictions', 'ids'],
  },
];

// Database sources: the project's tasks with annotations, predictions and drafts, exported as the
// generated file holds them (expanded completed_by, predictions and drafts).
const FULL = ['--completed-by', 'full', '--predictions', 'full', '--drafts', 'full'];
for (const [input, label, limit] of [
  ['pg', 'PostgreSQL', 'pg-read'],
  ['sqlite', 'SQLite', 'sqlite-read'],
]) {
  scenarios.push(
    { name: `${input}-to-json`, title: `${label} → JSON`, input, limit, output: 'json', args: () => ['--format', 'JSON', ...FULL] },
    { name: `${input}-to-json-min`, title: `${label} → JSON_MIN`, input, limit, output: 'json', args: () => ['--format', 'JSON_MIN', ...FULL] },
    { name: `${input}-to-null`, title: `${label} → JSON, null sink`, input, limit, output: null, args: () => ['--format', 'JSON', ...FULL] },
    { name: `${input}-to-json-min-null`, title: `${label} → JSON_MIN, null sink`, input, limit, output: null, args: () => ['--format', 'JSON_MIN', ...FULL] },
    // One worker thread reads and renders pages while the main thread encodes and writes.
    { name: `${input}-to-json-w1`, title: `${label} → JSON, --workers 1`, input, limit, output: 'json', args: () => ['--format', 'JSON', ...FULL, '--workers', '1'] },
    { name: `${input}-to-json-min-w1`, title: `${label} → JSON_MIN, --workers 1`, input, limit, output: 'json', args: () => ['--format', 'JSON_MIN', ...FULL, '--workers', '1'] },
  );
}

/** The component limits: plain scripts over the same files, no pipeline. */
export const limits = {
  'json-scan': { title: 'byte scanner + JSON.parse per element (JSON array)', script: 'limits/json-scan.mjs', input: 'json' },
  'ndjson-split': { title: 'NDJSON line split + JSON.parse per line', script: 'limits/ndjson-split.mjs', input: 'ndjson' },
  'pg-read': { title: 'pg-query-stream (batch 1000) over task + annotation + prediction + draft rows', script: 'limits/pg-read.mjs', input: 'pg' },
  'sqlite-read': { title: 'better-sqlite3 .iterate() + JSON.parse over the same rows', script: 'limits/sqlite-read.mjs', input: 'sqlite' },
};
