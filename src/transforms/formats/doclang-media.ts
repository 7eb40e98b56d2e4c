// DOCLANG page images and document assets (export-formats.md §5 "DOCLANG"), fetched only when
// downloads are on (labelstream: without --offline):
// - pages: `data[<Image value>]` (a URL or `{url}`), or the list under an Image `valueList` key,
//   as `pages/<n><ext>` with n the 1-based position in that list (a page that cannot be fetched is
//   left out, the others keep their numbers); `data:` URLs are decoded (base64 only);
//   ext .png/.jpg/.jpeg/.webp from the URL path (or the MIME type of a data: URL), default .png;
// - assets: `<src uri="…">` pointing at http(s) or `/data/…` files with an image/svg extension (or
//   none: .png) become `assets/<stem><ext>` (`-2`, `-3` on clashes; the name is taken even when the
//   download then fails, as in the converter), and the uri is rewritten to that path in place.

import { readFile, rm } from 'node:fs/promises';
import { XMLParser } from 'fast-xml-parser';
import type { EncoderContext } from '../../contracts.js';
import type { LabelConfig } from '../../label-config.js';
import type { MediaFetcher } from '../../media/fetcher.js';
import { escapeAttr, type SrcUri } from './doclang-xml.js';
import { basename, urlPath } from './image-paths.js';
import type { ZipMember } from './zip-buffer.js';

const IMAGE_EXTS = new Set(['.png', '.jpg', '.jpeg', '.webp']);
const ASSET_EXTS = new Set([...IMAGE_EXTS, '.svg']);
/** Python's mimetypes.guess_extension for the image types a page can have. */
const MIME_EXT: Record<string, string> = { 'image/png': '.png', 'image/jpeg': '.jpg', 'image/webp': '.webp' };

interface PageKeys {
  /** `value` of an Image tag (default `image`). */
  single: string;
  /** `valueList` of an Image tag. */
  list?: string;
}

type XmlNode = Record<string, unknown> & { ':@'?: Record<string, string> };

/** The converter's resolve_image_data_keys: the last Image tag's `value` / `valueList` (from the XML when there is one). */
export function pageKeys(config: LabelConfig | undefined): PageKeys {
  let single: string | undefined;
  let list: string | undefined;
  if (config?.xml) {
    const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, parseTagValue: false });
    const walk = (nodes: XmlNode[]): void => {
      for (const node of nodes) {
        const tag = Object.keys(node).find((k) => k !== ':@' && k !== '#text' && !k.startsWith('?'));
        if (!tag) continue;
        const attrs = node[':@'] ?? {};
        if (tag.replace(/^.*:/, '') === 'Image') {
          if (attrs.valueList) list = attrs.valueList.replace(/^\$+/, '');
          else if (attrs.value) single = attrs.value.replace(/^\$+/, '');
        }
        if (Array.isArray(node[tag])) walk(node[tag] as XmlNode[]);
      }
    };
    try {
      walk(parser.parse(config.xml) as XmlNode[]);
    } catch {
      // the config was parsed before; a failure here only loses the page key
    }
  } else if (config) {
    for (const tag of Object.values(config.schema)) {
      for (const input of tag.inputs) {
        if (input.type !== 'Image') continue;
        if (input.valueList) list = input.valueList;
        else if (input.value) single = input.value;
      }
    }
  }
  return { single: single ?? 'image', ...(list ? { list } : {}) };
}

function pageSource(raw: unknown): string | undefined {
  const v = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>).url : raw;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The page image URLs of a task, in page order. */
export function pageUrls(data: unknown, keys: PageKeys): string[] {
  const d = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  if (keys.list !== undefined) {
    const raw = d[keys.list];
    if (Array.isArray(raw)) return raw.map(pageSource).filter((u): u is string => u !== undefined);
  }
  const url = pageSource(d[keys.single]);
  return url === undefined ? [] : [url];
}

interface UrlParts {
  scheme: string;
  path: string;
  query: string;
}

/** Python's urlparse: scheme (lower case), path (image-paths.ts urlPath) and query. */
function urlParts(url: string): UrlParts {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  const noFragment = url.split('#', 1)[0];
  const q = noFragment.indexOf('?');
  return { scheme: m ? m[1].toLowerCase() : '', path: urlPath(url), query: q >= 0 ? noFragment.slice(q + 1) : '' };
}

/** posixpath.splitext's extension ('' when the last name has no dot after a non-dot character). */
function splitExt(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= slash) return '';
  for (let k = slash + 1; k < dot; k++) if (path[k] !== '.') return path.slice(dot);
  return '';
}

const normExt = (ext: string) => (ext.toLowerCase() === '.jpe' ? '.jpg' : ext.toLowerCase());

/** The extension of page `url` inside `pages/`. */
export function pageExtension(url: string): string {
  if (url.startsWith('data:')) {
    const mime = url.slice(5).split(';', 1)[0].trim().toLowerCase();
    return MIME_EXT[mime] ?? '.png';
  }
  const parts = urlParts(url);
  const ext = normExt(splitExt(parts.path));
  if (IMAGE_EXTS.has(ext)) return ext;
  // The converter then looks at the fetched file's name: for local-files URLs that is the `d` path.
  const d = url.startsWith('/data/') ? new URLSearchParams(parts.query).get('d') : null;
  const local = d === null ? '' : normExt(splitExt(d));
  return IMAGE_EXTS.has(local) ? local : '.png';
}

/** A base64 data: URL's bytes, or null (not base64, empty, or not decodable). */
function dataUrlBytes(url: string): Buffer | null {
  const comma = url.indexOf(',');
  const header = comma < 0 ? url : url.slice(0, comma);
  const payload = comma < 0 ? '' : url.slice(comma + 1);
  if (!header.toLowerCase().includes(';base64') || payload === '') return null;
  const clean = payload.replace(/[^A-Za-z0-9+/=]/g, '');
  const body = clean.replace(/=+$/, '');
  if (body.length % 4 === 1 || body.includes('=')) return null; // Python: incorrect padding / excess data
  return Buffer.from(body, 'base64');
}

/** The path of an asset uri that names the file: the URL path, or a `d` query value with an extension. */
function assetPath(uri: string): string {
  const parts = urlParts(uri);
  if (splitExt(parts.path)) return parts.path;
  for (const [k, v] of new URLSearchParams(parts.query)) if (k === 'd' && v !== '' && splitExt(v)) return v;
  return parts.path;
}

/** The asset's extension: a known image/svg one, '' for any other (not an asset), .png without one. */
function assetExtension(uri: string): string {
  const ext = normExt(splitExt(assetPath(uri)));
  if (ASSET_EXTS.has(ext)) return ext;
  return ext ? '' : '.png';
}

/** Whether `<src uri>` is fetched: http(s) or `/data/…`, with an asset extension (or none). */
function isAssetUri(uri: string): boolean {
  const { scheme } = urlParts(uri);
  if (scheme === 'data') return false;
  if (scheme ? scheme !== 'http' && scheme !== 'https' : !uri.startsWith('/data/')) return false;
  return assetExtension(uri) !== '';
}

/** pathlib's stem of the path's last name. */
function stemOf(path: string): string {
  const name = basename(path);
  const i = name.lastIndexOf('.');
  return i > 0 && i < name.length - 1 ? name.slice(0, i) : name;
}

/** `assets/<stem><ext>`, made unique within `used` with `-2`, `-3`, …; null when the uri is not an asset. */
export function assetArchivePath(uri: string, used: Set<string>): string | null {
  const ext = assetExtension(uri);
  if (!ext) return null;
  // A backslash would make doclang's packer refuse the archive (and stop the converter's export).
  const stem = (stemOf(assetPath(uri)) || 'image').replace(/\\/g, '_');
  let candidate = `assets/${stem}${ext}`;
  for (let n = 2; used.has(candidate); n++) candidate = `assets/${stem}-${n}${ext}`;
  used.add(candidate);
  return candidate;
}

/** The bytes of `url` through the run's fetcher (anew even when fetched before), or null. */
async function fetchBytes(media: MediaFetcher, url: string): Promise<Buffer | null> {
  const r = await media.take(url, { again: true });
  if (!r.ok) return null;
  if (r.data) return r.data;
  if (!r.file) return null;
  try {
    return await readFile(r.file);
  } finally {
    await rm(r.file, { force: true });
  }
}

/** The page members of a task: fetched (or decoded) in parallel, each at its 1-based position. */
export async function fetchPages(urls: string[], media: MediaFetcher, ctx: EncoderContext, taskId: unknown): Promise<ZipMember[]> {
  const pages = await Promise.all(
    urls.map(async (url, k): Promise<ZipMember | null> => {
      let data: Buffer | null;
      if (url.startsWith('data:')) {
        data = dataUrlBytes(url);
        if (!data) ctx.log.warn({ task: taskId, url: url.slice(0, 64) }, 'DOCLANG: page data URL is not base64; page left out');
      } else {
        data = await fetchBytes(media, url);
      }
      return data ? { name: `pages/${k + 1}${pageExtension(url)}`, data } : null;
    }),
  );
  return pages.filter((p): p is ZipMember => p !== null);
}

/**
 * Fetches a document's assets and points their `uri` at the archive copies. The document text is
 * changed only in those attribute values (the converter re-serialises the whole document with
 * lxml then; see README "Differences").
 */
export async function stageAssets(document: string, srcUris: SrcUri[], media: MediaFetcher): Promise<{ document: string; assets: ZipMember[] }> {
  const used = new Set<string>();
  const planned: Array<{ src: SrcUri; path: string }> = [];
  for (const src of srcUris) {
    if (!src.value || !isAssetUri(src.value)) continue;
    const path = assetArchivePath(src.value, used);
    if (path) planned.push({ src, path });
  }
  const fetched = await Promise.all(planned.map((p) => fetchBytes(media, p.src.value)));
  const assets: ZipMember[] = [];
  let out = document;
  for (let k = planned.length - 1; k >= 0; k--) {
    const data = fetched[k];
    if (!data) continue;
    const { src, path } = planned[k];
    out = out.slice(0, src.start) + escapeAttr(path, src.quote) + out.slice(src.end);
    assets.unshift({ name: path, data });
  }
  return { document: out, assets };
}
