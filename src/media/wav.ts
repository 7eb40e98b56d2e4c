// Duration of a WAV file the way Python's `wave` module computes it (frames / frame rate), read
// from the RIFF header only. Like the converter, anything that is not PCM WAV has no duration.
// The audio is a file or, when small enough to be fetched into memory, a Buffer.

import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** Reads up to `len` bytes at `pos` into `buf` (short reads leave the rest of `buf` zero). */
type ReadAt = (buf: Buffer, len: number, pos: number) => void;

/** The RIFF chunk walk: `fmt ` gives the rate and block size, `data` the frame count. */
function durationOf(size: number, read: ReadAt): number | null {
  const head = Buffer.alloc(12);
  read(head, 12, 0);
  if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') return null;
  let pos = 12;
  let rate = 0;
  let blockAlign = 0;
  const hdr = Buffer.alloc(16);
  while (pos + 8 <= size) {
    hdr.fill(0);
    read(hdr, 8, pos);
    const id = hdr.toString('latin1', 0, 4);
    const len = hdr.readUInt32LE(4);
    if (id === 'fmt ') {
      hdr.fill(0);
      read(hdr, 16, pos + 8);
      if (hdr.readUInt16LE(0) !== 1) return null; // WAVE_FORMAT_PCM only, as Python 3.11's wave
      rate = hdr.readUInt32LE(4);
      blockAlign = hdr.readUInt16LE(12);
    } else if (id === 'data') {
      if (!rate || !blockAlign) return null;
      const dataLen = Math.min(len, size - pos - 8);
      return Math.floor(dataLen / blockAlign) / rate;
    }
    pos += 8 + len + (len & 1);
  }
  return null;
}

/** The duration of a WAV held in memory (synchronous: no read calls to wait for). */
export function wavBufferDuration(audio: Buffer): number | null {
  return durationOf(audio.length, (buf, len, pos) => {
    if (pos < audio.length) audio.copy(buf, 0, pos, Math.min(audio.length, pos + len));
  });
}

/** The duration of a WAV in memory or in a file (header reads only). */
export async function wavDuration(audio: string | Buffer): Promise<number | null> {
  if (Buffer.isBuffer(audio)) return wavBufferDuration(audio);
  const fh = await open(audio, 'r');
  try {
    const { size } = await fh.stat();
    // A few small reads of a local temp file: synchronous reads on its descriptor.
    return durationOf(size, (buf, len, pos) => {
      readSync(fh.fd, buf, 0, len, pos);
    });
  } finally {
    await fh.close();
  }
}
