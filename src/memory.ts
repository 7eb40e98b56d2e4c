// Flat memory in practice, not just in theory. The pipeline's live heap is small and constant
// (one batch), but V8 lets garbage accumulate between full collections, and its heap-growth
// heuristics let that grow with the length of the run: peak RSS at 1M tasks ended up ~25% above
// 100k. A full GC every few tens of thousands of tasks (a few ms each on a ~10 MB live heap) keeps
// the peak where a short run has it. `--expose-gc` can be switched on at run time; the `gc`
// function is then read from a fresh context. LABELSTREAM_GC_EVERY=0 turns pacing off.

import { setFlagsFromString } from 'node:v8';
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

/** Returns a function to call once per batch with the number of tasks read so far. */
export function gcPacer(everyTasks = Number(process.env.LABELSTREAM_GC_EVERY ?? 25_000)): (tasksRead: number) => void {
  if (!(everyTasks > 0)) return () => undefined;
  const gc = getGc();
  if (!gc) return () => undefined;
  let next = everyTasks;
  return (tasksRead) => {
    if (tasksRead < next) return;
    next = tasksRead + everyTasks;
    gc();
  };
}
