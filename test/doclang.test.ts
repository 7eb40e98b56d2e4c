// DOCLANG (export-formats.md §5): document discovery, archive names, members and media, checked
// against the rules of the spec and the converter's reference archive in shared/conformance.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Entry } from '../src/contracts.js';
import { formatSupport, parseLabelConfig } from '../src/label-config.js';
import { MediaFetcher } from '../src/media/fetcher.js';
import type { Task, TaskBatch } from '../src/task.js';
import { encodeDoclang } from '../src/transforms/formats/doclang.js';
import { assetArchivePath, pageExtension, pageKeys, pageUrls } from '../src/transforms/formats/doclang-media.js';
import { candidatePayload, dataDocuments, doclangScan, doclangSources, stringValues } from '../src/transforms/formats/doclang-sources.js';
import { scanXml } from '../src/transforms/formats/doclang-xml.js';
import { formatInfo } from '../src/transforms/formats/index.js';
import { runCli } from './support/cli.js';
import { CONFORMANCE } from './support/cli.js';
import { testContext } from './support/encoder-context.js';
import { loadIntoSqlite } from './support/load-ls-export.js';
import { readZip } from './support/read-zip.js';

const doc = (body: string) => `<doclang><text>${body}</text></doclang>`;
const textarea = (text: string) => ({ from_name: 'doc', to_name: 'page', type: 'textarea', value: { text: [text] } });
const names = (task: Partial<Task>) => doclangSources({ id: 1, data: {}, ...task } as Task).map((s) => s.fileName);

async function* batches(tasks: unknown[]): AsyncGenerator<TaskBatch> {
  yield tasks as TaskBatch;
}

async function encode(tasks: unknown[], ctx = testContext()): Promise<Map<string, Array<{ name: string; data: Buffer }>>> {
  const out = new Map<string, Array<{ name: string; data: Buffer }>>();
  for await (const e of encodeDoclang(batches(tasks), ctx) as AsyncIterable<Entry>) out.set(e.path, readZip(e.body as Buffer));
  return out;
}

describe('DOCLANG: sources and archive names', () => {
  it('takes non-cancelled annotations, then drafts not of an exported annotation, then predictions', () => {
    const task = {
      id: 7,
      annotations: [
        { id: 1, was_cancelled: true, result: [textarea(doc('cancelled'))] },
        { id: 2, result: [textarea(doc('a2'))] },
        { id: 3, skipped: true, result: [textarea(doc('skipped'))] },
        { id: 4, result: [textarea('no document here')] },
      ],
      drafts: [
        { id: 10, annotation: 2, result: [textarea(doc('draft of exported annotation'))] },
        { id: 11, annotation: 4, result: [textarea(doc('draft of annotation without a document'))] },
        { id: 12, annotation: null, result: [textarea(doc('free draft'))] },
      ],
      predictions: [{ id: 20, result: [textarea(doc('p'))] }],
      data: { doclang: doc('data is only a fallback') },
    };
    expect(names(task)).toEqual(['task-7-annotation-2.dclx', 'task-7-draft-11.dclx', 'task-7-draft-12.dclx', 'task-7-prediction-20.dclx']);
    const sources = doclangSources(task as unknown as Task);
    expect(sources.map((s) => s.document)).toEqual([doc('a2'), doc('draft of annotation without a document'), doc('free draft'), doc('p')]);
  });

  it('uses legacy completions, and the list index for a missing id (among kept annotations; raw index for drafts and predictions)', () => {
    expect(names({ completions: [{ was_cancelled: true }, { result: [textarea(doc('x'))] }] } as never)).toEqual(['task-1-annotation-0.dclx']);
    expect(names({ annotations: [{ id: 5, result: [] }, { result: [textarea(doc('x'))] }] } as never)).toEqual(['task-1-annotation-1.dclx']);
    expect(names({ drafts: [5, { result: [textarea(doc('d'))] }], predictions: [{ id: 3 }, { result: [textarea(doc('p'))] }] } as never)).toEqual([
      'task-1-draft-1.dclx',
      'task-1-prediction-1.dclx',
    ]);
    // an explicit null id is Python's None, as the converter writes it
    expect(names({ annotations: [{ id: null, result: [textarea(doc('x'))] }] } as never)).toEqual(['task-1-annotation-None.dclx']);
  });

  it('falls back to distinct documents under doclang/document keys of data, at any depth', () => {
    const data = {
      text: doc('not under a document key'),
      pages: [{ meta: { document: doc('one') } }],
      doclang: [doc('two'), doc('one'), { deeper: doc('three') }, 'plain text'],
    };
    expect(dataDocuments(data).map((d) => d.document)).toEqual([doc('one'), doc('two'), doc('three')]);
    expect(names({ id: 9, data } as never)).toEqual(['task-9-data-1.dclx', 'task-9-data-2.dclx', 'task-9-data-3.dclx']);
    expect(names({ id: 9, data: { document: doc('only') } } as never)).toEqual(['task-9-data.dclx']);
    expect(names({ id: 9, data: { doc: doc('other key') } } as never)).toEqual([]);
    // a result document wins over data
    expect(names({ id: 9, data, predictions: [{ id: 1, result: [textarea(doc('p'))] }] } as never)).toEqual(['task-9-prediction-1.dclx']);
  });

  it('keeps names built from task data inside the output folder', () => {
    expect(names({ id: '../../etc/x' as never, annotations: [{ id: 'a/b c', result: [textarea(doc('x'))] }] } as never)).toEqual([
      'task-.._.._etc_x-annotation-a_b_c.dclx',
    ]);
  });
});

describe('DOCLANG: candidate payloads', () => {
  const first = (result: Record<string, unknown>) => [...stringValues(candidatePayload(result))].find((s) => doclangScan(s));

  it('textarea value.text, reactcode value.reactcode, standard types none, other types the whole value', () => {
    expect(first({ type: 'textarea', value: { text: ['x', doc('t')], other: doc('no') } })).toBe(doc('t'));
    expect(first({ type: 'textarea', value: { other: doc('no') } })).toBeUndefined();
    expect(first({ type: 'reactcode', value: { reactcode: { deep: [doc('r')] }, text: doc('no') } })).toBe(doc('r'));
    for (const type of ['choices', 'labels', 'rectanglelabels', 'taxonomy', 'chatmessage']) {
      expect(first({ type, value: { text: [doc('no')], choices: [doc('no')] } }), type).toBeUndefined();
    }
    expect(first({ type: 'doclang-editor', value: { meta: 1, nested: [{ xml: doc('c') }] } })).toBe(doc('c'));
    expect(first({ value: doc('untyped') })).toBe(doc('untyped'));
  });

  it('takes the first string that is a document, in order, across results', () => {
    const sources = doclangSources({
      id: 1,
      data: {},
      annotations: [{ id: 1, result: [{ type: 'choices', value: { choices: [doc('no')] } }, textarea('<notdoclang/>'), textarea(doc('first')), textarea(doc('second'))] }],
    } as unknown as Task);
    expect(sources.map((s) => s.document)).toEqual([doc('first')]);
  });

  it('stops at depth 32 and after 10,000 nodes', () => {
    let deep: unknown = doc('deep');
    for (let k = 0; k < 33; k++) deep = [deep];
    expect([...stringValues(deep)]).toEqual([]);
    let ok: unknown = doc('deep');
    for (let k = 0; k < 32; k++) ok = [ok];
    expect([...stringValues(ok)]).toEqual([doc('deep')]);
    const wide = [...Array.from({ length: 9_998 }, () => 1), 'a', 'b'];
    expect([...stringValues(wide)]).toEqual(['a']); // the list itself is node 1
  });

  it('accepts only a doclang root without namespace or in https://www.doclang.ai/ns/v<digits>', () => {
    const yes = [
      '<doclang/>',
      '<doclang xmlns="https://www.doclang.ai/ns/v1"><p/></doclang>',
      '<d:doclang xmlns:d="https://www.doclang.ai/ns/v12"/>',
      '<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><?pi x?><doclang><![CDATA[<x>]]>&amp;&#65;&#x42;</doclang>\n',
      '  <doclang a="1" b=\'2\'></doclang >  ',
      '<doclang/>\u0000 anything after a NUL is not read',
    ];
    const no = [
      '<Doclang/>',
      '<document/>',
      '<doclang xmlns="https://www.doclang.ai/ns/v"/>',
      '<doclang xmlns="https://www.doclang.ai/ns/beta"/>',
      '<doclang xmlns="http://www.doclang.ai/ns/v1"/>',
      '<doclang xmlns="urn:other"/>',
    ];
    for (const s of yes) expect(doclangScan(s), s).not.toBeNull();
    for (const s of no) expect(doclangScan(s), s).toBeNull();
  });

  it('agrees with lxml (the converter\'s parser) on 4,088 edge cases and mutations, src uris included', () => {
    // Made by scripts/doclang-xml-cases/ with lxml 4.9.2 / libxml2 2.9.14.
    const cases = JSON.parse(readFileSync(new URL('./fixtures/doclang-xml-cases.json', import.meta.url), 'utf8')) as Array<{ text: string; doclang: string[] | null }>;
    expect(cases.length).toBe(4088);
    expect(cases.filter((c) => c.doclang !== null).length).toBe(402);
    const differ = cases.filter((c) => {
      const scan = doclangScan(c.text);
      return JSON.stringify(scan ? scan.srcUris.map((u) => u.value) : null) !== JSON.stringify(c.doclang);
    });
    expect(differ.map((c) => c.text)).toEqual([]);
  });

  it('rejects a DOCTYPE and anything that is not well-formed XML', () => {
    const bad = [
      '<!DOCTYPE doclang><doclang/>',
      '<!DOCTYPE doclang [<!ENTITY e "x">]><doclang>&e;</doclang>',
      '<doclang/><doclang/>',
      '<doclang/>trailing',
      '<doclang>&nbsp;</doclang>',
      '<doclang><p:x/></doclang>',
      '<doclang><!-- a -- b --></doclang>',
      '<doclang x="a<b"/>',
      '<doclang a="1" a="2"/>',
      '<doclang>a]]>b</doclang>',
      '<doclang>\u0001</doclang>',
      '<doclang>&#0;</doclang>',
      '<doclang></Doclang>',
      '<doclang>',
      ' <?xml version="1.0"?><doclang/>',
      '<doclang>\ud800</doclang>',
      '',
      '<doclang xmlns:x="not a uri"/>',
      '<doclang>\u0000</doclang>',
    ];
    for (const s of bad) expect(scanXml(s), JSON.stringify(s)).toBeNull();
    expect(names({ annotations: [{ id: 1, result: [textarea('<!DOCTYPE doclang><doclang/>')] }] } as never)).toEqual([]);
  });
});

describe('DOCLANG: archives', () => {
  const reference = readZip(readFileSync(join(CONFORMANCE, 'doclang_data', 'DOCLANG', 'task-1-annotation-11.dclx')));
  const member = (name: string) => reference.find((m) => m.name === name)?.data.toString('utf8');

  it('writes document.xml as found plus doclang\'s [Content_Types].xml and _rels/.rels, deflated, in sorted order', async () => {
    const text = '<?xml version="1.0"?>\n<doclang>\n  <text a=\'1\'>Übung &amp; more</text>\n</doclang>';
    const out = await encode([{ id: 3, data: { image: 'https://example.com/p.png' }, annotations: [{ id: 4, result: [textarea(text)] }] }]);
    expect([...out.keys()]).toEqual(['task-3-annotation-4.dclx']);
    const members = out.get('task-3-annotation-4.dclx') ?? [];
    expect(members.map((m) => m.name)).toEqual(['[Content_Types].xml', '_rels/.rels', 'document.xml']);
    expect(members[0].data.toString('utf8')).toBe(member('[Content_Types].xml'));
    expect(members[1].data.toString('utf8')).toBe(member('_rels/.rels'));
    expect(members[1].data.toString('utf8')).toContain('Type="http://doclang.ai/ns/package/2026/relationships/document"');
    expect(members[2].data.toString('utf8')).toBe(text);
  });

  it('counts tasks without a document as skipped', async () => {
    const ctx = testContext();
    const out = await encode([{ id: 1, data: {}, annotations: [{ id: 1, result: [] }] }, { id: 2, data: { document: doc('d') } }], ctx);
    expect([...out.keys()]).toEqual(['task-2-data.dclx']);
    expect(ctx.stats.skipped).toEqual({ 'DOCLANG: task without a DocLang document': 1 });
    expect(ctx.stats.written).toBe(1);
  });

  it('with downloads on, adds pages (numbered by position, data: URLs decoded) and assets with the uri rewritten', async () => {
    const upload = mkdtempSync(join(tmpdir(), 'doclang-up-'));
    mkdirSync(join(upload, '1'));
    writeFileSync(join(upload, '1', 'page-1.JPG'), 'jpeg bytes');
    writeFileSync(join(upload, '1', 'fig.png'), 'png asset');
    writeFileSync(join(upload, '1', 'logo.svg'), '<svg/>');
    const ctx = testContext();
    ctx.media = new MediaFetcher({ concurrency: 2, retries: 0, timeoutMs: 5000, uploadDir: upload, offline: true }, ctx);
    const document =
      '<doclang xmlns="https://www.doclang.ai/ns/v1"><picture><src uri="/data/upload/1/fig.png"/></picture>' +
      '<picture><src uri=\'/data/upload/1/fig.png\'/></picture><src uri="/data/upload/1/missing.png"/>' +
      '<src uri="/data/upload/1/logo.svg"/><src uri="https://example.com/a.pdf"/><src uri="data:image/png;base64,AA=="/></doclang>';
    const pages = ['/data/upload/1/page-1.JPG', '/data/upload/1/gone.png', `data:image/webp;base64,${Buffer.from('webp bytes').toString('base64')}`];
    const config = parseLabelConfig('<View><Image name="page" valueList="$pages"/><TextArea name="doc" toName="page"/></View>');
    ctx.labelConfig = config;
    const tasks = [
      { id: 1, data: { pages }, annotations: [{ id: 1, result: [textarea(document)] }], predictions: [{ id: 2, result: [textarea(doc('p'))] }] },
    ];
    const out = await encode(tasks, ctx);
    await ctx.media.close();
    const a = out.get('task-1-annotation-1.dclx') ?? [];
    expect(a.map((m) => m.name)).toEqual([
      '[Content_Types].xml',
      '_rels/.rels',
      'assets/fig-2.png',
      'assets/fig.png',
      'assets/logo.svg',
      'document.xml',
      'pages/1.jpg',
      'pages/3.webp',
    ]);
    const get = (name: string) => a.find((m) => m.name === name)?.data.toString('utf8');
    expect(get('assets/fig.png')).toBe('png asset');
    expect(get('assets/fig-2.png')).toBe('png asset');
    expect(get('assets/logo.svg')).toBe('<svg/>');
    expect(get('pages/1.jpg')).toBe('jpeg bytes');
    expect(get('pages/3.webp')).toBe('webp bytes');
    // only the fetched assets' uris change; the failed one (its name assets/missing.png taken) keeps its uri
    expect(get('document.xml')).toBe(
      '<doclang xmlns="https://www.doclang.ai/ns/v1"><picture><src uri="assets/fig.png"/></picture>' +
        '<picture><src uri=\'assets/fig-2.png\'/></picture><src uri="/data/upload/1/missing.png"/>' +
        '<src uri="assets/logo.svg"/><src uri="https://example.com/a.pdf"/><src uri="data:image/png;base64,AA=="/></doclang>',
    );
    // every archive of the task carries its pages
    expect((out.get('task-1-prediction-2.dclx') ?? []).map((m) => m.name)).toEqual(['[Content_Types].xml', '_rels/.rels', 'document.xml', 'pages/1.jpg', 'pages/3.webp']);
  });
});

describe('DOCLANG: the CLI', () => {
  it('adds page images unless --offline (downloads off, as in the conformance runs)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doclang-cli-'));
    mkdirSync(join(dir, 'upload', '3'), { recursive: true });
    writeFileSync(join(dir, 'upload', '3', 'scan.png'), 'page bytes');
    const input = join(dir, 'in.json');
    writeFileSync(input, JSON.stringify([{ id: 5, data: { img: '/data/upload/3/scan.png' }, annotations: [{ id: 6, result: [textarea(doc('x'))] }] }]));
    const config = join(dir, 'config.xml');
    writeFileSync(config, '<View><Image name="page" value="$img"/><TextArea name="doc" toName="page"/></View>');
    const run = async (extra: string[]) => {
      const out = join(dir, `out${extra.length}/`);
      const r = await runCli(['export', '--from', input, '--label-config', config, '--format', 'DOCLANG', '--to', out, '--upload-dir', join(dir, 'upload'), ...extra]);
      expect(r.code, r.stderr).toBe(0);
      expect(readdirSync(out)).toEqual(['task-5-annotation-6.dclx']);
      return readZip(readFileSync(join(out, 'task-5-annotation-6.dclx')));
    };
    const online = await run([]);
    expect(online.map((m) => m.name)).toEqual(['[Content_Types].xml', '_rels/.rels', 'document.xml', 'pages/1.png']);
    expect(online[3].data.toString()).toBe('page bytes');
    expect((await run(['--offline'])).map((m) => m.name)).toEqual(['[Content_Types].xml', '_rels/.rels', 'document.xml']);
  });
});

describe('DOCLANG: pages and asset names', () => {
  it('page keys: the last Image tag, valueList before value; default "image"', () => {
    expect(pageKeys(undefined)).toEqual({ single: 'image' });
    expect(pageKeys(parseLabelConfig('<View><Image name="a" value="$img"/><TextArea name="t" toName="a"/></View>'))).toEqual({ single: 'img' });
    expect(pageKeys(parseLabelConfig('<View><Image name="a" valueList="$pages"/><TextArea name="t" toName="a"/></View>'))).toEqual({ single: 'image', list: 'pages' });
    expect(pageUrls({ pages: ['a.png', { url: 'b.png' }, '', 5], image: 'c.png' }, { single: 'image', list: 'pages' })).toEqual(['a.png', 'b.png']);
    expect(pageUrls({ image: { url: 'c.png' } }, { single: 'image', list: 'pages' })).toEqual(['c.png']);
  });

  it('page extensions: from the URL path or the data: MIME type, .jpe as .jpg, otherwise .png', () => {
    expect(pageExtension('https://x/a/B.JPEG?x=1')).toBe('.jpeg');
    expect(pageExtension('https://x/a.jpe')).toBe('.jpg');
    expect(pageExtension('https://x/a.tiff')).toBe('.png');
    expect(pageExtension('/data/local-files/?d=dir/p.webp')).toBe('.webp');
    expect(pageExtension('data:image/jpeg;base64,AA')).toBe('.jpg');
    expect(pageExtension('data:image/gif;base64,AA')).toBe('.png');
  });

  it('asset names: stem and extension of the path (or a d= value), -2 on clashes, not for other extensions', () => {
    const used = new Set<string>();
    expect(assetArchivePath('https://x/img/Fig.JPE?v=2', used)).toBe('assets/Fig.jpg');
    expect(assetArchivePath('https://y/Fig.jpg', used)).toBe('assets/Fig-2.jpg');
    expect(assetArchivePath('/data/local-files/?d=pics/chart.svg', used)).toBe('assets/chart.svg');
    expect(assetArchivePath('https://x/noext', used)).toBe('assets/noext.png');
    expect(assetArchivePath('https://x/', used)).toBe('assets/image.png');
    expect(assetArchivePath('https://x/doc.pdf', used)).toBeNull();
  });
});

describe('DOCLANG: format support and sources', () => {
  it('is offered for a TextArea, ReactCode or CustomInterface control, also with several data keys', () => {
    const support = (xml: string) => formatSupport(parseLabelConfig(xml)).find((f) => f.format === 'DOCLANG');
    expect(support('<View><Image name="i" value="$image"/><TextArea name="t" toName="i"/></View>')?.supported).toBe(true);
    expect(support('<View><Image name="i" value="$a"/><Text name="x" value="$b"/><TextArea name="t" toName="i,x"/></View>')?.supported).toBe(true);
    expect(support('<View><Image name="i" value="$image"/><ReactCode name="t" toName="i"/></View>')?.supported).toBe(true);
    expect(support('<View><Image name="i" value="$image"/><RectangleLabels name="r" toName="i"/></View>')?.supported).toBe(false);
    expect(formatInfo('DOCLANG').wholeTasks).toBe('objects');
  });

  it('reads drafts and predictions from a database (as objects by default, ids only with --drafts ids)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doclang-db-'));
    const file = join(dir, 'ls.sqlite3');
    const config = '<View><Image name="page" value="$image"/><TextArea name="doc" toName="page"/></View>';
    await loadIntoSqlite(
      file,
      [
        {
          id: 1,
          data: { image: 'https://example.com/1.png' },
          annotations: [{ id: 11, completed_by: null, result: [textarea(doc('a'))], was_cancelled: false, created_at: '2024-01-01T00:00:00Z' }],
          drafts: [
            { id: 21, user: 'x@x.io', created_username: 'x@x.io, 5', result: [textarea(doc('linked'))], task: 1, annotation: 11 },
            { id: 22, user: 'x@x.io', created_username: 'x@x.io, 5', result: [textarea(doc('free'))], task: 1, annotation: null },
          ],
          predictions: [{ id: 31, result: [textarea(doc('p'))], model_version: 'v1', task: 1 }],
        },
      ],
      { labelConfig: config },
    );
    const run = async (args: string[]) => {
      const out = join(dir, `out-${args.join('')}/`);
      const r = await runCli(['export', '--from', file, '--format', 'DOCLANG', '--to', out, '--offline', ...args]);
      expect(r.code, r.stderr).toBe(0);
      return readdirSync(out).sort();
    };
    expect(await run([])).toEqual(['task-1-annotation-11.dclx', 'task-1-draft-22.dclx', 'task-1-prediction-31.dclx']);
    expect(await run(['--drafts', 'ids', '--predictions', 'ids'])).toEqual(['task-1-annotation-11.dclx']);
  });
});
