// The one data model: a Label Studio export task object (shared/spec/label-studio-export.md §2).
// Everything between a source and an encoder is a Task; key order of the objects is the order
// Label Studio's serializer writes them in, and sources must build them in that order.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** `completed_by` expanded: `{id, email, first_name, last_name}` (export order). */
export interface UserDetails {
  id: number;
  email?: string;
  first_name?: string;
  last_name?: string;
  [key: string]: Json | undefined;
}

export interface ResultRegion {
  id?: string;
  type?: string;
  from_name?: string;
  to_name?: string;
  value?: JsonObject;
  original_width?: number;
  original_height?: number;
  image_rotation?: number;
  parentID?: string;
  [key: string]: Json | undefined;
}

export interface Annotation {
  id: number;
  completed_by?: number | UserDetails | null;
  result?: ResultRegion[] | null;
  was_cancelled?: boolean;
  ground_truth?: boolean;
  created_at?: string | null;
  updated_at?: string | null;
  lead_time?: number | null;
  [key: string]: Json | undefined | UserDetails | ResultRegion[];
}

export interface Prediction {
  id: number;
  result?: ResultRegion[] | null;
  model_version?: string;
  score?: number | null;
  [key: string]: Json | undefined | ResultRegion[];
}

export interface Draft {
  id: number;
  user?: string;
  result?: ResultRegion[] | null;
  [key: string]: Json | undefined | ResultRegion[];
}

export interface Task {
  id: number;
  annotations?: Annotation[];
  /** Legacy exports name the list `completions`. */
  completions?: Annotation[];
  file_upload?: string;
  drafts?: Array<number | Draft>;
  predictions?: Array<number | Prediction>;
  data: JsonObject;
  meta?: JsonObject | null;
  created_at?: string;
  updated_at?: string;
  is_labeled?: boolean;
  inner_id?: number | null;
  total_annotations?: number;
  cancelled_annotations?: number;
  total_predictions?: number;
  project?: number;
  comment_authors?: number[];
  [RAW_JSON]?: Buffer;
  [key: string]: unknown;
}

/**
 * The exact JSON bytes a task was parsed from (file and stdin sources). Set only when the run has no
 * transform, so the text still equals the task: the JSON and NDJSON encoders then write it instead
 * of re-stringifying, which keeps the input's number forms (`1.0`, big integers) and key order, and
 * halves their CPU cost. JSON.stringify ignores symbol keys.
 */
export const RAW_JSON: unique symbol = Symbol('labelstream.rawJson');

/** Tasks travel in arrays: per-item hops cost more than the work at this scale. */
export type TaskBatch = Task[];

/** The annotation list of a task, whichever key the export used. */
export function annotationsOf(task: Task): Annotation[] {
  return task.annotations ?? task.completions ?? [];
}

/** True when `value` looks like a task object (what every source must produce). */
export function isTaskLike(value: unknown): value is Task {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { data?: unknown }).data === 'object' &&
    (value as { data?: unknown }).data !== null
  );
}
