// An in-memory Google Cloud Storage JSON-API server for tests (there is no usable GCS emulator
// on npm; see shared/notes/toolchain.md §7). It implements the subset the official
// @google-cloud/storage client uses: buckets, object metadata, media download (with Range and
// x-goog-hash), pageToken listing, delete, multipart upload and resumable upload (single-request
// `bytes 0-*/*` and chunked with 308 + Range). Hashes (crc32c, md5) are computed for real, because
// the client checks them. Paths are accepted with and without the `/storage/v1` prefix
// (apiEndpoint vs STORAGE_EMULATOR_HOST mode).

import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(buf: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface StoredObject {
  data: Buffer;
  contentType: string;
  generation: string;
  created: string;
}

interface Session {
  bucket: string;
  name: string;
  contentType: string;
  chunks: Buffer[];
  length: number;
  done?: Record<string, unknown>;
}

export interface GcsTestServer {
  /** http://127.0.0.1:PORT (pass as apiEndpoint / LABELSTREAM_GCS_ENDPOINT). */
  endpoint: string;
  buckets: Map<string, Map<string, StoredObject>>;
  /** Requests seen, by "METHOD kind" (for assertions). */
  requests: string[];
  stop(): Promise<void>;
}

function b64crc(buf: Buffer): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32c(buf));
  return b.toString('base64');
}

function objectJson(bucket: string, name: string, o: StoredObject, base: string): Record<string, unknown> {
  const md5 = createHash('md5').update(o.data).digest('base64');
  return {
    kind: 'storage#object',
    id: `${bucket}/${name}/${o.generation}`,
    name,
    bucket,
    generation: o.generation,
    metageneration: '1',
    contentType: o.contentType,
    size: String(o.data.length),
    md5Hash: md5,
    crc32c: b64crc(o.data),
    etag: md5,
    timeCreated: o.created,
    updated: o.created,
    mediaLink: `${base}/download/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?alt=media`,
  };
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function error(res: ServerResponse, code: number, message: string): void {
  send(res, code, { error: { code, message, errors: [{ message, reason: code === 404 ? 'notFound' : 'invalid' }] } });
}

/** The whole request body, or null when the client went away before the end. */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let ended = false;
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      ended = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('close', () => {
      if (!ended) resolve(null);
    });
    req.on('error', () => resolve(null));
  });
}

function parseMultipart(body: Buffer, contentType: string): { meta: Record<string, unknown>; media: Buffer; mediaType: string } {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error('no multipart boundary');
  const delim = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let pos = body.indexOf(delim);
  while (pos !== -1) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delim, start);
    if (next === -1) break;
    parts.push(body.subarray(start + 2, next - 2)); // skip CRLF after the delimiter and before the next
    pos = next;
  }
  const split = (p: Buffer) => {
    const sep = p.indexOf('\r\n\r\n');
    return { headers: p.subarray(0, sep).toString(), content: p.subarray(sep + 4) };
  };
  const meta = split(parts[0]);
  const media = split(parts[1]);
  const mediaType = /content-type:\s*([^\r\n]+)/i.exec(media.headers)?.[1] ?? 'application/octet-stream';
  return { meta: JSON.parse(meta.content.toString() || '{}') as Record<string, unknown>, media: media.content, mediaType };
}

export async function startGcsServer(): Promise<GcsTestServer> {
  const buckets = new Map<string, Map<string, StoredObject>>();
  const sessions = new Map<string, Session>();
  const requests: string[] = [];
  let generation = 1_700_000_000_000_000;
  let base = '';

  const store = (bucket: string, name: string, data: Buffer, contentType: string): Record<string, unknown> => {
    const o: StoredObject = { data, contentType, generation: String(generation++), created: new Date().toISOString() };
    buckets.get(bucket)?.set(name, o);
    return objectJson(bucket, name, o, base);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base);
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    let path = url.pathname;
    const isUpload = path.startsWith('/upload/storage/v1/');
    path = isUpload ? path.slice('/upload/storage/v1'.length) : path.replace(/^\/storage\/v1(?=\/)/, '');
    const m = /^\/b(?:\/([^/]+)(?:\/o(?:\/(.+))?)?)?$/.exec(path);
    if (!m) return error(res, 404, `no route ${method} ${url.pathname}`);
    const bucketName = m[1] ? decodeURIComponent(m[1]) : undefined;
    const objectName = m[2] !== undefined ? decodeURIComponent(m[2]) : undefined;
    const bucket = bucketName ? buckets.get(bucketName) : undefined;

    if (!bucketName) {
      if (method !== 'POST') return error(res, 405, 'method not allowed');
      const body = await readBody(req);
      const { name } = JSON.parse(body?.toString() || '{}') as { name: string };
      if (buckets.has(name)) return error(res, 409, 'bucket exists');
      buckets.set(name, new Map());
      requests.push('POST bucket');
      return send(res, 200, { kind: 'storage#bucket', id: name, name });
    }
    if (!bucket) {
      await readBody(req);
      return error(res, 404, `bucket ${bucketName} not found`);
    }

    if (isUpload) {
      const uploadType = q.get('uploadType');
      if (method === 'POST' && uploadType === 'multipart') {
        requests.push('POST multipart');
        const body = await readBody(req);
        if (!body) return;
        const { meta, media, mediaType } = parseMultipart(body, req.headers['content-type'] ?? '');
        const name = q.get('name') ?? (meta.name as string);
        return send(res, 200, store(bucketName, name, media, (meta.contentType as string) ?? mediaType));
      }
      if (method === 'POST' && uploadType === 'resumable') {
        requests.push('POST resumable');
        const body = await readBody(req);
        if (!body) return;
        const meta = JSON.parse(body.toString() || '{}') as Record<string, unknown>;
        const name = q.get('name') ?? (meta.name as string);
        const id = randomUUID();
        const contentType = (req.headers['x-upload-content-type'] as string) ?? (meta.contentType as string) ?? 'application/octet-stream';
        sessions.set(id, { bucket: bucketName, name, contentType, chunks: [], length: 0 });
        // Built from the Host header, so a client behind a proxy keeps going through the proxy.
        const location = `http://${req.headers.host ?? base.slice(7)}/upload/storage/v1/b/${bucketName}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
        return send(res, 200, undefined, { location });
      }
      if (method === 'PUT' && q.get('upload_id')) {
        requests.push('PUT resumable');
        const s = sessions.get(q.get('upload_id') as string);
        const body = await readBody(req);
        if (!s) return error(res, 404, 'no such upload');
        if (body === null) return; // client went away: this chunk is not persisted, nothing is finalized
        if (s.done) return send(res, 200, s.done);
        const range = /^bytes (\*|(\d+)-(\d+|\*))\/(\d+|\*)$/.exec(String(req.headers['content-range'] ?? `bytes 0-*/*`));
        if (!range) return error(res, 400, 'bad Content-Range');
        if (range[1] !== '*') {
          const start = Number(range[2]);
          if (start > s.length) return error(res, 400, 'gap in resumable upload');
          const fresh = body.subarray(s.length - start);
          s.chunks.push(fresh);
          s.length += fresh.length;
        }
        const total = range[4] === '*' ? (range[3] === '*' ? s.length : undefined) : Number(range[4]);
        if (total !== undefined && s.length === total) {
          s.done = store(s.bucket, s.name, Buffer.concat(s.chunks), s.contentType);
          s.chunks = [];
          return send(res, 200, s.done);
        }
        return send(res, 308, undefined, s.length > 0 ? { range: `bytes=0-${s.length - 1}` } : {});
      }
      return error(res, 400, 'unsupported upload');
    }

    if (objectName === undefined) {
      if (path.endsWith('/o')) {
        requests.push('GET list');
        const prefix = q.get('prefix') ?? '';
        const delimiter = q.get('delimiter') ?? '';
        const max = Math.min(Number(q.get('maxResults') ?? 1000) || 1000, 1000);
        const after = q.get('pageToken') ? Buffer.from(q.get('pageToken') as string, 'base64url').toString() : '';
        const names = [...bucket.keys()].filter((n) => n.startsWith(prefix) && n > after).sort();
        const items: Record<string, unknown>[] = [];
        const prefixes = new Set<string>();
        let last = '';
        for (const n of names) {
          if (items.length + prefixes.size >= max) break;
          last = n;
          const rest = n.slice(prefix.length);
          const cut = delimiter ? rest.indexOf(delimiter) : -1;
          if (cut >= 0) prefixes.add(prefix + rest.slice(0, cut + delimiter.length));
          else items.push(objectJson(bucketName, n, bucket.get(n) as StoredObject, base));
        }
        const more = last !== '' && names[names.length - 1] > last;
        return send(res, 200, {
          kind: 'storage#objects',
          items,
          ...(prefixes.size > 0 ? { prefixes: [...prefixes] } : {}),
          ...(more ? { nextPageToken: Buffer.from(last).toString('base64url') } : {}),
        });
      }
      requests.push('GET bucket');
      return send(res, 200, { kind: 'storage#bucket', id: bucketName, name: bucketName });
    }

    const obj = bucket.get(objectName);
    if (method === 'DELETE') {
      requests.push('DELETE object');
      if (!obj) return error(res, 404, 'not found');
      bucket.delete(objectName);
      res.writeHead(204);
      return void res.end();
    }
    if (method !== 'GET') return error(res, 405, 'method not allowed');
    if (!obj) return error(res, 404, `No such object: ${bucketName}/${objectName}`);
    if (q.get('alt') !== 'media') {
      requests.push('GET metadata');
      return send(res, 200, objectJson(bucketName, objectName, obj, base));
    }
    requests.push('GET media');
    const headers: Record<string, string> = {
      'content-type': obj.contentType,
      'x-goog-generation': obj.generation,
      'x-goog-stored-content-encoding': 'identity',
      'x-goog-hash': `crc32c=${b64crc(obj.data)},md5=${createHash('md5').update(obj.data).digest('base64')}`,
    };
    const r = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
    if (r) {
      const start = Number(r[1]);
      const end = r[2] === '' ? obj.data.length - 1 : Math.min(Number(r[2]), obj.data.length - 1);
      const part = obj.data.subarray(start, end + 1);
      res.writeHead(206, { ...headers, 'content-length': part.length, 'content-range': `bytes ${start}-${end}/${obj.data.length}` });
      return void res.end(part);
    }
    res.writeHead(200, { ...headers, 'content-length': obj.data.length });
    res.end(obj.data);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) error(res, 500, e.message);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint: base,
    buckets,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
