// A local folder as a blob store: keys are '/'-separated paths relative to the root.
// Listing walks the tree lazily with opendir (no full directory read into memory).

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, opendir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { safeRelativePath } from '../sinks/safe-path.js';
import type { BlobInfo, BlobStore, Upload } from './blob-store.js';

const PAGE = 1000;

export class LocalStore implements BlobStore {
  constructor(readonly root: string) {}

  get url(): string {
    return this.root;
  }

  async *list(prefix: string): AsyncIterable<BlobInfo[]> {
    let page: BlobInfo[] = [];
    const clean = prefix.replace(/^\/+|\/+$/g, '');
    const start = clean === '' ? this.root : join(this.root, clean);
    const stack: Array<{ dir: string; rel: string }> = [{ dir: start, rel: clean }];
    while (stack.length > 0) {
      const { dir, rel } = stack.pop() as { dir: string; rel: string };
      const handle = await opendir(dir, { bufferSize: 256 });
      for await (const ent of handle) {
        const key = rel === '' ? ent.name : `${rel}/${ent.name}`;
        if (ent.isDirectory()) {
          if (!ent.name.startsWith('.labelstream-')) stack.push({ dir: join(dir, ent.name), rel: key });
        } else if (ent.isFile()) {
          page.push({ key });
          if (page.length >= PAGE) {
            yield page;
            page = [];
          }
        }
      }
    }
    if (page.length > 0) yield page;
  }

  async get(key: string): Promise<Readable> {
    return createReadStream(join(this.root, safeRelativePath(key)), { highWaterMark: 1 << 20 });
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    const path = join(this.root, safeRelativePath(key));
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.labelstream-tmp-${process.pid}`;
    await writeFile(tmp, body);
    await rename(tmp, path);
  }

  upload(key: string): Upload {
    const path = join(this.root, safeRelativePath(key));
    const tmp = `${path}.labelstream-tmp-${process.pid}`;
    const ready = mkdir(dirname(path), { recursive: true });
    let stream: ReturnType<typeof createWriteStream> | undefined;
    const upload: Upload = {
      get stream() {
        stream ??= createWriteStream(tmp);
        return stream;
      },
      async commit() {
        await ready;
        await rename(tmp, path);
      },
      async abort() {
        stream?.destroy();
        await rm(tmp, { force: true });
      },
    };
    return upload;
  }
}
