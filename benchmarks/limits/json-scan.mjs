// Component limit for JSON array input: the byte scanner (dist/sources/json-scanner.js) cutting
// elements out of the file, plus JSON.parse of each element. No pipeline, no encoder, no output.
// Usage: node json-scan.mjs FILE  →  prints {"tasks": n} on stdout.
import { createReadStream } from 'node:fs';
import { JsonElementScanner } from '../../dist/sources/json-scanner.js';

const scanner = new JsonElementScanner('array');
const elements = [];
let tasks = 0;
let results = 0;
const parseAll = () => {
  for (const el of elements) {
    const task = JSON.parse(el.text);
    tasks++;
    results += task.annotations?.length ?? 0; // touch the value so the parse cannot be skipped
  }
  elements.length = 0;
};
for await (const chunk of createReadStream(process.argv[2], { highWaterMark: 1 << 20 })) {
  scanner.push(chunk, elements);
  parseAll();
}
scanner.end(elements);
parseAll();
process.stdout.write(`${JSON.stringify({ tasks, annotations: results })}\n`);
