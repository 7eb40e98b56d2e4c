import type { Readable } from 'node:stream';

/** The text of an entry body (string, Buffer or stream). */
export async function bodyText(body: Readable | Buffer | string): Promise<string> {
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks).toString('utf8');
}
