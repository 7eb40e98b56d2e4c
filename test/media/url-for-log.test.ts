import { describe, expect, it } from 'vitest';
import { urlForLog } from '../../src/media/url-for-log.js';

describe('urlForLog', () => {
  it('drops user:password@ and the query, keeps the rest', () => {
    expect(urlForLog('http://alice:s3cr%40t@ls.example:8080/data/a.wav?token=abc&x=1')).toBe('http://ls.example:8080/data/a.wav?…');
    expect(urlForLog('https://bucket.s3.amazonaws.com/k/b.wav?X-Amz-Signature=zz')).toBe('https://bucket.s3.amazonaws.com/k/b.wav?…');
  });
  it('leaves a URL without secrets, and an @ in the path, as it is', () => {
    expect(urlForLog('http://host/a@b.wav')).toBe('http://host/a@b.wav');
    expect(urlForLog('/data/upload/1/a.wav')).toBe('/data/upload/1/a.wav');
    expect(urlForLog('s3://bucket/a.wav')).toBe('s3://bucket/a.wav');
  });
});
