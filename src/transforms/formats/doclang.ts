// DOCLANG (export-formats.md §5 "DOCLANG"): one `.dclx` (a zip in doclang's OPC layout) per
// DocLang document found in a raw task: its annotations, drafts and predictions, or else its data
// (discovery and names: doclang-sources.ts). Members: `document.xml` (the document as found),
// `pages/<n><ext>` and `assets/…` (only with downloads on, i.e. without --offline:
// doclang-media.ts), `[Content_Types].xml` and `_rels/.rels` (doclang's fixed texts); deflated, in
// sorted path order. Memory: one task's pages and one archive at a time.

import type { Encoder, Entry } from '../../contracts.js';
import { countSkip } from '../../run-context.js';
import { fetchPages, pageKeys, pageUrls, stageAssets } from './doclang-media.js';
import { doclangSources } from './doclang-sources.js';
import { type PackedMember, packMember, type ZipMember, zipBuffer } from './zip-buffer.js';

const CONTENT_TYPES_XML = `<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
  <Default Extension="png" ContentType="image/png"/>
  <Default Extension="jpg" ContentType="image/jpeg"/>
  <Default Extension="jpeg" ContentType="image/jpeg"/>
  <Default Extension="webp" ContentType="image/webp"/>
  <Default Extension="mp3" ContentType="audio/mpeg"/>
  <Default Extension="m4a" ContentType="audio/mp4"/>
  <Default Extension="aac" ContentType="audio/aac"/>
  <Default Extension="ogg" ContentType="audio/ogg"/>
  <Default Extension="opus" ContentType="audio/ogg"/>
  <Default Extension="wav" ContentType="audio/wav"/>
  <Default Extension="flac" ContentType="audio/flac"/>
  <Default Extension="mp4" ContentType="video/mp4"/>
  <Default Extension="webm" ContentType="video/webm"/>
  <Default Extension="mkv" ContentType="video/x-matroska"/>
  <Default Extension="mov" ContentType="video/quicktime"/>
  <Override PartName="/document.xml" ContentType="application/vnd.doclang.document+xml"/>
</Types>
`;

const RELS_XML = `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Id="rId1"
    Type="http://doclang.ai/ns/package/2026/relationships/document"
    Target="document.xml"/>
</Relationships>
`;

/** Python's ordering of pathlib paths: segment by segment, by code point. */
function comparePaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let k = 0; k < Math.min(pa.length, pb.length); k++) {
    if (pa[k] === pb[k]) continue;
    const ca = [...pa[k]];
    const cb = [...pb[k]];
    for (let j = 0; j < Math.min(ca.length, cb.length); j++) {
      const d = (ca[j].codePointAt(0) as number) - (cb[j].codePointAt(0) as number);
      if (d !== 0) return d;
    }
    return ca.length - cb.length;
  }
  return pa.length - pb.length;
}

/** doclang's metadata members, the same in every archive: deflated once per run. */
let metadata: Promise<PackedMember[]> | undefined;
const metadataMembers = () =>
  (metadata ??= Promise.all([
    packMember({ name: '[Content_Types].xml', data: Buffer.from(CONTENT_TYPES_XML) }),
    packMember({ name: '_rels/.rels', data: Buffer.from(RELS_XML) }),
  ]));

/** The members of one archive, as doclang's `pack` writes them: sorted, without AppleDouble/`.DS_Store` names. */
function dclxMembers(metadata: ZipMember[], document: Buffer, pages: ZipMember[], assets: ZipMember[]): ZipMember[] {
  const members: ZipMember[] = [
    ...metadata,
    { name: 'document.xml', data: document },
    ...pages,
    ...assets,
  ];
  return members
    .filter((m) => {
      const last = m.name.slice(m.name.lastIndexOf('/') + 1);
      return !m.name.split('/').includes('__MACOSX') && last !== '.DS_Store' && !last.startsWith('._');
    })
    .sort((a, b) => comparePaths(a.name, b.name));
}

export const encodeDoclang: Encoder = async function* (tasks, ctx) {
  const keys = pageKeys(ctx.labelConfig);
  const meta = await metadataMembers();
  const media = ctx.media; // set by the pipeline only when downloads are on (no --offline)
  let written = 0;
  for await (const batch of tasks) {
    for (const task of batch) {
      const sources = doclangSources(task);
      if (sources.length === 0) {
        countSkip(ctx.stats, 'DOCLANG: task without a DocLang document');
        continue;
      }
      ctx.stats.written++;
      // Deflated once, then shared by every archive of the task.
      const pages = media ? await Promise.all((await fetchPages(pageUrls(task.data, keys), media, ctx, task.id)).map(packMember)) : [];
      for (const source of sources) {
        let document = source.document;
        let assets: ZipMember[] = [];
        if (media && source.scan.srcUris.length > 0) ({ document, assets } = await stageAssets(document, source.scan.srcUris, media));
        const entry: Entry = { path: source.fileName, body: await zipBuffer(dclxMembers(meta, Buffer.from(document, 'utf8'), pages, assets)) };
        written++;
        yield entry;
      }
    }
  }
  ctx.log.info({ archives: written }, 'DOCLANG: archives written');
};
