// DocLang documents for the generator's `doclang` kind (export-formats.md §5 "DOCLANG"): a
// well-formed XML document whose root is `doclang` (in the v1 namespace, a prefixed v1 namespace,
// or no namespace), with pages of section headers, paragraphs, pictures whose `<src uri>` points
// at an upload path, and small tables; escaped text (`&`, `<`, `>`), sometimes with the
// generator's hostile strings. Deterministic: everything comes from `rng`.

import type { Rng } from './generate.js';

const HEX = '0123456789abcdef';

function text(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A document of at least `minChars` characters (a page is finished once the size is reached, so a
 * document is up to about 600 characters longer). `prose(n)` returns text of at least n characters.
 */
export function doclangDocument(rng: Rng, id: number, minChars: number, prose: (minChars: number) => string): string {
  const style = rng.int(0, 19);
  const [open, close] =
    style < 12
      ? ['<doclang xmlns="https://www.doclang.ai/ns/v1">', '</doclang>']
      : style < 17
        ? ['<doclang>', '</doclang>']
        : ['<dl:doclang xmlns:dl="https://www.doclang.ai/ns/v1" version="1">', '</dl:doclang>'];
  let doc = `${rng.chance(0.5) ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ''}${open}\n`;
  for (let page = 1; doc.length < minChars; page++) {
    if (page > 1) doc += '  <page_break/>\n';
    doc += `  <page number="${page}">\n`;
    doc += `    <section_header level="${rng.int(1, 3)}">${text(prose(20))}</section_header>\n`;
    for (let n = rng.int(1, 3); n > 0; n--) doc += `    <text>${text(prose(rng.int(120, 400)))}</text>\n`;
    if (rng.chance(0.35)) {
      const uri = `/data/upload/7/${rng.chars(8, HEX)}-figure_${id}_${page}.png`;
      doc += `    <picture>\n      <src uri="${uri}"/>\n      <caption>${text(prose(30))}</caption>\n    </picture>\n`;
    }
    if (rng.chance(0.15)) {
      doc += '    <table>\n';
      for (let r = rng.int(2, 3); r > 0; r--) doc += `      <tr><td>${rng.int(0, 9999)}</td><td>${text(prose(8))}</td></tr>\n`;
      doc += '    </table>\n';
    }
    doc += '  </page>\n';
  }
  return `${doc}${close}\n`;
}
