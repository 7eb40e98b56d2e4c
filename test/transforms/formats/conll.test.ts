// CONLL2003 against export-formats.md §5 "CONLL2003" (R9) and conformance README F7. Expected
// tokens and tags are worked out by hand from the tokenizer and tagging rules in the spec.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { conllEncoder, encodeConll } from '../../../src/transforms/formats/conll.js';
import { treebankSpanTokenize, treebankTokenize } from '../../../src/transforms/formats/treebank.js';
import type { ResultRegion, Task } from '../../../src/task.js';
import { runCli } from '../../support/cli.js';
import { annotation, runTextEncoder } from './text-formats-support.js';

const CONFIG = `<View>
  <Labels name="label" toName="text"><Label value="Person"/><Label value="Location"/></Labels>
  <Labels name="label2" toName="text"><Label value="Other"/></Labels>
  <Text name="text" value="$text"/>
</View>`;

function span(start: number, end: number, label: string, from = 'label'): ResultRegion {
  return { id: `s${start}`, type: 'labels', from_name: from, to_name: 'text', value: { start, end, text: '', labels: [label] } };
}

async function conll(tasks: Task[], encoder = encodeConll) {
  const run = await runTextEncoder(encoder, CONFIG, tasks);
  expect([...run.files.keys()]).toEqual(['result.conll']);
  return { text: run.files.get('result.conll')!, run };
}

const lines = (pairs: Array<[string, string]>) => pairs.map(([t, g]) => `${t} -X- _ ${g}\n`).join('') + '\n';

describe('Treebank tokenizer with the converter punctuation rules', () => {
  it('splits $, / and the final period; a period inside the text stays on its word', () => {
    expect(treebankTokenize('I paid $3.99 at Google/Facebook. Turtles. are slow.')).toEqual([
      'I', 'paid', '$', '3.99', 'at', 'Google', '/', 'Facebook.', 'Turtles.', 'are', 'slow', '.',
    ]);
  });

  it('splits contractions (n\'t, \'ll, cannot) and separates commas', () => {
    expect(treebankTokenize("I can't go, they'll see. I cannot.")).toEqual(['I', 'ca', "n't", 'go', ',', 'they', "'ll", 'see.', 'I', 'can', 'not', '.']);
  });

  it('treats newlines and tabs as separators', () => {
    expect(treebankTokenize('a\tb\nc')).toEqual(['a', 'b', 'c']);
  });

  it('maps quote tokens back to the original quote characters when aligning', () => {
    const toks = treebankSpanTokenize('He said "hi" ok');
    expect(toks.map((t) => t.text)).toEqual(['He', 'said', '"', 'hi', '"', 'ok']);
    expect(toks.map((t) => [t.start, t.end])).toEqual([[0, 2], [3, 7], [8, 9], [9, 11], [11, 12], [13, 15]]);
  });

  it('counts offsets in code points, as Python does', () => {
    const toks = treebankSpanTokenize('😀 ab');
    expect(toks.map((t) => [t.text, t.start, t.end])).toEqual([['😀', 0, 1], ['ab', 2, 4]]);
  });
});

describe('CONLL2003 encoder', () => {
  it('writes -DOCSTART- then one tagged sentence per annotation; partial overlap tags the whole token', async () => {
    const text = 'Jane lives in New York.';
    const { text: out } = await conll([{ id: 1, data: { text }, annotations: [annotation([span(1, 4, 'Person'), span(14, 22, 'Location')])] }]);
    expect(out).toBe(
      '-DOCSTART- -X- O\n' +
        lines([
          ['Jane', 'B-Person'],
          ['lives', 'O'],
          ['in', 'O'],
          ['New', 'B-Location'],
          ['York', 'I-Location'],
          ['.', 'O'],
        ]),
    );
  });

  it('of two spans inside one token only the first counts', async () => {
    const { text } = await conll([{ id: 1, data: { text: 'abcdef ghi' }, annotations: [annotation([span(3, 5, 'Location'), span(0, 2, 'Person')])] }]);
    expect(text).toBe('-DOCSTART- -X- O\n' + lines([['abcdef', 'B-Person'], ['ghi', 'O']]));
  });

  it('an unannotated task gives an all-O sentence; an empty result too', async () => {
    const { text } = await conll([
      { id: 1, data: { text: 'Hello world' }, annotations: [] },
      { id: 2, data: { text: 'Bye' }, annotations: [annotation([])] },
    ]);
    expect(text).toBe('-DOCSTART- -X- O\n' + lines([['Hello', 'O'], ['world', 'O']]) + lines([['Bye', 'O']]));
  });

  it('two annotations give the text twice, newest first; cancelled annotations are left out', async () => {
    const { text } = await conll([
      {
        id: 1,
        data: { text: 'Jane Doe' },
        annotations: [
          annotation([span(0, 4, 'Person')], { created_at: '2024-01-01T00:00:00Z' }),
          annotation([span(5, 8, 'Location')], { created_at: '2024-03-01T00:00:00Z' }),
          annotation([span(0, 8, 'Person')], { created_at: '2024-05-01T00:00:00Z', was_cancelled: true }),
        ],
      },
      { id: 2, data: { text: 'Gone' }, annotations: [annotation([span(0, 4, 'Person')], { was_cancelled: true })] },
    ]);
    expect(text).toBe('-DOCSTART- -X- O\n' + lines([['Jane', 'O'], ['Doe', 'B-Location']]) + lines([['Jane', 'B-Person'], ['Doe', 'O']]));
  });

  it('uses only the first Labels output of the annotation', async () => {
    const { text } = await conll([{ id: 1, data: { text: 'Jane Doe' }, annotations: [annotation([span(5, 8, 'Other', 'label2'), span(0, 4, 'Person')])] }]);
    expect(text).toBe('-DOCSTART- -X- O\n' + lines([['Jane', 'O'], ['Doe', 'B-Other']]));
  });

  it('all O when a span has no start/end; O for a span without labels', async () => {
    const noStart: ResultRegion = { id: 'x', type: 'labels', from_name: 'label', to_name: 'text', value: { labels: ['Person'] } };
    const noLabels: ResultRegion = { id: 'y', type: 'labels', from_name: 'label', to_name: 'text', value: { start: 0, end: 4, labels: [] } };
    const { text } = await conll([
      { id: 1, data: { text: 'Jane Doe' }, annotations: [annotation([span(0, 4, 'Person'), noStart])] },
      { id: 2, data: { text: 'Jane Doe' }, annotations: [annotation([noLabels])] },
    ]);
    expect(text).toBe('-DOCSTART- -X- O\n' + lines([['Jane', 'O'], ['Doe', 'O']]) + lines([['Jane', 'O'], ['Doe', 'O']]));
  });

  it('writes quotes and non-ASCII tokens as they are in the text', async () => {
    const { text } = await conll([{ id: 1, data: { text: 'Zoë said "hi"' }, annotations: [annotation([span(0, 3, 'Person')])] }]);
    expect(text).toBe('-DOCSTART- -X- O\n' + lines([['Zoë', 'B-Person'], ['said', 'O'], ['"', 'O'], ['hi', 'O'], ['"', 'O']]));
  });

  it('F7: skips and counts items whose text is missing or not a string, and goes on', async () => {
    const { text, run } = await conll([
      { id: 1, data: { other: 'x' }, annotations: [annotation([])] },
      { id: 2, data: { text: 42 }, annotations: [annotation([])] },
      { id: 3, data: { text: 'ok' }, annotations: [annotation([])] },
    ]);
    expect(text).toBe('-DOCSTART- -X- O\n' + lines([['ok', 'O']]));
    const skipped = Object.entries(run.stats.skipped).filter(([k]) => k.startsWith('CONLL2003'));
    expect(skipped.reduce((n, [, v]) => n + v, 0)).toBe(2);
    expect(run.warnings.filter((w) => w.includes('skipped'))).toHaveLength(2);
  });
});

describe('CONLL2003 for spacy convert', () => {
  afterEach(() => {
    delete process.env.LABELSTREAM_CONLL_SPACY;
  });

  it('writes the -DOCSTART- -X- O O separator line and a blank line, labels without whitespace', async () => {
    const { text } = await conll([{ id: 1, data: { text: 'Jane Doe' }, annotations: [annotation([span(0, 8, 'Full Name')])] }], conllEncoder({ spacy: true }));
    expect(text).toBe('-DOCSTART- -X- O O\n\n' + lines([['Jane', 'B-Full_Name'], ['Doe', 'I-Full_Name']]));
  });

  it('is switched on by LABELSTREAM_CONLL_SPACY=1 and off by default', async () => {
    const task: Task = { id: 1, data: { text: 'Hi' }, annotations: [] };
    expect((await conll([task], conllEncoder())).text.startsWith('-DOCSTART- -X- O\nHi')).toBe(true);
    process.env.LABELSTREAM_CONLL_SPACY = '1';
    expect((await conll([task], conllEncoder())).text.startsWith('-DOCSTART- -X- O O\n\nHi')).toBe(true);
  });
});

describe('CONLL2003 through the CLI', () => {
  it('--conll-spacy changes only the separator line; the default is the converter output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conll-cli-'));
    try {
      writeFileSync(join(dir, 'config.xml'), CONFIG);
      writeFileSync(join(dir, 'tasks.json'), JSON.stringify([{ id: 1, data: { text: 'Jane Doe' }, annotations: [annotation([span(0, 4, 'Person')])] }]));
      const base = ['export', '--from', join(dir, 'tasks.json'), '--label-config', join(dir, 'config.xml'), '--format', 'CONLL2003'];
      const plain = await runCli([...base, '--to', join(dir, 'plain.conll')]);
      expect(plain.code, plain.stderr).toBe(0);
      expect(readFileSync(join(dir, 'plain.conll'), 'utf8')).toBe('-DOCSTART- -X- O\n' + lines([['Jane', 'B-Person'], ['Doe', 'O']]));
      const spacy = await runCli([...base, '--conll-spacy', '--to', join(dir, 'spacy.conll')]);
      expect(spacy.code, spacy.stderr).toBe(0);
      expect(readFileSync(join(dir, 'spacy.conll'), 'utf8')).toBe('-DOCSTART- -X- O O\n\n' + lines([['Jane', 'B-Person'], ['Doe', 'O']]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
