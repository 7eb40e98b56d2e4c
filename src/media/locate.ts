// Where a task's media URL can be read from, the way Label Studio's tooling resolves it
// (Label Studio docs, "Access task data outside of Label Studio for ML backends"):
// http(s) URLs directly; s3:// gs:// azure-blob:// through the bucket stores; Label Studio-relative
// /data/upload/… from --upload-dir (MEDIA_ROOT/upload) or from --ls-url with the access token;
// /data/local-files/?d=… from --local-files-root (LOCAL_FILES_DOCUMENT_ROOT) or --ls-url.

import { resolve, sep } from 'node:path';

export interface MediaOptions {
  /** Label Studio base URL, e.g. https://ls.example.com (env LABEL_STUDIO_URL). */
  lsUrl?: string;
  /** Access token sent as `Authorization: Token …`, only to --ls-url. */
  lsToken?: string;
  /** Label Studio's MEDIA_ROOT/upload folder. */
  uploadDir?: string;
  /** Label Studio's LOCAL_FILES_DOCUMENT_ROOT. */
  localFilesRoot?: string;
  /** Read local files only: no http(s) or bucket requests (the reference's no-network conditions). */
  offline?: boolean;
}

export type MediaLocation =
  | { kind: 'http'; url: string; withToken: boolean }
  | { kind: 'file'; path: string }
  | { kind: 'bucket'; uri: string }
  | { kind: 'unavailable'; reason: string };

/** A path under `root` for a relative path from task data, or undefined when it would escape. */
function under(root: string, rel: string): string | undefined {
  const base = resolve(root);
  const full = resolve(base, `.${sep}${rel.replace(/^\/+/, '')}`);
  return full === base || full.startsWith(base + sep) ? full : undefined;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

export function locateMedia(raw: string, opts: MediaOptions): MediaLocation {
  const url = raw.trim();
  if (opts.offline && (/^https?:\/\//i.test(url) || /^(s3|gs|azure-blob):\/\//i.test(url))) return { kind: 'unavailable', reason: 'offline (--offline)' };
  if (/^https?:\/\//i.test(url)) return { kind: 'http', url, withToken: !!opts.lsUrl && !!opts.lsToken && sameOrigin(url, opts.lsUrl) };
  if (/^(s3|gs|azure-blob):\/\//i.test(url)) return { kind: 'bucket', uri: url };
  const ls = opts.lsUrl?.replace(/\/+$/, '');
  const viaLs = (path: string): MediaLocation =>
    ls ? { kind: 'http', url: `${ls}${path}`, withToken: !!opts.lsToken } : { kind: 'unavailable', reason: `${path} needs --upload-dir/--local-files-root or --ls-url` };
  // Label Studio uploads: /data/upload/<project>/<file> (also "upload/…").
  const up = /^\/?(?:data\/)?upload\/(.+)$/.exec(url);
  if (up) {
    const rel = decodeURIComponent(up[1].split('?')[0]);
    if (opts.uploadDir) {
      const path = under(opts.uploadDir, rel);
      return path ? { kind: 'file', path } : { kind: 'unavailable', reason: `${url} points outside --upload-dir` };
    }
    return opts.offline ? { kind: 'unavailable', reason: 'offline (--offline)' } : viaLs(`/data/upload/${up[1]}`);
  }
  // Local-files storage: /data/local-files/?d=<path relative to the document root>.
  if (url.startsWith('/data/') && url.includes('?d=')) {
    const d = new URLSearchParams(url.slice(url.indexOf('?') + 1)).get('d') ?? '';
    if (opts.localFilesRoot) {
      const path = under(opts.localFilesRoot, d);
      return path ? { kind: 'file', path } : { kind: 'unavailable', reason: `${url} points outside --local-files-root` };
    }
    return opts.offline ? { kind: 'unavailable', reason: 'offline (--offline)' } : viaLs(url);
  }
  return { kind: 'unavailable', reason: `cannot fetch "${url}": not an http(s), bucket, /data/upload or /data/local-files URL` };
}
