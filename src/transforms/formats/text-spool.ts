// A temp file of JSON array elements for two-pass formats (COCO writes `categories` between
// `images` and `annotations`, and only knows them at the end): elements are appended as text,
// one write per batch, then streamed back. Memory holds one batch; disk holds the elements.

import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';

export class TextSpool {
  private handle: FileHandle | undefined;
  private pending: string[] = [];
  count = 0;

  constructor(readonly path: string) {}

  static in(dir: string, name: string): TextSpool {
    return new TextSpool(join(dir, `${name}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.part`));
  }

  /** Queues one element (already encoded); `flush()` writes the queue. */
  push(element: string): void {
    this.pending.push(this.count === 0 ? element : `,\n${element}`);
    this.count++;
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    this.handle ??= await open(this.path, 'w');
    const text = this.pending.join('');
    this.pending = [];
    await this.handle.write(text);
  }

  /** Flushes, closes and streams the elements back (joined by ",\n"). */
  async *read(): AsyncGenerator<Buffer> {
    await this.flush();
    await this.close();
    if (this.count === 0) return;
    for await (const chunk of createReadStream(this.path)) yield chunk as Buffer;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}
