// Component limit for NDJSON input: the line splitter (dist/sources/json-scanner.js
// NdjsonLineSplitter) plus JSON.parse of each line. No pipeline, no encoder, no output.
// Usage: node ndjson-split.mjs FILE  →  prints {"tasks": n} on stdout.
import { createReadStream } from 'node:fs';
import { NdjsonLineSplitter } from '../../dist/sources/json-scanner.js';

const splitter = new NdjsonLineSplitter();
const lines = [];
let tasks = 0;
let results = 0;
const parseAll = () => {
  for (const el of lines) {
    const task = JSON.parse(el.text);
    tasks++;
    results += task.annotations?.length ?? 0;
  }
  lines.length = 0;
};
for await (const chunk of createReadStream(process.argv[2], { highWaterMark: 1 << 20 })) {
  splitter.push(chunk, lines);
  parseAll();
}
splitter.end(lines);
parseAll();
process.stdout.write(`${JSON.stringify({ tasks, annotations: results })}\n`);
