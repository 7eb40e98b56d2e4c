// jsonMinText writes the JSON_MIN record straight to text; the record object (jsonMinRecord, which
// the conformance fixtures check) is the reference for every key order it must reproduce.
import { describe, expect, it } from 'vitest';
import { parseLabelConfigXml } from '../../../src/label-config.js';
import { itemsOfTask } from '../../../src/transforms/formats/items.js';
import { jsonMinRecord, jsonMinText } from '../../../src/transforms/formats/json-min.js';
import { ujson } from '../../../src/transforms/formats/ujson.js';
import type { Task } from '../../../src/task.js';

const config = parseLabelConfigXml(`<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image"><Label value="Car"/></RectangleLabels>
  <Choices name="annotator" toName="image"><Choice value="a"/></Choices>
  <Choices name="7" toName="image"><Choice value="b"/></Choices>
  <TextArea name="image_text" toName="image"/>
  <Choices name="mood" toName="image"><Choice value="x"/><Choice value="y"/></Choices>
</View>`);

const rect = { from_name: 'label', to_name: 'image', type: 'rectanglelabels', original_width: 640, original_height: 480, value: { x: 1.5, y: 2.25, width: 0.1 + 0.2, height: 1e-7, rotation: 0, rectanglelabels: ['Car'] } };
const choice = (from: string) => ({ from_name: from, to_name: 'image', type: 'choices', value: { choices: ['a'] } });
const text = { from_name: 'image_text', to_name: 'image', type: 'textarea', value: { text: ['a/b "quoted"\nnext', 'é 🎉'] } };

function task(data: Record<string, unknown>, results: unknown[][], extra: Partial<Task> = {}): Task {
  return {
    id: 42,
    data,
    annotations: results.map((result, i) => ({
      id: 100 + i,
      completed_by: i === 0 ? { id: 1, email: 'a@b.c', first_name: '', last_name: '' } : 7,
      result,
      was_cancelled: false,
      ground_truth: false,
      created_at: `2024-01-0${i + 1}T00:00:00.000000Z`,
      updated_at: '2024-02-01T00:00:00.000000Z',
      lead_time: i === 0 ? 3.5 : null,
    })),
    ...extra,
  } as unknown as Task;
}

const cases: Array<[string, Task]> = [
  ['plain keys, nested values, escapes', task({ image: 'http://x/y.jpg', meta: { a: [1, { b: null }], e: {}, l: [] } }, [[rect, rect, text]])],
  ['data id keeps its position', task({ before: 1, id: 'data id', after: true }, [[rect]])],
  ['no annotations: the empty item', task({ image: '/a.png' }, [])],
  ['several annotations, numeric completed_by, agreement', task({ image: 'u' }, [[rect], [text]], { agreement: 87.5 } as Partial<Task>)],
  ['an output named like a tail key', task({ image: 'u' }, [[choice('annotator'), rect]])],
  ['an output named like a data key', task({ image_text: 'from data', image: 'u' }, [[text]])],
  ['a data key named like a tail key', task({ image: 'u', created_at: 'data' }, [[rect]])],
  ['array-index keys in data', task({ image: 'u', 10: 'ten', 2: 'two' }, [[rect]])],
  ['an array-index output name', task({ image: 'u' }, [[choice('7')]])],
  ['one choice, one text: the bare value', task({ image: 'u' }, [[choice('mood'), { ...text, value: { text: ['only'] } }]])],
  ['two choice results, several choices, two texts: lists', task({ image: 'u' }, [[choice('mood'), { ...choice('mood'), value: { choices: ['x', 'y'] } }, text]])],
  ['a value with its own type key', task({ image: 'u' }, [[{ ...rect, value: { ...rect.value, type: 'own' } }]])],
  ['a value with its own original_width', task({ image: 'u' }, [[{ ...rect, value: { ...rect.value, original_width: 1 } }, rect]])],
  ['an empty value with an image size, a null size, no size', task({ image: 'u' }, [[{ ...rect, value: {} }, { ...rect, original_width: null, original_height: undefined }, { from_name: 'label', to_name: 'image', type: 'rectanglelabels', value: { x: 1 } }]])],
  ['a result without value, a chat message', task({ image: 'u' }, [[{ from_name: 'label', to_name: 'image', type: 'rectanglelabels' }, { type: 'chatmessage', value: { chatmessage: { role: 'user', text: 'hi/there' } } }]])],
  ['one choices result with two choices and an image size: the bare region', task({ image: 'u' }, [[{ ...choice('mood'), value: { choices: ['x', 'y'] }, original_width: 10, original_height: 20 }]])],
  ['an empty textarea value with an image size: the bare region', task({ image: 'u' }, [[{ from_name: 'image_text', to_name: 'image', type: 'textarea', value: {}, original_width: 5 }]])],
  ['nested values with an image size in a list', task({ image: 'u' }, [[{ ...rect, value: { points: [[1, 2], [3, 4]], meta: { a: { b: [] } } } }, rect]])],
  ['unicode and slashes in keys', task({ 'ключ/ü': '\u2028 </script>' }, [[rect]])],
];

describe('jsonMinText', () => {
  it.each(cases)('%s: same text as ujson(jsonMinRecord(item), indent 2)', (_name, t) => {
    const items = itemsOfTask(t, config);
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expect(jsonMinText(item)).toBe(ujson(jsonMinRecord(item), { indent: 2 }));
  });

  it('writes the record in key order with nested values indented one level', () => {
    const [item] = itemsOfTask(task({ image: 'a/b', id: 5 }, [[{ ...text, value: { text: ['hi'] } }]]), config);
    expect(jsonMinText(item)).toBe(
      '{\n  "image": "a\\/b",\n  "id": 42,\n  "image_text": "hi",\n  "annotator": "a@b.c",\n  "annotation_id": 100,\n' +
        '  "created_at": "2024-01-01T00:00:00.000000Z",\n  "updated_at": "2024-02-01T00:00:00.000000Z",\n  "lead_time": 3.5\n}',
    );
    const [nested] = itemsOfTask(task({ image: 'u' }, [[rect]]), config);
    expect(jsonMinText(nested)).toContain('  "label": [\n    {\n      "x": 1.5,');
  });
});
