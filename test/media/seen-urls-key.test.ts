import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';

// SeenUrls.key uses crypto.hash where Node has it (20.12+) and a Hash object before that; both give
// the URL's md5 as a latin1 string.
describe('SeenUrls.key', () => {
  afterEach(() => {
    vi.doUnmock('node:crypto');
    vi.resetModules();
  });
  const expected = (url: string) => createHash('md5').update(url).digest('latin1');

  it('is the md5 of the URL (latin1) with crypto.hash', async () => {
    const { SeenUrls } = await import('../../src/media/seen-urls.js');
    expect(SeenUrls.key('http://h/a.wav')).toBe(expected('http://h/a.wav'));
    expect(SeenUrls.key('http://h/ä.wav')).toHaveLength(16);
  });

  it('is the same on a Node without crypto.hash (before 20.12)', async () => {
    vi.resetModules();
    vi.doMock('node:crypto', async (orig) => {
      const real = (await orig()) as typeof import('node:crypto');
      const { hash: _dropped, ...rest } = real;
      return { ...rest, default: { ...real, hash: undefined } };
    });
    const { SeenUrls } = await import('../../src/media/seen-urls.js');
    expect(SeenUrls.key('http://h/a.wav')).toBe(expected('http://h/a.wav'));
    expect(SeenUrls.key('http://h/ä.wav')).toBe(expected('http://h/ä.wav'));
  });
});
