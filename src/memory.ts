// Flat memory in practice, not just in theory. The pipeline's live heap is small and constant
// (one batch), but V8 lets garbage accumulate between full collections, and its heap-growth
// heuristics let that grow with the length of the run: peak RSS at 1M tasks ended up ~25% above
// 100k. A full GC every few tens of thousands of tasks (a few ms each on a ~10 MB live heap) keeps
// the peak where a short run has it. `--expose-gc` can be switched on at run time; the `gc`
// function is then read from a fresh context. LABELSTREAM_GC_EVERY=0 turns pacing off.
//
// Task counts alone were not enough for encoders that promote more per task (CSV, COCO): between
// two paced GCs V8's own limit let the heap reach 80–100 MB, higher the longer the run. So the
// pacer also collects when the heap has grown LABELSTREAM_GC_BUDGET_MB (default 32) above what the
// last paced GC left. Measured (JSON array input, --to null, peak RSS 100k → 1M): CSV 151 → 178 MB
// without, 148 → 151 with; COCO 176 → 200 vs 166 → 180; YOLO 174 → 179 vs 161 → 163; CPU ±5%.

import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFn: (() => void) | null | undefined;

function getGc(): (() => void) | null {
  if (gcFn !== undefined) return gcFn;
  try {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  } catch {
    gcFn = null;
  }
  return gcFn;
}

/** The heap is looked at (getHeapStatistics, ~0.4 µs) at most once per this many tasks. */
const CHECK_EVERY = 500;

/**
 * Returns a function to call once per batch (or per task) with the number of tasks read so far:
 * a full GC every `everyTasks` tasks, or sooner once the heap has grown `budgetMb` since the last.
 */
export function gcPacer(
  everyTasks = Number(process.env.LABELSTREAM_GC_EVERY ?? 25_000),
  budgetMb = Number(process.env.LABELSTREAM_GC_BUDGET_MB ?? 32),
): (tasksRead: number) => void {
  if (!(everyTasks > 0)) return () => undefined;
  const gc = getGc();
  if (!gc) return () => undefined;
  const budget = budgetMb > 0 ? budgetMb * 1024 * 1024 : Infinity;
  let next = everyTasks;
  let nextCheck = CHECK_EVERY;
  let limit = Infinity;
  return (tasksRead) => {
    if (tasksRead < next) {
      if (tasksRead < nextCheck) return;
      nextCheck = tasksRead + CHECK_EVERY;
      if (heldBytes() <= limit) return;
    }
    next = tasksRead + everyTasks;
    gc();
    limit = heldBytes() + budget;
  };
}

/**
 * The JS heap plus the Buffers its objects hold (external memory): the database sources keep
 * their rows as Buffers (pg-copy.ts), which only a GC of their small JS wrappers frees.
 */
function heldBytes(): number {
  const h = getHeapStatistics();
  return h.used_heap_size + h.external_memory;
}
