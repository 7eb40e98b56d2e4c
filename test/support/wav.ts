// A PCM WAV file for tests: `frames` frames of `bytesPerFrame` bytes (duration = frames / rate,
// as Python's wave module and src/media/wav.ts compute it).
export function pcmWav(opts: { rate: number; frames: number; bitsPerSample?: 8 | 16; fill?: number }): Buffer {
  const bits = opts.bitsPerSample ?? 16;
  const blockAlign = bits / 8;
  const data = Buffer.alloc(opts.frames * blockAlign, opts.fill ?? 1);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(opts.rate, 24);
  h.writeUInt32LE(opts.rate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(bits, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}
