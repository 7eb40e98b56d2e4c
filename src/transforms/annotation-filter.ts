// annotation_filter_options (spec §5.2): keep annotations matching any enabled kind
// (usual = not cancelled and not ground truth; ground_truth; skipped = cancelled). No kinds
// enabled means no filter. Then --only-with-annotations drops tasks left with none.

import type { Transform } from '../contracts.js';
import type { AnnotationKinds, ExportSpec } from '../export-spec.js';
import { countDrop } from '../run-context.js';
import type { Annotation, Task } from '../task.js';

function keepAnnotation(kinds: AnnotationKinds, a: Annotation): boolean {
  const cancelled = a.was_cancelled === true;
  const gt = a.ground_truth === true;
  return (kinds.usual && !cancelled && !gt) || (kinds.ground_truth && gt) || (kinds.skipped && cancelled);
}

/** `applied`: the source already kept only the wanted annotation kinds. */
export function annotationFilter(spec: ExportSpec, applied = false): Transform | null {
  const kinds = spec.annotations;
  const filtering = !applied && kinds !== undefined && (kinds.usual || kinds.ground_truth || kinds.skipped);
  if (!filtering && !spec.onlyWithAnnotations) return null;
  return (batch, ctx) => {
    const kept: Task[] = [];
    for (const task of batch) {
      const key = task.annotations !== undefined ? 'annotations' : task.completions !== undefined ? 'completions' : undefined;
      let list = key ? (task[key] as Annotation[]) : [];
      if (filtering && key) {
        const filtered = list.filter((a) => keepAnnotation(kinds, a));
        ctx.stats.annotationsDropped += list.length - filtered.length;
        if (filtered.length !== list.length) task[key] = filtered;
        list = filtered;
      }
      if (spec.onlyWithAnnotations && list.length === 0) {
        countDrop(ctx.stats, 'only-with-annotations');
        continue;
      }
      kept.push(task);
    }
    return kept;
  };
}
