// Task filters (spec §5.1–5.2 task_filter_options, plus ids, updated-since and sharding).
// Applied before the annotation filter, on all of a task's annotations, like Label Studio.
// Each dropped task is counted under the filter that dropped it.

import type { Transform } from '../contracts.js';
import { type ExportSpec, idSelected, type OnlyExclude } from '../export-spec.js';
import { countDrop } from '../run-context.js';
import { annotationsOf, type Task } from '../task.js';

type Predicate = (task: Task) => boolean;

function onlyExclude(mode: OnlyExclude | undefined, test: Predicate): Predicate | null {
  if (!mode) return null;
  return mode === 'only' ? test : (t) => !test(t);
}

/** Label Studio's `is_labeled`; an export file may not carry it, then: ≥1 non-cancelled annotation. */
function isLabeled(task: Task): boolean {
  if (typeof task.is_labeled === 'boolean') return task.is_labeled;
  return annotationsOf(task).some((a) => !a.was_cancelled);
}

function updatedSince(since: string): Predicate {
  const t0 = Date.parse(since);
  const at = (s: unknown) => (typeof s === 'string' ? Date.parse(s) : Number.NaN);
  return (task) => at(task.updated_at) >= t0 || annotationsOf(task).some((a) => at(a.updated_at) >= t0);
}

/** `applied`: filters the source already applied (by reason), left out here. */
export function taskFilter(spec: ExportSpec, applied?: ReadonlySet<string>): Transform | null {
  const checks: Array<[string, Predicate]> = [];
  const add = (reason: string, p: Predicate | null) => {
    if (p && !applied?.has(reason)) checks.push([reason, p]);
  };
  const ids = spec.ids;
  add('ids', ids ? (t) => idSelected(ids, t.id) : null);
  const shard = spec.shard;
  add('shard', shard ? (t) => ((t.id % shard.count) + shard.count) % shard.count === shard.index : null);
  add('updated-since', spec.updatedSince ? updatedSince(spec.updatedSince) : null);
  add('only-annotated', spec.onlyAnnotated ? (t) => annotationsOf(t).length > 0 : null);
  add('skipped', onlyExclude(spec.skipped, (t) => annotationsOf(t).some((a) => a.was_cancelled === true)));
  add('finished', onlyExclude(spec.finished, isLabeled));
  add('annotated', onlyExclude(spec.annotated, (t) => annotationsOf(t).some((a) => !a.was_cancelled)));
  if (checks.length === 0) return null;
  return (batch, ctx) => {
    const kept: Task[] = [];
    outer: for (const task of batch) {
      for (const [reason, keep] of checks) {
        if (!keep(task)) {
          countDrop(ctx.stats, reason);
          continue outer;
        }
      }
      kept.push(task);
    }
    return kept;
  };
}
