// serialization_options (spec §5.2): drafts and predictions as ids or full objects, completed_by
// as id or {id,email,first_name,last_name}. Sources that can expand (databases) already produce
// what the spec asks for; for file sources this stage reduces objects to ids, and refuses to
// invent objects the input does not carry ("full" from an id-only input is an error).

import type { Transform } from '../contracts.js';
import { InputError } from '../errors.js';
import type { ExportSpec } from '../export-spec.js';
import type { Task } from '../task.js';

function idsOnly(list: unknown[] | undefined): unknown[] | undefined {
  if (!list) return list;
  return list.map((x) => (typeof x === 'object' && x !== null ? (x as { id: number }).id : x));
}

function requireFull(task: Task, key: 'drafts' | 'predictions', source: string): void {
  const list = task[key];
  if (list?.some((x) => typeof x !== 'object' || x === null)) {
    throw new InputError(
      `--${key} full needs ${key} as objects, but this input only has their ids (a snapshot/quick export or storage blob); ` +
        `read from the database to expand them, or use --${key} ids`,
      `${source}: task ${task.id}`,
    );
  }
}

export function serialization(spec: ExportSpec, sourceName: string): Transform | null {
  const { drafts, predictions, completedBy } = spec;
  const cbId = completedBy === 'id' || spec.removeUserDetails;
  if (!drafts && !predictions && !completedBy && !spec.removeUserDetails) return null;
  return (batch) => {
    for (const task of batch) {
      if (drafts === 'ids') task.drafts = idsOnly(task.drafts) as number[] | undefined;
      else if (drafts === 'full') requireFull(task, 'drafts', sourceName);
      if (predictions === 'ids') task.predictions = idsOnly(task.predictions) as number[] | undefined;
      else if (predictions === 'full') requireFull(task, 'predictions', sourceName);
      for (const a of task.annotations ?? task.completions ?? []) {
        const cb = a.completed_by;
        if (cbId && typeof cb === 'object' && cb !== null) a.completed_by = cb.id;
        else if (completedBy === 'full' && !spec.removeUserDetails && typeof cb === 'number') {
          throw new InputError(
            '--completed-by full needs user objects, but this input only has user ids; read from the database, or use --completed-by id',
            `${sourceName}: task ${task.id}, annotation ${a.id}`,
          );
        }
      }
    }
    return batch;
  };
}
