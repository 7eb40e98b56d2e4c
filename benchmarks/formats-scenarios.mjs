// The format scenarios of benchmarks/formats.mjs: one converter format over a generated project of
// the kind it is made for, next to JSON_MIN over the same file (the `json-min@<kind>` rows, the
// baseline of the ratio column). To add one, add an entry:
//
//   name    unique id, `<base>@<kind>`; `--only <base>` picks every kind of it
//   kind    generated project kind (src/generate.ts): image, polygons, ner, audio, brush, doclang, …
//   format  the --format
//   to      'null' (encode everything, write nothing), 'file' (one output file, extension `ext`)
//           or 'dir' (a directory: multi-file formats)
//   media   'offline' (--offline: no network; media are skipped) | 'local-http' (--ls-url of the
//           harness's 127.0.0.1 server) | undefined (the format fetches nothing)

const at = (kind, list) => list.map((s) => ({ ...s, name: `${s.name}@${kind}`, kind }));

export const formatScenarios = [
  ...at('image', [
    { name: 'json-min', format: 'JSON_MIN', to: 'null' },
    { name: 'csv', format: 'CSV', to: 'null' },
    { name: 'csv-file', format: 'CSV', to: 'file', ext: 'csv' },
    { name: 'tsv', format: 'TSV', to: 'null' },
    { name: 'coco', format: 'COCO', to: 'null' },
    { name: 'coco-dir', format: 'COCO', to: 'dir' },
    { name: 'yolo', format: 'YOLO', to: 'null' },
    { name: 'yolo-obb', format: 'YOLO_OBB', to: 'null' },
    { name: 'voc', format: 'VOC', to: 'null' },
    { name: 'coco-with-images', format: 'COCO_WITH_IMAGES', to: 'null', media: 'offline' },
    { name: 'yolo-with-images', format: 'YOLO_WITH_IMAGES', to: 'null', media: 'offline' },
    { name: 'yolo-obb-with-images', format: 'YOLO_OBB_WITH_IMAGES', to: 'null', media: 'offline' },
  ]),
  ...at('polygons', [
    { name: 'json-min', format: 'JSON_MIN', to: 'null' },
    { name: 'coco', format: 'COCO', to: 'null' },
    { name: 'yolo', format: 'YOLO', to: 'null' },
  ]),
  ...at('ner', [
    { name: 'json-min', format: 'JSON_MIN', to: 'null' },
    { name: 'conll', format: 'CONLL2003', to: 'null' },
    { name: 'csv', format: 'CSV', to: 'null' },
  ]),
  ...at('audio', [
    { name: 'json-min', format: 'JSON_MIN', to: 'null' },
    { name: 'asr', format: 'ASR_MANIFEST', to: 'null', media: 'local-http' },
  ]),
  ...at('brush', [
    { name: 'json-min', format: 'JSON_MIN', to: 'null' },
    { name: 'brush-numpy', format: 'BRUSH_TO_NUMPY', to: 'null' },
    { name: 'brush-png', format: 'BRUSH_TO_PNG', to: 'null' },
    { name: 'brush-coco', format: 'BRUSH_TO_COCO', to: 'null' },
  ]),
  // DOCLANG with --offline (no page images or assets fetched) to null: discovery (the XML scan of
  // every candidate string) and packing each document into its deflated .dclx, nothing written.
  ...at('doclang', [
    { name: 'json-min', format: 'JSON_MIN', to: 'null' },
    { name: 'doclang', format: 'DOCLANG', to: 'null', media: 'offline' },
  ]),
];
