// ASR_MANIFEST against export-formats.md §5 "ASR_MANIFEST" and §4 (stdlib json lines), with the
// conformance README fixes F5 (no transcript → no line, never a reused one) and F8 (null annotator).

import { describe, expect, it } from 'vitest';
import { asrManifestEncoder, audioName, encodeAsrManifest } from '../../../src/transforms/formats/asr-manifest.js';
import type { ResultRegion, Task } from '../../../src/task.js';
import { annotation, runTextEncoder } from './text-formats-support.js';

const CONFIG = `<View>
  <Audio name="audio" value="$audio"/>
  <TextArea name="transcription" toName="audio"/>
  <TextArea name="notes" toName="audio"/>
  <Choices name="quality" toName="audio"><Choice value="good"/></Choices>
</View>`;

const said = (text: string, from = 'transcription'): ResultRegion => ({ id: 't', type: 'textarea', from_name: from, to_name: 'audio', value: { text: [text] } });

async function manifest(tasks: Task[]) {
  const run = await runTextEncoder(encodeAsrManifest, CONFIG, tasks);
  expect([...run.files.keys()]).toEqual(['manifest.json']);
  return { text: run.files.get('manifest.json')!, run };
}

describe('ASR_MANIFEST', () => {
  it('writes one Python-json line per annotation: ", " separators, ASCII escapes, slashes as is', async () => {
    const { text } = await manifest([
      {
        id: 1,
        data: { audio: 'https://cdn.example.com/clips/a%20b.wav?sig=1' },
        annotations: [annotation([said('hällo / "world"')], { completed_by: { id: 2, email: 'ann@example.com' } })],
      },
    ]);
    expect(text).toBe('{"audio_filepath": "audio/a%20b.wav", "duration": null, "text": "h\\u00e4llo / \\"world\\"", "annotator": "ann@example.com"}\n');
  });

  it('one line per non-cancelled annotation, newest first; annotator of an int id is its string', async () => {
    const { text } = await manifest([
      {
        id: 1,
        data: { audio: '/data/upload/3/clip%231.wav' },
        annotations: [
          annotation([said('old')], { created_at: '2024-01-01T00:00:00Z', completed_by: 5 }),
          annotation([said('new')], { created_at: '2024-06-01T00:00:00Z', completed_by: 6 }),
          annotation([said('cancelled')], { created_at: '2024-09-01T00:00:00Z', was_cancelled: true }),
        ],
      },
    ]);
    expect(text).toBe(
      '{"audio_filepath": "audio/clip#1.wav", "duration": null, "text": "new", "annotator": "6"}\n' +
        '{"audio_filepath": "audio/clip#1.wav", "duration": null, "text": "old", "annotator": "5"}\n',
    );
  });

  it('F5: an item without a transcript writes no line and a warning, and never reuses the previous text', async () => {
    const { text, run } = await manifest([
      { id: 1, data: { audio: 'https://x.org/first.wav' }, annotations: [] },
      { id: 2, data: { audio: 'https://x.org/second.wav' }, annotations: [annotation([said('first')])] },
      { id: 3, data: { audio: 'https://x.org/third.wav' }, annotations: [] },
      { id: 4, data: { audio: 'https://x.org/fourth.wav' }, annotations: [annotation([{ id: 'q', type: 'choices', from_name: 'quality', to_name: 'audio', value: { choices: ['good'] } }])] },
      { id: 5, data: { audio: 'https://x.org/fifth.wav' }, annotations: [annotation([])] },
    ]);
    expect(text).toBe('{"audio_filepath": "audio/second.wav", "duration": null, "text": "first", "annotator": "7"}\n');
    const skipped = Object.entries(run.stats.skipped).filter(([k]) => k.startsWith('ASR_MANIFEST'));
    expect(skipped.reduce((n, [, v]) => n + v, 0)).toBe(4);
    expect(run.warnings.filter((w) => w.includes('no transcript'))).toHaveLength(4);
  });

  it('counts every skipped item but logs only the first 20 as warnings', async () => {
    const tasks = Array.from({ length: 25 }, (_, i) => ({ id: i + 1, data: { audio: `https://x.org/${i}.wav` }, annotations: [annotation([])] }));
    const { run } = await manifest(tasks);
    expect(run.stats.skipped['ASR_MANIFEST: no transcript (no TextArea text in the annotation)']).toBe(25);
    expect(run.warnings.filter((w) => w.includes('no transcript'))).toHaveLength(20);
  });

  it('takes the first text of the first output whose first region has a text', async () => {
    const { text } = await manifest([
      {
        id: 1,
        data: { audio: 'a.wav' },
        annotations: [
          annotation([
            { id: 'q', type: 'choices', from_name: 'quality', to_name: 'audio', value: { choices: ['good'] } },
            { id: 'n', type: 'textarea', from_name: 'notes', to_name: 'audio', value: { text: ['note one', 'note two'] } },
            said('spoken'),
          ]),
        ],
      },
    ]);
    expect(JSON.parse(text.trim()).text).toBe('note one');
  });

  it('F8: a null completed_by gives annotator ""', async () => {
    const { text } = await manifest([{ id: 1, data: { audio: 'a.wav' }, annotations: [annotation([said('x')], { completed_by: null })] }]);
    expect(text).toBe('{"audio_filepath": "audio/a.wav", "duration": null, "text": "x", "annotator": ""}\n');
  });

  it('F7: an item whose data lacks the audio key is skipped and counted', async () => {
    const { text, run } = await manifest([
      { id: 1, data: { other: 'a.wav' }, annotations: [annotation([said('x')])] },
      { id: 2, data: { audio: 'b.wav' }, annotations: [annotation([said('y')])] },
    ]);
    expect(text).toBe('{"audio_filepath": "audio/b.wav", "duration": null, "text": "y", "annotator": "7"}\n');
    expect(Object.keys(run.stats.skipped).some((k) => k.startsWith('ASR_MANIFEST'))).toBe(true);
  });

  it('writes an empty manifest when nothing has a transcript', async () => {
    const { text } = await manifest([{ id: 1, data: { audio: 'a.wav' }, annotations: [] }]);
    expect(text).toBe('');
  });

  it('names audio files as the converter does', () => {
    expect(audioName('/data/upload/12/my%20clip.wav')).toBe('my clip.wav');
    expect(audioName('https://h.org/p/q/r%20s.wav?token=1')).toBe('r%20s.wav');
    expect(audioName('/data/local-files/?d=audio/dir/x.wav')).toBe('x.wav');
    expect(audioName('s3://bucket/dir/y.wav')).toBe('y.wav');
  });

  it('with an audio resolver: audio files as entries, float durations, the manifest last', async () => {
    const encoder = asrManifestEncoder(async (url) => (url.endsWith('bad.wav') ? null : { name: audioName(url), body: Buffer.from(`RIFF ${url}`), duration: url.endsWith('b.wav') ? 2 : 0.25 }));
    const run = await runTextEncoder(encoder, CONFIG, [
      { id: 1, data: { audio: 'https://h.org/a.wav' }, annotations: [annotation([said('one')]), annotation([said('two')])] },
      { id: 2, data: { audio: 'https://h.org/b.wav' }, annotations: [annotation([said('three')])] },
      { id: 3, data: { audio: 'https://h.org/bad.wav' }, annotations: [annotation([said('four')])] },
    ]);
    expect([...run.files.keys()]).toEqual(['audio/a.wav', 'audio/b.wav', 'manifest.json']);
    expect(run.files.get('audio/a.wav')).toBe('RIFF https://h.org/a.wav');
    expect(run.files.get('manifest.json')).toBe(
      '{"audio_filepath": "audio/a.wav", "duration": 0.25, "text": "one", "annotator": "7"}\n' +
        '{"audio_filepath": "audio/a.wav", "duration": 0.25, "text": "two", "annotator": "7"}\n' +
        '{"audio_filepath": "audio/b.wav", "duration": 2.0, "text": "three", "annotator": "7"}\n',
    );
    expect(run.leftInTmp).toEqual([]);
  });
});
