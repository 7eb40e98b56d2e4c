import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { dirPrefix, isBucketUrl, parseBucketUrl } from '../../src/storage/bucket-url.js';

describe('bucket URLs', () => {
  it('parses the four schemes into scheme, bucket and path', () => {
    expect(parseBucketUrl('s3://my-bucket/exports/2024/')).toEqual({ scheme: 's3', bucket: 'my-bucket', path: 'exports/2024/' });
    expect(parseBucketUrl('gs://b1')).toEqual({ scheme: 'gs', bucket: 'b1', path: '' });
    expect(parseBucketUrl('azure://container/a/b.json')).toEqual({ scheme: 'azure', bucket: 'container', path: 'a/b.json' });
    expect(parseBucketUrl('AZURE-BLOB://container/x')).toEqual({ scheme: 'azure', bucket: 'container', path: 'x' });
  });

  it('keeps a double slash of Label Studio prefixes ("out/" + "/" + key)', () => {
    expect(parseBucketUrl('s3://b/out//').path).toBe('out//');
  });

  it('only whole path segments match a prefix', () => {
    expect(dirPrefix('')).toBe('');
    expect(dirPrefix('a/b')).toBe('a/b/');
    expect(dirPrefix('a/b/')).toBe('a/b/');
  });

  it('recognises bucket URLs and nothing else', () => {
    for (const u of ['s3://b', 'gs://b/p', 'azure://c/p', 'azure-blob://c']) expect(isBucketUrl(u)).toBe(true);
    for (const u of ['./s3/file.json', 'postgres://x/y', 'http://host/b', 's3:/b', '-']) expect(isBucketUrl(u)).toBe(false);
  });

  it('refuses credentials in the URL', () => {
    expect(() => parseBucketUrl('s3://AKIA:secret@bucket/p')).toThrow(UsageError);
  });
});
