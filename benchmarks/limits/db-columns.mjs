// The rows a full database export reads (src/sources/ls-render.ts field lists): tasks, annotations,
// predictions and drafts of the project, for the bare-read limit scripts.
import { ANNOTATION_FIELDS, DRAFT_FIELDS, PREDICTION_FIELDS, TASK_FIELDS } from '../../dist/sources/ls-render.js';

const cols = (fields, extra = []) => [...new Set([...extra, ...fields.map(([, c]) => c)])];

/** [table, columns, JSON columns] in read order. */
export const TABLES = [
  ['task', cols(TASK_FIELDS, ['id']), ['data', 'meta']],
  ['task_completion', cols(ANNOTATION_FIELDS, ['task_id']), ['result', 'prediction']],
  ['prediction', cols(PREDICTION_FIELDS, ['task_id']), ['result', 'neighbors']],
  ['tasks_annotationdraft', cols(DRAFT_FIELDS, ['task_id']), ['result']],
];
