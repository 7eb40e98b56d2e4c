// Where an image of a task ends up in COCO / YOLO / VOC output (export-formats.md §6, R6):
// the converter names images after its download cache, `images/<md5-8 of url>__<basename>`, when
// it does not download; it keeps the raw value when it cannot resolve or download the URL.
//
// The *_WITH_IMAGES formats fetch images through the run's MediaFetcher (src/media/): a fetched
// image gets the cache name and its bytes are emitted into `images/`; an image that cannot be
// fetched keeps its raw value, as the reference does when a download fails (the conformance
// conditions, where every download failed).

import { createHash } from 'node:crypto';
import type { FetchedBody, MediaFetcher } from '../../media/fetcher.js';
import type { Task } from '../../task.js';

export interface ResolvedImage {
  /** The image path as the output records it, relative to the output root (`images/…`) or raw. */
  fileName: string;
  /** The image's bytes when this task is the first of the run to use it (emit them as `fileName`). */
  fetched?: FetchedBody;
  width?: number;
  height?: number;
  /** Colour bands of the fetched image (VOC `depth`). */
  channels?: number;
}

export interface ResolveOptions {
  /** The `*_WITH_IMAGES` formats ask for the image itself. */
  download: boolean;
  /** Fetches images (set by the pipeline for the *_WITH_IMAGES formats). */
  media?: MediaFetcher;
}

/** Label Studio upload, local-storage, storage-proxy and cloud URLs need a Label Studio host to resolve. */
function needsLabelStudioHost(url: string): boolean {
  const u = url.startsWith('upload') || url.startsWith('/upload') ? `/data${url.startsWith('/') ? '' : '/'}${url}` : url;
  if (u.startsWith('/data/upload')) return true;
  if (u.startsWith('/data/') && u.includes('?d=')) return true;
  if (isCloudUri(u)) return true;
  const path = urlPath(u);
  return path.startsWith('/storage-data/uploaded') || path.startsWith('storage-data/uploaded');
}

export function isCloudUri(url: string): boolean {
  return url.startsWith('s3:') || url.startsWith('gs:') || url.startsWith('azure-blob:');
}

const PARAM_SCHEMES = new Set(['', 'http', 'https', 'ftp', 'sftp']);

/** The path part of a URL as Python's `urlparse(url).path` gives it (query, fragment and `;params` removed). */
export function urlPath(url: string): string {
  let rest = url;
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  let scheme = '';
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (m) {
    scheme = m[1].toLowerCase();
    rest = rest.slice(m[0].length);
  }
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash >= 0 ? rest.slice(slash) : '';
  }
  if (PARAM_SCHEMES.has(scheme)) {
    const lastSlash = rest.lastIndexOf('/');
    const semi = rest.indexOf(';', lastSlash + 1);
    if (semi >= 0) rest = rest.slice(0, semi);
  }
  return rest;
}

/** Python's `os.path.basename`: the part after the last `/`. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Python's `os.path.splitext(name)[0]`: cut the last extension; leading dots do not start one. */
export function stripExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return name;
  if (/^\.+$/.test(name.slice(0, dot))) return name; // ".bashrc", "..x"
  return name.slice(0, dot);
}

/** The converter's cache name for a URL it does not download: `images/<md5-8>__<basename of the URL path>`. */
export function cacheFileName(url: string): string {
  const md5 = createHash('md5').update(url, 'utf8').digest('hex').slice(0, 8);
  return `images/${md5}__${basename(urlPath(url))}`;
}

/**
 * Resolves an image URL of a task. Without downloads: the cache name, except for URLs that need a
 * Label Studio host (kept raw). With downloads: every fetch fails for now, so the raw value (R6).
 */
export async function resolveImage(url: string, opts: ResolveOptions): Promise<ResolvedImage> {
  if (opts.download && opts.media) {
    // Fetched: recorded under its copy inside the output (F11); the bytes are emitted once per
    // run (`fetched` only for the first task using the image). Not fetched: the raw value (R6).
    const r = await opts.media.take(url);
    if (!r.ok) return { fileName: url };
    return { fileName: cacheFileName(url), ...(r.fresh ? { fetched: { data: r.data, file: r.file } } : {}) };
  }
  if (needsLabelStudioHost(url)) return { fileName: url };
  if (opts.download) return { fileName: url }; // seam: fetch here; on success return the cache name + fetched
  return { fileName: cacheFileName(url) };
}

/**
 * A file-name stem derived from an image path, safe as one output path segment: the basename
 * without its extension, cut to `max` code points (YOLO: 251, leaving room for `.txt`), with
 * backslashes and NULs replaced so it can never become a path of its own.
 */
export function fileStem(imagePath: string, max = 251): string {
  const stem = Array.from(stripExtension(basename(imagePath))).slice(0, max).join('');
  return stem.replace(/[\\\0]/g, '_');
}

/** Starts fetching the images of a batch in parallel (bounded by the fetcher's concurrency). */
export function prefetchImages(batch: Task[], key: string | undefined, media: MediaFetcher | undefined): void {
  if (!media || key === undefined) return;
  const urls: string[] = [];
  for (const t of batch) {
    const v = t.data[key];
    if (typeof v === 'string') urls.push(v);
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') urls.push(x);
  }
  media.prefetch(urls);
}
