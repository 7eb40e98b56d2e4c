#!/usr/bin/env node
// Writes the candidate strings of test/fixtures/doclang-xml-cases.json (to stdout, a JSON array):
// hand-written XML edge cases and seeded random mutations of small DocLang documents. Then
//   /usr/bin/python3 scripts/doclang-xml-cases/lxml-verdicts.py cases.json > test/fixtures/doclang-xml-cases.json
// (Debian's python3-lxml: lxml 4.9.2 on libxml2 2.9.14, the reference converter's lxml) adds what
// lxml says of each. test/doclang.test.ts checks the discovery scan against those verdicts.
const base = [
  '<doclang/>', '<doclang xmlns="https://www.doclang.ai/ns/v1"><p a="1">x &amp; y</p></doclang>',
  '<?xml version="1.0" encoding="UTF-8"?><doclang><!-- c --><?pi data?><![CDATA[<raw>]]></doclang>',
  '<d:doclang xmlns:d="https://www.doclang.ai/ns/v2" xmlns:e="urn:e"><e:x e:a="1" a="2"/></d:doclang>',
  '<doclang><src uri="https://x/a.png"/><picture><src uri=\'/data/upload/1/b.svg\'/></picture></doclang>',
  '\n<doclang>\n<t>&#x41;&#66;</t>\n</doclang>\n<!-- tail -->\n',
  '<doclang xmlns:a="http://u@h:80/p/q?x=1#f" xmlns:b="//h/p" xmlns:c="a/b:c" xmlns:d="urn:x:y" xmlns:e="http://[::1]:8080/"/>',
  '<doclang xmlns="rel/path"><x xmlns="mailto:a@b.c"/></doclang>',
  '<doclang xmlns="https://www.doclang.ai/ns/v1" xmlns:s="urn:s"><s:src uri="https://x/a.png?d=1&amp;e=2"/><src s:uri="no" uri=" a\tb\r\nc &#10; &lt;"/></doclang>',
];
const extra = [
  '<doclang xmlns="https://www.doclang.ai/ns/v"/>', '<doclang xmlns="https://www.doclang.ai/ns/v01"/>', '<doclang xmlns="https://www.doclang.ai/ns/v1/"/>',
  '<doclang xmlns=""/>', '<x:doclang xmlns:x=""/>', '<doclang xmlns:xml="http://www.w3.org/XML/1998/namespace"/>', '<doclang xmlns:xmlns="urn:x"/>',
  '<doclang xml:lang="en"/>', '<doclang a:b="1"/>', '<doclang xmlns:a="urn:a" xmlns:b="urn:a" a:x="1" b:x="2"/>', '<doclang:x/>', '<:doclang/>', '<doclang:/>', '<a:b:doclang xmlns:a="urn:a"/>',
  '<?xml version="1.1"?><doclang/>', '<?xml version="2.0"?><doclang/>', '<?xml version="1.0" encoding="latin1"?><doclang>é</doclang>', '<?xml version="1.0" encoding="ascii"?><doclang>é</doclang>',
  '<?xml version="1.0" encoding="UTF-16"?><doclang/>', '<?xml version="1.0" standalone="yes"?><doclang/>', '<?xml version="1.0" standalone="maybe"?><doclang/>', '<?xml  version="1.0"  ?><doclang/>',
  '<?XML version="1.0"?><doclang/>', '<?xml-stylesheet href="a"?><doclang/>', '<doclang><?xml x?></doclang>', '<doclang><?Xml x?></doclang>', '<doclang><?a:b x?></doclang>', '<doclang><?pi?></doclang>', '<doclang><?pix?></doclang>',
  '\ufeff<doclang/>', '<doclang>\ufeff</doclang>', '<doclang>\uffff</doclang>', '<doclang>\u{1F600}</doclang>', '<doclang>&#xD800;</doclang>', '<doclang>&#x1F600;</doclang>', '<doclang>&#9;&#10;&#13;</doclang>', '<doclang>&#x;</doclang>', '<doclang>&#12a;</doclang>',
  '<doclang a="&#60;"/>', '<doclang a="\t\n"/>', '<doclang a=\'"\'/>', '<doclang a="1"b="2"/>', '<doclang a = "1" />', '<doclang/ >', '<doclang></doclang\n>', '</doclang>', '<doclang><</doclang>', '<doclang>></doclang>',
  '<doclang><!----></doclang>', '<doclang><!-- - --></doclang>', '<doclang><!---x--></doclang>', '<doclang><!-- x ---></doclang>', '<doclang><![CDATA[]]></doclang>', '<doclang><![CDATA[ ]] ]]></doclang>', '<doclang><![cdata[x]]></doclang>',
  '<!DOCTYPE doclang SYSTEM "x.dtd"><doclang/>', '<doclang><!DOCTYPE x></doclang>', '<!-- c --><!DOCTYPE doclang><doclang/>', '<doclang/><!DOCTYPE x>',
  '<doclang>&lt;&gt;&quot;&apos;</doclang>', '<doclang>&AMP;</doclang>', '<doclang>&amp</doclang>', '<doclang>& </doclang>',
  '<doclang é="1"/>', '<doclangé/>', '<é:doclang xmlns:é="https://www.doclang.ai/ns/v3"/>', '<doclang><1a/></doclang>', '<doclang><a-b.c_d/></doclang>', '<doclang><-a/></doclang>', '<doclang><·a/></doclang>', '<doclang><a·/></doclang>',
  '<Doclang/>', '<DOCLANG/>', 'doclang', '<doclang', '<doclang>', '<doclang></doclang><!-- -->x', ' ', '<doclang/>\u0000',
];
const cases = [...base, ...extra];
// mutations
let seed = 777; const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
const alphabet = ['<', '>', '&', ';', ':', '"', "'", '/', '!', '-', '?', '[', ']', 'x', ' ', '\n', '=', '#', 'a', 'amp;', '<!--', '-->', ']]>', '<![CDATA[', '&#', 'xmlns:q="urn:q"', 'q:', '\0', '\r', '\t', '\ud800', 'é', '\u{1F600}', '\uFFFE', '&#0;', '&#x10FFFF;', '<src uri="u"/>', ' uri="v"', '%', '%2F', '%G1', '@', '[', ']', ':', '//', '?', '#', '80', 'x:', ' xmlns="', ' xmlns:z="', '~', '+', '|', '{', '\\', '^', '`'];
for (let k = 0; k < 4000; k++) {
  let s = base[rnd(base.length)];
  const ops = 1 + rnd(3);
  for (let o = 0; o < ops; o++) {
    const at = rnd(s.length + 1);
    const op = rnd(3);
    if (op === 0) s = s.slice(0, at) + alphabet[rnd(alphabet.length)] + s.slice(at);
    else if (op === 1) s = s.slice(0, at) + s.slice(at + 1 + rnd(3));
    else s = s.slice(0, at) + s.slice(at).replace(/./, alphabet[rnd(alphabet.length)]);
  }
  cases.push(s);
}
process.stdout.write(JSON.stringify(cases));
