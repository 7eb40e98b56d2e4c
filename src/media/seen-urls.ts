// What a run already fetched, per URL: fetched or failed, plus one number an encoder attached to
// the media (ASR_MANIFEST: the WAV duration), so a URL shared by tasks is fetched once per run.
//
// Memory stays constant: the latest `hotLimit` URLs are kept in a Map; when it is full it is written
// to a sorted segment file in `dir` (fixed 32-byte records) and emptied. A fixed-size Bloom filter
// of the spilled keys means a URL never seen costs no I/O; a possible hit is looked up by binary
// search in the segments, newest first, and moved back into the Map. Segment I/O is synchronous:
// it is rare (one write per `hotLimit` URLs, reads only for repeated URLs), small and page-cached,
// and keeps get/set free of races.

import crypto from 'node:crypto';
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Seen {
  ok: boolean;
  /** The number attached when the media was fetched, or null. */
  note: number | null;
}

const REC = 32; // 16-byte md5 key, status byte (0 failed, 1 fetched, 2 forgotten), 7 padding bytes, float64 note (NaN = null)
const FORGOTTEN: Seen = { ok: false, note: null };
const BLOOM_BITS = 1 << 25; // 4 MiB: ~1e-5 false positives at 1M spilled URLs, ~4% at 10M
const BLOOM_MASK = BLOOM_BITS - 1;

/** md5 as a latin1 string: crypto.hash (one call, no Hash object) where Node has it (20.12+), else a Hash. */
const md5 =
  typeof crypto.hash === 'function'
    ? (s: string) => crypto.hash('md5', s, 'binary') // 'binary' = latin1
    : (s: string) => crypto.createHash('md5').update(s).digest('binary');


export class SeenUrls {
  private hot = new Map<string, Seen>();
  private readonly segments: Array<{ path: string; count: number }> = [];
  private bloom: Uint32Array | undefined;

  constructor(
    private readonly dir: string,
    private readonly hotLimit = 50_000,
  ) {}

  /** The key of a URL for get/set/forget (its md5 as a 16-character latin1 string): hash once, use often. */
  static key(url: string): string {
    return md5(url);
  }

  get(k: string): Seen | undefined {
    const hit = this.hot.get(k);
    if (hit || !this.bloom) return hit === FORGOTTEN ? undefined : hit;
    const key = Buffer.from(k, 'latin1');
    if (!this.inBloom(key)) return undefined;
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const found = this.lookup(this.segments[i], key);
      if (found === FORGOTTEN) return undefined;
      if (found) {
        this.put(k, found); // a URL used again is likely used again soon
        return found;
      }
    }
    return undefined;
  }

  set(k: string, seen: Seen): void {
    this.put(k, seen);
  }

  /** The URL counts as never seen again (its bytes were fetched but never handed out). */
  forget(k: string): void {
    this.put(k, FORGOTTEN);
  }

  private put(k: string, seen: Seen): void {
    this.hot.set(k, seen);
    if (this.hot.size >= this.hotLimit) this.spill();
  }

  private spill(): void {
    const keys = [...this.hot.keys()].sort();
    const buf = Buffer.alloc(keys.length * REC);
    this.bloom ??= new Uint32Array(BLOOM_BITS / 32);
    keys.forEach((k, i) => {
      const at = i * REC;
      buf.write(k, at, 16, 'latin1');
      const seen = this.hot.get(k) as Seen;
      buf[at + 16] = seen === FORGOTTEN ? 2 : seen.ok ? 1 : 0;
      buf.writeDoubleLE(seen.note ?? Number.NaN, at + 24);
      this.addBloom(buf.subarray(at, at + 16));
    });
    const path = join(this.dir, `seen-${this.segments.length}.bin`);
    writeFileSync(path, buf);
    this.segments.push({ path, count: keys.length });
    this.hot = new Map();
  }

  private lookup(seg: { path: string; count: number }, key: Buffer): Seen | undefined {
    const fd = openSync(seg.path, 'r');
    try {
      const rec = Buffer.alloc(REC);
      let lo = 0;
      let hi = seg.count - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        readSync(fd, rec, 0, REC, mid * REC);
        const c = Buffer.compare(rec.subarray(0, 16), key);
        if (c === 0) {
          if (rec[16] === 2) return FORGOTTEN;
          const note = rec.readDoubleLE(24);
          return { ok: rec[16] === 1, note: Number.isNaN(note) ? null : note };
        }
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
      }
      return undefined;
    } finally {
      closeSync(fd);
    }
  }

  /** md5 bytes are uniform: four 32-bit words of the key are the four Bloom positions. */
  private addBloom(key: Buffer): void {
    const bloom = this.bloom as Uint32Array;
    for (let i = 0; i < 16; i += 4) {
      const bit = key.readUInt32LE(i) & BLOOM_MASK;
      bloom[bit >>> 5] |= 1 << (bit & 31);
    }
  }

  private inBloom(key: Buffer): boolean {
    const bloom = this.bloom as Uint32Array;
    for (let i = 0; i < 16; i += 4) {
      const bit = key.readUInt32LE(i) & BLOOM_MASK;
      if ((bloom[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}
