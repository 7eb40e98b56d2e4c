"""For each candidate string (JSON array on the command line's file), what the DOCLANG exporter of
Label Studio's converter concludes with lxml: null when the string is not a DocLang document (not
well-formed XML under lxml's parser with recover off, DTD loading and entity resolution off, huge
trees on; a DOCTYPE; a root other than `doclang` with no namespace or https://www.doclang.ai/ns/v<N>),
else the `uri` attribute values of its `src` elements (any namespace) in document order.
Prints [{"text": ..., "doclang": null | [uri, ...]}, ...]."""
import json
import sys

from lxml import etree

PREFIX = "https://www.doclang.ai/ns/"


def verdict(text):
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, recover=False, huge_tree=True)
    try:
        root = etree.fromstring(data, parser=parser)
        name = etree.QName(root)
    except (ValueError, etree.XMLSyntaxError):
        return None
    ns = name.namespace
    version = ns[len(PREFIX):] if ns and ns.startswith(PREFIX) else None
    ns_ok = not ns or (version is not None and version.startswith("v") and version[1:].isdigit())
    if name.localname != "doclang" or not ns_ok or root.getroottree().docinfo.doctype:
        return None
    return [e.get("uri") for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname == "src" and e.get("uri") is not None]


cases = json.load(open(sys.argv[1], encoding="utf-8"))
json.dump([{"text": c, "doclang": verdict(c)} for c in cases], sys.stdout, ensure_ascii=True)
