// The project's label config: parsed from XML (as Label Studio's converter `parse_config` does) or
// taken in the parsed JSON form Label Studio keeps in `project.parsed_label_config`. Encoders and
// database sources read tags, labels, categories and the supported formats from here.
// Rules: shared/spec/export-formats.md §3; fixes F6 and F10 of shared/conformance/README.md §5.2.

import { XMLParser } from 'fast-xml-parser';
import { UsageError } from './errors.js';

export interface InputTag {
  type: string;
  /** Data key without the leading "$" (e.g. "image", "images[{{idx}}].url"). */
  value: string;
  /** `valueList` attribute (multi-image input), XML form only. */
  valueList?: string;
  /** `valueType` attribute (Text with valueType="url" does not count as Text). */
  valueType?: string;
}

export interface OutputTag {
  type: string;
  to_name: string[];
  inputs: InputTag[];
  labels: string[];
  labels_attrs: Record<string, Record<string, string>>;
  /** Repeater tags (parsed by the app) carry their `{{idx}}` variables' patterns. */
  regex?: Record<string, string>;
}

export type Schema = Record<string, OutputTag>;

export interface LabelConfig {
  /** Output (control) tags by name, in config order. */
  schema: Schema;
  /** Data keys read by output tags, in config order (F10: the first is "the" data key). */
  dataKeys: string[];
  /** First data key of every named element with a `$value`, document order (§3.4 `$undefined$`). */
  firstDataType?: string;
  /** The XML text when the config came as XML. */
  xml?: string;
}

/** Formats as Label Studio spells them, in its enum order, plus our NDJSON. */
export const ALL_FORMATS = [
  'JSON',
  'JSON_MIN',
  'CSV',
  'TSV',
  'CONLL2003',
  'COCO',
  'VOC',
  'BRUSH_TO_NUMPY',
  'BRUSH_TO_PNG',
  'ASR_MANIFEST',
  'YOLO',
  'YOLO_OBB',
  'YOLO_WITH_IMAGES',
  'COCO_WITH_IMAGES',
  'YOLO_OBB_WITH_IMAGES',
  'BRUSH_TO_COCO',
  'DOCLANG',
  'NDJSON',
] as const;
export type FormatName = (typeof ALL_FORMATS)[number];

const xmlParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: true,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
});

type XmlNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function tagNameOf(node: XmlNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text' && !k.startsWith('?'));
}

/** The first `$var` of a value attribute (`$image` → `image`, `Page $page` → `page`). */
function dataVar(value: string): string | undefined {
  if (value.startsWith('$')) return value.slice(1);
  const m = /\$([A-Za-z_][\w.[\]{}]*)/.exec(value);
  return m ? m[1] : undefined;
}

export function parseLabelConfigXml(xml: string): LabelConfig {
  let tree: XmlNode[];
  try {
    tree = xmlParser.parse(xml) as XmlNode[];
  } catch (e) {
    throw new UsageError(`label config is not valid XML: ${(e as Error).message}`);
  }
  const schema: Schema = {};
  const inputs = new Map<string, InputTag>();
  let firstDataType: string | undefined;
  // Walk in document order; `owners` is the stack of enclosing output tags.
  const walk = (nodes: XmlNode[], owners: OutputTag[], repeater: Record<string, string> | undefined): void => {
    for (const node of nodes) {
      const tag = tagNameOf(node);
      if (!tag) continue;
      const attrs = node[':@'] ?? {};
      let owner: OutputTag | undefined;
      let childRepeater = repeater;
      if (tag === 'Repeater' && attrs.indexFlag) childRepeater = { ...(repeater ?? {}), [attrs.indexFlag]: '.*' };
      if (attrs.name && attrs.value !== undefined && firstDataType === undefined) firstDataType = dataVar(attrs.value);
      if (attrs.name && attrs.toName && tag !== 'Filter') {
        owner = {
          type: tag,
          to_name: attrs.toName.split(','),
          inputs: [],
          labels: [],
          labels_attrs: {},
          ...(childRepeater ? { regex: childRepeater } : {}),
        };
        schema[attrs.name] = owner;
      } else if (attrs.name && (attrs.value !== undefined || attrs.valueList !== undefined)) {
        const input: InputTag = { type: tag, value: (attrs.value ?? '').replace(/^\$/, '') };
        if (attrs.valueList !== undefined) input.valueList = attrs.valueList.replace(/^\$/, '');
        if (attrs.valueType !== undefined) input.valueType = attrs.valueType;
        inputs.set(attrs.name, input);
      } else if ((tag === 'Label' || tag === 'Choice') && owners.length > 0) {
        const name = attrs.alias ?? attrs.value;
        if (name !== undefined) {
          const o = owners[owners.length - 1];
          o.labels.push(name);
          o.labels_attrs[name] = { ...attrs };
        }
      }
      const children = node[tag];
      if (Array.isArray(children)) walk(children as XmlNode[], owner ? [...owners, owner] : owners, childRepeater);
    }
  };
  walk(tree, [], undefined);
  for (const tag of Object.values(schema)) {
    for (const name of tag.to_name) {
      const input = inputs.get(name);
      if (input) tag.inputs.push(input);
    }
  }
  return { schema, dataKeys: dataKeysOf(schema), firstDataType, xml };
}

export function labelConfigFromParsed(parsed: unknown): LabelConfig {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError('label config JSON must be an object of control tags (project.parsed_label_config)');
  }
  const schema: Schema = {};
  for (const [name, raw] of Object.entries(parsed as Record<string, Partial<OutputTag>>)) {
    if (typeof raw !== 'object' || raw === null || typeof raw.type !== 'string') {
      throw new UsageError(`label config JSON: tag "${name}" has no "type"`);
    }
    schema[name] = {
      type: raw.type,
      to_name: raw.to_name ?? [],
      inputs: (raw.inputs ?? []).map((i) => ({ ...i, value: String(i.value ?? '').replace(/^\$/, '') })),
      labels: raw.labels ?? [],
      labels_attrs: raw.labels_attrs ?? {},
      ...(raw.regex ? { regex: raw.regex } : {}),
    };
  }
  const dataKeys = dataKeysOf(schema);
  return { schema, dataKeys, firstDataType: dataKeys[0] };
}

/** XML text or the parsed JSON form, sniffed by the first character. */
export function parseLabelConfig(text: string): LabelConfig {
  const t = text.replace(/^\uFEFF/, '').trim();
  if (t === '') return { schema: {}, dataKeys: [] };
  if (t.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(t);
    } catch (e) {
      throw new UsageError(`label config looks like JSON but does not parse: ${(e as Error).message}`);
    }
    return labelConfigFromParsed(parsed);
  }
  return parseLabelConfigXml(t);
}

function dataKeysOf(schema: Schema): string[] {
  const keys: string[] = [];
  for (const tag of Object.values(schema)) {
    for (const input of tag.inputs) {
      const k = input.valueList ?? input.value;
      if (k && !keys.includes(k)) keys.push(k);
    }
  }
  return keys;
}

/** Repeater configs: tags with `{{var}}` patterns address several images per task (F6). */
export function isRepeater(config: LabelConfig): boolean {
  return Object.values(config.schema).some((t) => t.regex !== undefined || t.inputs.some((i) => i.value.includes('{{')));
}

export interface FormatSupport {
  format: FormatName;
  supported: boolean;
  reason?: string;
}

/** Which formats this config supports and why not the others (export-formats.md §3, F6, F7). */
export function formatSupport(config: LabelConfig): FormatSupport[] {
  const tags = Object.values(config.schema);
  const O = new Set(tags.map((t) => t.type));
  const I = new Set<string>();
  let mig = false;
  for (const t of tags) {
    for (const i of t.inputs) {
      if (i.valueList !== undefined) mig = true;
      if (i.type === 'Text' && i.valueType === 'url') continue;
      I.add(i.type);
    }
  }
  const repeater = isRepeater(config);
  const multiImage = mig || repeater;
  const has = (t: string) => O.has(t);
  const textArea = has('TextArea') || has('ReactCode') || has('CustomInterface');
  const keypointsWithoutIndex = tags.find(
    (t) => t.type === 'KeyPointLabels' && t.labels.length > 0 && t.labels.every((l) => t.labels_attrs[l]?.model_index === undefined),
  );
  const multiKey = config.dataKeys.length > 1;
  const out: FormatSupport[] = [];
  const add = (format: FormatName, ok: boolean, reason: string) => out.push(ok ? { format, supported: true } : { format, supported: false, reason });
  const singleKeyReason = `the config reads ${config.dataKeys.length} data keys (${config.dataKeys.join(', ')}); only JSON, JSON_MIN, CSV, TSV, NDJSON and DOCLANG export several`;
  const imageDetect =
    (I.has('Image') && (has('RectangleLabels') || has('PolygonLabels') || has('KeyPointLabels'))) ||
    (has('Rectangle') && has('Labels')) ||
    (has('PolygonLabels') && has('Labels')) ||
    (has('KeyPointLabels') && has('Labels'));
  for (const format of ALL_FORMATS) {
    if (['JSON', 'JSON_MIN', 'CSV', 'TSV', 'NDJSON'].includes(format)) {
      add(format, true, '');
      continue;
    }
    if (format === 'DOCLANG') {
      // Also with several data keys (export-formats.md §3).
      add(format, textArea, 'needs a TextArea, ReactCode or CustomInterface control');
      continue;
    }
    if (multiKey) {
      add(format, false, singleKeyReason);
      continue;
    }
    switch (format) {
      case 'CONLL2003':
        add(format, I.has('Text') && has('Labels'), 'needs a Text input and a Labels control');
        break;
      case 'VOC':
        add(
          format,
          !multiImage && I.has('Image') && (has('RectangleLabels') || (has('Rectangle') && has('Labels'))),
          multiImage ? 'multi-image tasks (valueList or Repeater) have no single image per task' : 'needs an Image input and RectangleLabels',
        );
        break;
      case 'COCO':
      case 'COCO_WITH_IMAGES':
      case 'YOLO':
      case 'YOLO_WITH_IMAGES':
      case 'YOLO_OBB':
      case 'YOLO_OBB_WITH_IMAGES': {
        const obb = format.startsWith('YOLO_OBB');
        let reason = '';
        if (multiImage) reason = 'multi-image tasks (valueList or Repeater) have no single image per task';
        else if (!imageDetect) reason = 'needs an Image input and RectangleLabels, PolygonLabels or KeyPointLabels';
        else if (!obb && has('KeyPointLabels') && !has('RectangleLabels')) reason = 'KeyPointLabels without RectangleLabels';
        else if (obb && I.has('Video') && has('TimelineLabels')) reason = 'video timeline labels have no oriented boxes';
        else if (keypointsWithoutIndex && has('KeyPointLabels') && (format.startsWith('COCO') || has('RectangleLabels')))
          reason = `KeyPointLabels "${Object.keys(config.schema).find((n) => config.schema[n] === keypointsWithoutIndex)}" has no model_index on its labels, so the keypoint order is unknown`;
        add(format, reason === '', reason);
        break;
      }
      case 'BRUSH_TO_NUMPY':
      case 'BRUSH_TO_PNG':
      case 'BRUSH_TO_COCO':
        add(
          format,
          I.has('Image') && (has('BrushLabels') || has('brushlabels') || (has('Brush') && has('Labels'))),
          'needs an Image input and BrushLabels',
        );
        break;
      case 'ASR_MANIFEST':
        add(format, (I.has('Audio') || I.has('AudioPlus')) && has('TextArea'), 'needs an Audio input and a TextArea');
        break;
      default:
        add(format, false, 'not implemented');
    }
  }
  return out;
}

/** Normalises a user-given format name (case-insensitive) or throws a usage error listing all. */
export function resolveFormatName(name: string): FormatName {
  const upper = name.trim().toUpperCase().replace(/-/g, '_');
  const found = ALL_FORMATS.find((f) => f === upper);
  if (!found) throw new UsageError(`unknown format "${name}"; known formats: ${ALL_FORMATS.join(', ')}`);
  return found;
}
