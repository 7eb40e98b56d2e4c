// A small in-memory ZIP writer for archives that are built whole (DOCLANG's .dclx): members
// deflated (method 8, zlib level 6 like Python's zipfile), in the order given, sizes and CRC in the
// local headers (no data descriptors), fixed timestamps (1980-01-01 00:00) so the same input gives
// the same bytes. No ZIP64: each member and the archive must stay below 4 GiB.

import { promisify } from 'node:util';
import { crc32, deflateRaw, deflateRawSync } from 'node:zlib';

const deflateAsync = promisify(deflateRaw);
/** Smaller members are deflated on the main thread: a threadpool round trip costs more than they do. */
const SYNC_MAX = 64 * 1024;

export interface ZipMember {
  name: string;
  data: Buffer;
}

/** A member with its deflated bytes and CRC, for members that recur in every archive (compressed once). */
export interface PackedMember extends ZipMember {
  packed: Buffer;
  crc: number;
}

export async function packMember(m: ZipMember): Promise<PackedMember> {
  if ('packed' in m) return m as PackedMember;
  const packed = m.data.length <= SYNC_MAX ? deflateRawSync(m.data) : await deflateAsync(m.data);
  return { ...m, packed, crc: crc32(m.data) };
}

const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
const DOS_TIME = 0;
const UTF8_FLAG = 0x0800;
const FILE_MODE = 0o100644;

/** The fields local and central headers share, in the same order: version needed … name length. */
function commonFields(b: Buffer, at: number, flags: number, crc: number, packed: number, size: number, nameLength: number): void {
  b.writeUInt16LE(20, at); // version needed: deflate
  b.writeUInt16LE(flags, at + 2);
  b.writeUInt16LE(8, at + 4); // method: deflate
  b.writeUInt16LE(DOS_TIME, at + 6);
  b.writeUInt16LE(DOS_DATE, at + 8);
  b.writeUInt32LE(crc, at + 10);
  b.writeUInt32LE(packed, at + 14);
  b.writeUInt32LE(size, at + 18);
  b.writeUInt16LE(nameLength, at + 22);
}

export async function zipBuffer(members: Array<ZipMember | PackedMember>): Promise<Buffer> {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const flags = /^[\x00-\x7f]*$/.test(m.name) ? 0 : UTF8_FLAG;
    const { packed, crc } = await packMember(m);
    if (m.data.length >= 0xffffffff || offset >= 0xffffffff) throw new Error(`zip member ${m.name} is too large (no ZIP64)`);
    const local = Buffer.alloc(30); // extra field length 0
    local.writeUInt32LE(0x04034b50, 0);
    commonFields(local, 4, flags, crc, packed.length, m.data.length, name.length);
    locals.push(local, name, packed);
    const dir = Buffer.alloc(46); // extra and comment lengths, disk number, internal attributes: 0
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
    commonFields(dir, 6, flags, crc, packed.length, m.data.length, name.length);
    dir.writeUInt32LE((FILE_MODE << 16) >>> 0, 38);
    dir.writeUInt32LE(offset, 42);
    central.push(dir, name);
    offset += 30 + name.length + packed.length;
  }
  const dirSize = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(dirSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...central, end]);
}
