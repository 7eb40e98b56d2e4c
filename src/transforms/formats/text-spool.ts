// A temp file of JSON array elements for two-pass formats (COCO writes `categories` between
// `images` and `annotations`, and only knows them at the end): elements are appended as text,
// one write per batch, then streamed back. Memory holds one batch; disk holds the elements.

import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';

/** Characters per write: even as a two-byte string a piece stays below the large-object threshold. */
const SPOOL_PIECE_CHARS = 32 * 1024;

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
    const pending = this.pending;
    this.pending = [];
    // Written in pieces of at most ~32K characters: a whole batch joined into one string (polygon
    // COCO: ~0.6 MB) lands in V8's large-object space and lives until a full GC, which raised
    // peak RSS with the run's length (coco@polygons 100k → 1M: 172 → 200 MB).
    let parts: string[] = [];
    let size = 0;
    for (const p of pending) {
      parts.push(p);
      size += p.length;
      if (size >= SPOOL_PIECE_CHARS) {
        await this.handle.write(parts.join(''));
        parts = [];
        size = 0;
      }
    }
    if (parts.length > 0) await this.handle.write(parts.join(''));
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
