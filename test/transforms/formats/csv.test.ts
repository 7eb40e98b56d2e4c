// CSV / TSV encoder against the rules of export-formats.md §5 "CSV / TSV" and §4, with expected
// text written out by hand from the spec (Python csv QUOTE_NONNUMERIC, CRLF, sorted header).

import { describe, expect, it } from 'vitest';
import { codePointCompare, csvField, encodeCsv, encodeTsv } from '../../../src/transforms/formats/csv.js';
import type { Task } from '../../../src/task.js';
import { annotation, runFailingSource, runTextEncoder } from './text-formats-support.js';

const CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices>
  <Labels name="label" toName="text"><Label value="PER"/></Labels>
</View>`;

const choice = (c: string, from = 'sentiment') => ({ id: 'c', type: 'choices', from_name: from, to_name: 'text', value: { choices: [c] } });

async function csv(tasks: Task[], config = CONFIG, batchSize = 2) {
  const run = await runTextEncoder(encodeCsv, config, tasks, batchSize);
  expect([...run.files.keys()]).toEqual(['result.csv']);
  expect(run.leftInTmp, 'the spool is removed').toEqual([]);
  return { text: run.files.get('result.csv')!, run };
}

describe('CSV fields (Python csv, QUOTE_NONNUMERIC)', () => {
  it('quotes strings and doubles quotes, leaves numbers and booleans bare, writes None as ""', () => {
    expect(csvField('a "b", c')).toBe('"a ""b"", c"');
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField(7)).toBe('7');
    expect(csvField(0.5)).toBe('0.5');
    expect(csvField(1e-7)).toBe('1e-07');
    expect(csvField(true)).toBe('True');
    expect(csvField(false)).toBe('False');
    expect(csvField(null)).toBe('""');
    expect(csvField('')).toBe('""');
  });

  it('sorts column names by code point (underscore and uppercase before lowercase)', () => {
    expect(['b', '_row_id', 'agreement', 'Zeta', 'é'].sort(codePointCompare)).toEqual(['Zeta', '_row_id', 'agreement', 'b', 'é']);
  });
});

describe('CSV encoder', () => {
  it('writes a sorted, quoted header and one CRLF row per annotation, newest first', async () => {
    const tasks: Task[] = [
      {
        id: 1,
        data: { text: 'hello' },
        annotations: [
          annotation([choice('neg')], { id: 11, created_at: '2024-01-01T00:00:00Z', lead_time: 2 }),
          annotation([choice('pos')], { id: 12, created_at: '2024-02-01T00:00:00Z', lead_time: 0.5 }),
        ],
      },
    ];
    const { text } = await csv(tasks, CONFIG);
    expect(text).toBe(
      '"annotation_id","annotator","created_at","id","lead_time","sentiment","text","updated_at"\r\n' +
        '12,"7","2024-02-01T00:00:00Z",1,0.5,"pos","hello","2024-01-01T00:00:00Z"\r\n' +
        '11,"7","2024-01-01T00:00:00Z",1,2,"neg","hello","2024-01-01T00:00:00Z"\r\n',
    );
  });

  it('takes the union of columns; a missing column is an empty quoted cell', async () => {
    const tasks: Task[] = [
      { id: 1, data: { text: 'a' }, annotations: [annotation([], { id: 1 })] },
      { id: 2, data: { text: 'b', extra: 5 }, annotations: [annotation([choice('pos')], { id: 2 })] },
    ];
    const { text } = await csv(tasks);
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('"annotation_id","annotator","created_at","extra","id","lead_time","sentiment","text","updated_at"');
    expect(lines[1]).toBe('1,"7","2024-01-01T00:00:00Z","",1,1.5,"","a","2024-01-01T00:00:00Z"');
    expect(lines[2]).toBe('2,"7","2024-01-01T00:00:00Z",5,2,1.5,"pos","b","2024-01-01T00:00:00Z"');
    expect(lines[3]).toBe('');
    expect(lines).toHaveLength(4);
  });

  it('renames a data key that is an output from_name anywhere in the export to _data_<key>, in every row', async () => {
    const config = `<View><Text name="text" value="$text"/><Choices name="text" toName="text"><Choice value="pos"/></Choices></View>`;
    const tasks: Task[] = [
      { id: 1, data: { text: 'unannotated first' }, annotations: [] },
      { id: 2, data: { text: 'annotated' }, annotations: [annotation([choice('pos', 'text')], { id: 5, completed_by: { id: 3, email: 'a@b.c' } })] },
    ];
    const { text } = await csv(tasks, config, 1);
    expect(text).toBe(
      '"_data_text","annotation_id","annotator","created_at","id","lead_time","text","updated_at"\r\n' +
        '"unannotated first","","","",1,"","",""\r\n' +
        '"annotated",5,"a@b.c","2024-01-01T00:00:00Z",2,1.5,"pos","2024-01-01T00:00:00Z"\r\n',
    );
  });

  it('drops cancelled annotations; a task whose annotations are all cancelled has no row', async () => {
    const tasks: Task[] = [
      { id: 1, data: { text: 'x' }, annotations: [annotation([choice('pos')], { id: 1, was_cancelled: true }), annotation([choice('neg')], { id: 2 })] },
      { id: 2, data: { text: 'y' }, annotations: [annotation([choice('pos')], { id: 3, was_cancelled: true })] },
    ];
    const { text, run } = await csv(tasks);
    const rows = text.split('\r\n').slice(1, -1);
    expect(rows).toEqual(['2,"7","2024-01-01T00:00:00Z",1,1.5,"neg","x","2024-01-01T00:00:00Z"']);
    expect(run.stats.written).toBe(1);
  });

  it('an empty result still gives a row with the annotation fields', async () => {
    const { text } = await csv([{ id: 4, data: { text: 'z' }, annotations: [annotation([], { id: 9, lead_time: 3.25 })] }]);
    expect(text).toBe(
      '"annotation_id","annotator","created_at","id","lead_time","text","updated_at"\r\n' + '9,"7","2024-01-01T00:00:00Z",4,3.25,"z","2024-01-01T00:00:00Z"\r\n',
    );
  });

  it('writes non-ASCII text raw, JSON cells compact with \\/ escaped, multi-line text inside quotes', async () => {
    const tasks: Task[] = [
      {
        id: 1,
        data: { text: 'Zürich "quoted"\nnext line', meta: { url: 'http://x/y', name: 'café' }, flag: true },
        annotations: [
          annotation([{ id: 'l', type: 'labels', from_name: 'label', to_name: 'text', value: { start: 0, end: 6, text: 'Zürich', labels: ['PER'] } }], {
            id: 3,
          }),
        ],
      },
    ];
    const { text } = await csv(tasks);
    expect(text).toBe(
      '"annotation_id","annotator","created_at","flag","id","label","lead_time","meta","text","updated_at"\r\n' +
        '3,"7","2024-01-01T00:00:00Z",True,1,"[{""start"":0,""end"":6,""text"":""Zürich"",""labels"":[""PER""]}]",1.5,' +
        '"{""url"":""http:\\/\\/x\\/y"",""name"":""café""}","Zürich ""quoted""\nnext line","2024-01-01T00:00:00Z"\r\n',
    );
  });

  it('F8: a null completed_by is an empty annotator cell; a user dict gives its email', async () => {
    const tasks: Task[] = [
      { id: 1, data: { text: 'a' }, annotations: [annotation([], { id: 1, completed_by: null })] },
      { id: 2, data: { text: 'b' }, annotations: [annotation([], { id: 2, completed_by: { id: 4, email: 'u@x.org' } })] },
    ];
    const rows = (await csv(tasks)).text.split('\r\n');
    expect(rows[1].split(',').slice(0, 2)).toEqual(['1', '""']);
    expect(rows[2].split(',').slice(0, 2)).toEqual(['2', '"u@x.org"']);
  });

  it('R5: a data id wins over the task id', async () => {
    const rows = (await csv([{ id: 1, data: { text: 'a', id: 'external-9' }, annotations: [annotation([], { id: 1 })] }])).text.split('\r\n');
    expect(rows[0]).toContain('"id"');
    expect(rows[1]).toBe('1,"7","2024-01-01T00:00:00Z","external-9",1.5,"a","2024-01-01T00:00:00Z"');
  });

  it('adds agreement when a task has it and history only when it is non-empty', async () => {
    const tasks: Task[] = [
      { id: 1, data: { text: 'a' }, agreement: 87.5, annotations: [annotation([], { id: 1, history: [] })] },
      { id: 2, data: { text: 'b' }, annotations: [annotation([], { id: 2, history: [{ action: 'submitted' }] })] },
    ];
    const rows = (await csv(tasks)).text.split('\r\n');
    expect(rows[0]).toBe('"agreement","annotation_id","annotator","created_at","history","id","lead_time","text","updated_at"');
    expect(rows[1]).toBe('87.5,1,"7","2024-01-01T00:00:00Z","",1,1.5,"a","2024-01-01T00:00:00Z"');
    expect(rows[2]).toBe('"",2,"7","2024-01-01T00:00:00Z","[{""action"":""submitted""}]",2,1.5,"b","2024-01-01T00:00:00Z"');
  });

  it('writes only the header when there is nothing to export', async () => {
    const { text } = await csv([{ id: 1, data: { text: 'a' }, annotations: [annotation([], { id: 1, was_cancelled: true })] }]);
    expect(text).toBe('"annotation_id","annotator","created_at","lead_time","updated_at"\r\n');
  });

  it('keeps rows in item order across many batches (spooled, not held)', async () => {
    const tasks: Task[] = Array.from({ length: 250 }, (_, i) => ({ id: i + 1, data: { text: `t${i + 1}` }, annotations: [annotation([], { id: i + 1 })] }));
    const rows = (await csv(tasks, CONFIG, 7)).text.split('\r\n').slice(1, -1);
    expect(rows).toHaveLength(250);
    expect(rows.map((r) => Number(r.split(',')[3]))).toEqual(tasks.map((t) => t.id));
  });
});

describe('CSV spool cleanup', () => {
  it('removes the spool when the source fails half-way', async () => {
    const tasks: Task[] = Array.from({ length: 5 }, (_, i) => ({ id: i + 1, data: { text: 'x' }, annotations: [annotation([], { id: i + 1 })] }));
    const r = await runFailingSource(encodeCsv, CONFIG, tasks, 3);
    expect((r.error as Error).message).toBe('source failed');
    expect(r.leftInTmp).toEqual([]);
  });
});

describe('TSV encoder', () => {
  it('uses a tab separator and is still written as result.csv', async () => {
    const run = await runTextEncoder(encodeTsv, CONFIG, [{ id: 1, data: { text: 'a\tb' }, annotations: [annotation([choice('pos')], { id: 2 })] }]);
    expect([...run.files.keys()]).toEqual(['result.csv']);
    expect(run.files.get('result.csv')).toBe(
      '"annotation_id"\t"annotator"\t"created_at"\t"id"\t"lead_time"\t"sentiment"\t"text"\t"updated_at"\r\n' +
        '2\t"7"\t"2024-01-01T00:00:00Z"\t1\t1.5\t"pos"\t"a\tb"\t"2024-01-01T00:00:00Z"\r\n',
    );
  });
});
