// Reads the members of a zip written by the exporter (DOCLANG's .dclx archives), checking each
// member's CRC and that it is deflated.

import { crc32, inflateRawSync } from 'node:zlib';
import { expect } from 'vitest';

/** Reads a zip's members (deflated or stored), checking each CRC; names in archive order. */
export function readZip(buf: Buffer): Array<{ name: string; data: Buffer }> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(eocd + 10);
  let off = buf.readUInt32LE(eocd + 16);
  const out: Array<{ name: string; data: Buffer }> = [];
  for (let k = 0; k < count; k++) {
    const method = buf.readUInt16LE(off + 10);
    const crc = buf.readUInt32LE(off + 16);
    const csize = buf.readUInt32LE(off + 20);
    const nlen = buf.readUInt16LE(off + 28);
    const lho = buf.readUInt32LE(off + 42);
    const name = buf.toString('utf8', off + 46, off + 46 + nlen);
    off += 46 + nlen + buf.readUInt16LE(off + 30) + buf.readUInt16LE(off + 32);
    const start = lho + 30 + buf.readUInt16LE(lho + 26) + buf.readUInt16LE(lho + 28);
    const raw = buf.subarray(start, start + csize);
    const data = method === 8 ? inflateRawSync(raw) : raw;
    expect(crc32(data), `${name} CRC`).toBe(crc);
    expect(method, `${name} is deflated`).toBe(8);
    out.push({ name, data });
  }
  return out;
}
