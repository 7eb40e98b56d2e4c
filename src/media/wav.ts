// Duration of a WAV file the way Python's `wave` module computes it (frames / frame rate), read
// from the RIFF header only. Like the converter, anything that is not PCM WAV has no duration.

import { open } from 'node:fs/promises';

export async function wavDuration(path: string): Promise<number | null> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(12);
    await fh.read(head, 0, 12, 0);
    if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') return null;
    let pos = 12;
    let rate = 0;
    let blockAlign = 0;
    const hdr = Buffer.alloc(16);
    while (pos + 8 <= size) {
      await fh.read(hdr, 0, 8, pos);
      const id = hdr.toString('latin1', 0, 4);
      const len = hdr.readUInt32LE(4);
      if (id === 'fmt ') {
        await fh.read(hdr, 0, 16, pos + 8);
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
  } finally {
    await fh.close();
  }
}
