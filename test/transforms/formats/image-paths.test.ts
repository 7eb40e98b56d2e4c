// Image naming of COCO / YOLO / VOC (shared/spec/export-formats.md §6, R6) with downloads off and
// with failed downloads; md5 prefixes checked against the reference outputs where they exist.

import { describe, expect, it } from 'vitest';
import { basename, cacheFileName, fileStem, resolveImage, stripExtension, urlPath } from '../../../src/transforms/formats/image-paths.js';

describe('§6 image names', () => {
  it('matches the reference cache names', () => {
    expect(cacheFileName('/image1')).toBe('images/718f1d05__image1');
    expect(cacheFileName('/image2')).toBe('images/eee3b1dc__image2');
    expect(cacheFileName('test_image1.jpg')).toBe('images/235b37ac__test_image1.jpg');
  });

  it('takes the basename of the URL path, without query, fragment or ;params', () => {
    expect(urlPath('https://h.example/a/b/c.jpg?x=1#frag')).toBe('/a/b/c.jpg');
    expect(urlPath('http://h/a/b.jpg;v=2')).toBe('/a/b.jpg');
    expect(urlPath('s3://bucket/key/x.png')).toBe('/key/x.png');
    expect(urlPath('relative/name.png')).toBe('relative/name.png');
    expect(urlPath('http://host')).toBe('');
    expect(cacheFileName('http://h/x/remote%20name.jpg?x=1')).toMatch(/^images\/[0-9a-f]{8}__remote%20name\.jpg$/);
  });

  it('keeps Label Studio upload, local-storage, storage-proxy and cloud URLs raw (no host to resolve them)', async () => {
    for (const url of ['/data/upload/18/image1.jpg', 'upload/3/x.png', '/data/local-files/?d=dir/1.jpg', '/storage-data/uploaded/?filepath=upload/1/a.png', 's3://b/k.jpg', 'gs://b/k.jpg', 'azure-blob://c/k.jpg']) {
      expect(await resolveImage(url, { download: false })).toEqual({ fileName: url });
    }
    expect((await resolveImage('/data/other/x.jpg', { download: false })).fileName).toMatch(/^images\/[0-9a-f]{8}__x\.jpg$/);
  });

  it('keeps the raw value when downloading (every download fails for now)', async () => {
    expect(await resolveImage('https://h/a.jpg', { download: true })).toEqual({ fileName: 'https://h/a.jpg' });
  });

  it('splits extensions like os.path.splitext and cuts stems to 251 code points', () => {
    expect(stripExtension('a.b.c')).toBe('a.b');
    expect(stripExtension('.bashrc')).toBe('.bashrc');
    expect(stripExtension('..x')).toBe('..x');
    expect(stripExtension('.a.b')).toBe('.a');
    expect(stripExtension('a.')).toBe('a');
    expect(basename('remote%20name.jpg?x=1')).toBe('remote%20name.jpg?x=1');
    expect(fileStem('http://h/x/remote%20name.jpg?x=1')).toBe('remote%20name');
    expect(Array.from(fileStem(`${'😀'.repeat(300)}.jpg`))).toHaveLength(251);
    expect(fileStem('a\\..\\b\0c.png')).toBe('a_.._b_c');
  });
});
