import { pcmWav } from '../support/wav.js';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, summaryOf } from '../support/cli.js';

// A PCM WAV: 8 kHz, mono, 16-bit, `frames` frames (duration = frames / 8000, as Python's wave).
const wav = (frames: number) => pcmWav({ rate: 8000, frames });

let server: Server;
let base = '';
const hits = new Map<string, number>();
beforeAll(async () => {
  server = createServer((req, res) => {
    const p = req.url ?? '';
    hits.set(p, (hits.get(p) ?? 0) + 1);
    if (p.startsWith('/img/') && !p.includes('missing')) res.writeHead(200).end(`PNG bytes of ${p}`);
    else if (p === '/a.wav') res.writeHead(200).end(wav(4000));
    else if (p === '/b.wav') res.writeHead(200).end(wav(12000));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const md5_8 = (s: string) => createHash('md5').update(s).digest('hex').slice(0, 8);
const box = (label: string) => ({
  id: 'r1',
  type: 'rectanglelabels',
  from_name: 'label',
  to_name: 'image',
  original_width: 100,
  original_height: 50,
  value: { x: 10, y: 20, width: 30, height: 40, rotation: 0, rectanglelabels: [label] },
});
const task = (id: number, image: string) => ({
  id,
  data: { image },
  annotations: [{ id: id * 10, completed_by: 1, result: [box('Cat')], was_cancelled: false, created_at: '2024-01-01T00:00:00Z' }],
});
const imageConfig = '<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image"><Label value="Cat"/></RectangleLabels></View>';

describe('*_WITH_IMAGES fetch images', () => {
  it('COCO_WITH_IMAGES copies each image once, names it after the copy, keeps the raw value when a fetch fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ls-wi-'));
    writeFileSync(join(dir, 'cfg.xml'), imageConfig);
    const shared = `${base}/img/shared.png`;
    const missing = `${base}/img/missing.png`;
    const input = [task(1, shared), task(2, shared), task(3, missing)];
    const out = join(dir, 'out/');
    const r = await runCli(['export', '--from', '-', '--to', out, '--format', 'COCO_WITH_IMAGES', '--label-config', join(dir, 'cfg.xml')], { input: JSON.stringify(input) });
    expect(r.code, r.stderr).toBe(0);
    const copy = `images/${md5_8(shared)}__shared.png`;
    expect(readdirSync(join(out, 'images'))).toEqual([copy.slice(7)]);
    expect(readFileSync(join(out, copy), 'utf8')).toBe('PNG bytes of /img/shared.png');
    const coco = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(coco.images.map((i: { file_name: string }) => i.file_name)).toEqual([copy, copy, missing]);
    expect(hits.get('/img/shared.png')).toBe(1);
    expect(summaryOf(r).skippedByFormat).toMatchObject({ 'media not fetched': 1 });
  });

  it('YOLO_WITH_IMAGES reads /data/upload images from --upload-dir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ls-wi-'));
    writeFileSync(join(dir, 'cfg.xml'), imageConfig);
    mkdirSync(join(dir, 'upload', '7'), { recursive: true });
    writeFileSync(join(dir, 'upload', '7', 'dog.jpg'), 'jpeg bytes');
    const out = join(dir, 'out/');
    const r = await runCli(
      ['export', '--from', '-', '--to', out, '--format', 'YOLO_WITH_IMAGES', '--label-config', join(dir, 'cfg.xml'), '--upload-dir', join(dir, 'upload')],
      { input: JSON.stringify([task(1, '/data/upload/7/dog.jpg')]) },
    );
    expect(r.code, r.stderr).toBe(0);
    const name = `${md5_8('/data/upload/7/dog.jpg')}__dog`;
    expect(readFileSync(join(out, 'images', `${name}.jpg`), 'utf8')).toBe('jpeg bytes');
    expect(readFileSync(join(out, 'labels', `${name}.txt`), 'utf8')).toBe('0 0.25 0.4 0.3 0.4\n');
  });
});

describe('ASR_MANIFEST fetches audio', () => {
  it('writes audio/ files and WAV durations; an item whose audio cannot be fetched is skipped and counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ls-asr-'));
    writeFileSync(join(dir, 'cfg.xml'), '<View><Audio name="audio" value="$audio"/><TextArea name="transcription" toName="audio"/></View>');
    const ann = (id: number, text: string) => ({
      id,
      completed_by: { id: 1, email: 'a@b.c' },
      result: [{ id: 'x', type: 'textarea', from_name: 'transcription', to_name: 'audio', value: { text: [text] } }],
      was_cancelled: false,
      created_at: '2024-01-01T00:00:00Z',
    });
    const input = [
      { id: 1, data: { audio: `${base}/a.wav` }, annotations: [ann(1, 'hello')] },
      { id: 2, data: { audio: `${base}/b.wav` }, annotations: [ann(2, 'wörld')] },
      { id: 3, data: { audio: `${base}/gone.wav` }, annotations: [ann(3, 'lost')] },
    ];
    const out = join(dir, 'out/');
    const r = await runCli(['export', '--from', '-', '--to', out, '--format', 'ASR_MANIFEST', '--label-config', join(dir, 'cfg.xml')], { input: JSON.stringify(input) });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(out, 'audio')).sort()).toEqual(['a.wav', 'b.wav']);
    expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toBe(
      '{"audio_filepath": "audio/a.wav", "duration": 0.5, "text": "hello", "annotator": "a@b.c"}\n' +
        '{"audio_filepath": "audio/b.wav", "duration": 1.5, "text": "w\\u00f6rld", "annotator": "a@b.c"}\n',
    );
    expect(summaryOf(r).skippedByFormat).toMatchObject({ 'media not fetched': 1 });
  });
});
