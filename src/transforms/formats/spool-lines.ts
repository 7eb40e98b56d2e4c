// Reads back a spooled NDJSON-like file line by line in constant memory, without large strings:
// the file is read as bytes and each line is decoded on its own. (readline over a utf8 stream
// decodes whole 64 KB chunks; with any non-ASCII character such a chunk is a two-byte string of
// ~128 KB, which V8 puts in large-object space, where it stays until the next full GC.)

import { createReadStream } from 'node:fs';

/** The lines of a UTF-8 file, without their "\n" (a last line without "\n" included). */
export async function* spoolLines(path: string): AsyncGenerator<string> {
  let head: Buffer[] = []; // bytes of a line that started in an earlier chunk
  for await (const data of createReadStream(path)) {
    const chunk = data as Buffer;
    let start = 0;
    let nl = chunk.indexOf(0x0a);
    while (nl >= 0) {
      if (head.length > 0) {
        head.push(chunk.subarray(0, nl));
        yield Buffer.concat(head).toString('utf8');
        head = [];
      } else {
        yield chunk.toString('utf8', start, nl);
      }
      start = nl + 1;
      nl = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) head.push(chunk.subarray(start));
  }
  if (head.length > 0) yield Buffer.concat(head).toString('utf8');
}
