import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SeenUrls } from '../../src/media/seen-urls.js';

/** A SeenUrls used by URL, as the fetcher does (one key per URL). */
function byUrl(seen: SeenUrls) {
  return {
    get: (url: string) => seen.get(SeenUrls.key(url)),
    set: (url: string, v: { ok: boolean; note: number | null }) => seen.set(SeenUrls.key(url), v),
    forget: (url: string) => seen.forget(SeenUrls.key(url)),
  };
}
import { wavDuration } from '../../src/media/wav.js';
import { pcmWav } from '../support/wav.js';

describe('SeenUrls', () => {
  it('remembers fetched and failed URLs with their note across spills to disk', () => {
    const seen = byUrl(new SeenUrls(mkdtempSync(join(tmpdir(), 'ls-seen-')), 4));
    const urls = Array.from({ length: 23 }, (_, i) => `http://h/${i}.wav`);
    urls.forEach((u, i) => seen.set(u, i % 5 === 0 ? { ok: false, note: null } : { ok: true, note: i % 3 === 0 ? null : i / 10 }));
    urls.forEach((u, i) => expect(seen.get(u), u).toEqual(i % 5 === 0 ? { ok: false, note: null } : { ok: true, note: i % 3 === 0 ? null : i / 10 }));
    for (let i = 0; i < 200; i++) expect(seen.get(`http://h/new-${i}.wav`)).toBeUndefined();
  });

  it('forgets a URL, also one already spilled', () => {
    const seen = byUrl(new SeenUrls(mkdtempSync(join(tmpdir(), 'ls-seen-')), 2));
    for (let i = 0; i < 6; i++) seen.set(`u${i}`, { ok: true, note: i });
    seen.forget('u0');
    seen.forget('u5');
    for (let i = 6; i < 10; i++) seen.set(`u${i}`, { ok: true, note: i }); // spills the tombstones too
    expect(seen.get('u0')).toBeUndefined();
    expect(seen.get('u5')).toBeUndefined();
    expect(seen.get('u1')).toEqual({ ok: true, note: 1 });
    seen.set('u0', { ok: true, note: 42 });
    expect(seen.get('u0')).toEqual({ ok: true, note: 42 });
  });
});

describe('wavDuration', () => {
  it('gives the same duration for a Buffer and a file, null for non-PCM or truncated headers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ls-wav-'));
    const cases = [pcmWav({ rate: 16000, frames: 8000 }), pcmWav({ rate: 8000, frames: 12345, bitsPerSample: 8 }), Buffer.from('RIFF\0\0\0\0WAVEfmt '), Buffer.from('not a wav')];
    const adpcm = pcmWav({ rate: 16000, frames: 10 });
    adpcm.writeUInt16LE(2, 20);
    cases.push(adpcm);
    const truncated = pcmWav({ rate: 16000, frames: 1600 }).subarray(0, 44 + 800);
    cases.push(truncated);
    const expected = [0.5, 12345 / 8000, null, null, null, 400 / 16000]; // truncated: the data chunk is clamped to the file
    for (const [i, wav] of cases.entries()) {
      const file = join(dir, `${i}.wav`);
      writeFileSync(file, wav);
      expect(await wavDuration(wav), `buffer ${i}`).toBe(expected[i]);
      expect(await wavDuration(file), `file ${i}`).toBe(expected[i]);
    }
  });
});
