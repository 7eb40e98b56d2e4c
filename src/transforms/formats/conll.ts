// CONLL2003 (export-formats.md §5 "CONLL2003", R9): `result.conll`, first line
// `-DOCSTART- -X- O`, then per item the tokens of data[<first data key>] as `<token> -X- _ <tag>`
// lines and an empty line. Spans come from the first output whose tag type is Labels; tagging
// reproduces the converter's `create_tokens_and_tags`, quirks included (a partially covered
// token is tagged whole; of two spans inside one token only one counts).
// F7: an item whose text is missing, not a string, or cannot be aligned with its tokens is
// skipped with a warning and counted, instead of failing the export.
//
// spaCy option: `spacy convert` (converter `conll`/`ner`) only recognises the document separator
// `-DOCSTART- -X- O O` and reads the last column as the IOB tag, so the converter's 3-column first
// line is read as a token line and breaks the conversion (Label Studio's docs tell users to edit
// it by hand). With `--conll-spacy` (env LABELSTREAM_CONLL_SPACY=1) the first lines are
// `-DOCSTART- -X- O O` and an empty line, and whitespace inside a label is written as `_` (a column
// file cannot hold it). The default stays the converter's bytes.

import type { Encoder, EncoderContext } from '../../contracts.js';
import type { LabelConfig } from '../../label-config.js';
import { countSkip } from '../../run-context.js';
import type { Json, JsonObject, TaskBatch } from '../../task.js';
import { type Item, countedItems, type Region } from './items.js';
import { requireLabelConfig } from './require-config.js';
import { singleFileEntry } from './single-file.js';
import { TokenAlignmentError, treebankSpanTokenize } from './treebank.js';

export interface ConllOptions {
  /** Write a first line `spacy convert` accepts (see above). */
  spacy?: boolean;
}

function truthy(v: Json | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Python `str()` of a label (labels are strings in practice). */
function labelText(labels: Json): string {
  const first = Array.isArray(labels) ? labels[0] : typeof labels === 'string' ? labels[0] : labels;
  if (typeof first === 'string') return first;
  if (first === null) return 'None';
  if (typeof first === 'boolean') return first ? 'True' : 'False';
  return typeof first === 'number' ? String(first) : JSON.stringify(first);
}

function hasBounds(r: JsonObject): boolean {
  return r.start !== undefined && r.start !== null && r.end !== undefined && r.end !== null;
}

/** `create_tokens_and_tags`: the tokens of `text` and one IOB tag per token. */
export function tokensAndTags(text: string, spans: Region[] | undefined): { tokens: string[]; tags: string[] } {
  const toks = treebankSpanTokenize(text);
  const tokens = toks.map((t) => t.text);
  if (!spans || spans.length === 0 || !spans.every(hasBounds)) return { tokens, tags: tokens.map(() => 'O') };
  const queue = [...spans].sort((a, b) => (a.start as number) - (b.start as number));
  let span = queue.shift()!;
  let spanStart = span.start as number;
  let spanEnd = (span.end as number) - 1;
  let prefix = 'B-';
  const tags: string[] = [];
  for (const tok of toks) {
    const tokenEnd = tok.end - 1;
    if (tok.start > spanEnd) {
      while (queue.length > 0) {
        span = queue.shift()!;
        spanStart = span.start as number;
        spanEnd = (span.end as number) - 1;
        prefix = 'B-';
        if (tok.start <= spanEnd) break;
      }
    }
    if (tokenEnd < spanStart || !truthy(span.labels)) {
      tags.push('O');
    } else if (spanStart <= tokenEnd && spanEnd >= tok.start) {
      tags.push(prefix + labelText(span.labels));
      prefix = 'I-';
    } else {
      tags.push('O');
    }
  }
  return { tokens, tags };
}

/** The regions of the first output whose tag type is `labels` (any case). */
function labelSpans(item: Item): Region[] | undefined {
  for (const regions of item.output.values()) {
    if (typeof regions[0]?.type === 'string' && regions[0].type.toLowerCase() === 'labels') return regions;
  }
  return undefined;
}

function skip(ctx: EncoderContext, item: Item, reason: string): void {
  countSkip(ctx.stats, `CONLL2003: ${reason}`);
  ctx.log.warn({ task: item.id, annotation: item.annotation_id }, `CONLL2003: item skipped: ${reason}`);
}

/** The lines of one item (sentence + empty line), or null when it is skipped. */
export function conllSentence(item: Item, dataKey: string | undefined, ctx: EncoderContext, opts: ConllOptions = {}): string | null {
  const text = dataKey === undefined ? undefined : item.input[dataKey];
  if (text === undefined) {
    skip(ctx, item, `data has no key "${dataKey ?? '(no data key in the config)'}"`);
    return null;
  }
  if (typeof text !== 'string') {
    skip(ctx, item, `data["${dataKey}"] is not a string`);
    return null;
  }
  let result: { tokens: string[]; tags: string[] };
  try {
    result = tokensAndTags(text, labelSpans(item));
  } catch (e) {
    if (!(e instanceof TokenAlignmentError)) throw e;
    skip(ctx, item, `token alignment failed (${e.message})`);
    return null;
  }
  let out = '';
  for (let i = 0; i < result.tokens.length; i++) {
    const tag = opts.spacy ? result.tags[i].replace(/\s/g, '_') : result.tags[i];
    out += `${result.tokens[i]} -X- _ ${tag}\n`;
  }
  return `${out}\n`;
}

export function spacyFromEnv(): boolean {
  const v = process.env.LABELSTREAM_CONLL_SPACY;
  return v === '1' || v === 'true' || v === 'yes';
}

async function* conllText(tasks: AsyncIterable<TaskBatch>, ctx: EncoderContext, config: LabelConfig, opts: ConllOptions): AsyncGenerator<string> {
  yield opts.spacy ? '-DOCSTART- -X- O O\n\n' : '-DOCSTART- -X- O\n';
  const dataKey = config.dataKeys[0];
  for await (const batch of tasks) {
    let text = '';
    for (const task of batch) {
      for (const item of countedItems(task, config, ctx.stats)) text += conllSentence(item, dataKey, ctx, opts) ?? '';
    }
    if (text) yield text;
  }
}

export function conllEncoder(opts?: ConllOptions): Encoder {
  return async function* (tasks, ctx) {
    const config = requireLabelConfig(ctx, 'CONLL2003');
    yield singleFileEntry('result.conll', conllText(tasks, ctx, config, opts ?? { spacy: ctx.conllSpacy ?? spacyFromEnv() }));
  };
}

export const encodeConll = conllEncoder();
