// --interpolate-key-frames (spec §5.4): expand each videorectangle result's keyframes into every
// frame, as label-studio-sdk's postprocessing does: generated frames are linear interpolations
// between enabled keyframes, marked `auto: true`, `time` rounded to 2 dp; the last enabled
// keyframe runs to `framesCount`. A tracking result with an empty sequence is dropped.
// Only annotations are interpolated (never predictions or drafts).

import type { Transform } from '../contracts.js';
import type { ExportSpec } from '../export-spec.js';
import type { LabelConfig } from '../label-config.js';
import type { JsonObject, ResultRegion } from '../task.js';

type Frame = JsonObject & { frame: number; enabled?: boolean };
const FIELDS = ['x', 'y', 'rotation', 'width', 'height', 'time'] as const;

function round2(x: number): number {
  return Number(x.toFixed(2));
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function between(f1: Frame, f2: Frame | undefined, framesCount: number, duration: number, excludeFirst: boolean): Frame[] {
  if (!f1.enabled) return [];
  let count: number;
  if (f2) {
    if (f1.frame > f2.frame) return [];
    count = f2.frame - f1.frame + 1;
  } else {
    count = framesCount - f1.frame + 1;
  }
  const out: Frame[] = [];
  for (let i = excludeFirst ? 1 : 0; i < count; i++) {
    const frameNumber = i + f1.frame;
    const delta = i / Math.max(1, count - 1);
    const d: Record<string, number> = {};
    for (const v of FIELDS) d[v] = !f2 || f1[v] === f2[v] ? 0 : (num(f2[v]) - num(f1[v])) * delta;
    if (frameNumber === f1.frame || (f2 && frameNumber === f2.frame)) continue;
    const r: Frame = {
      ...structuredClone(f1),
      x: num(f1.x) + d.x,
      y: num(f1.y) + d.y,
      width: num(f1.width) + d.width,
      height: num(f1.height) + d.height,
      rotation: num(f1.rotation) + d.rotation,
      frame: frameNumber,
      time: round2(num(f1.time) + d.time),
    };
    r.auto = true;
    if (d.time === 0 && duration > 0) r.time = round2(num(f1.time) + delta * (duration - num(f1.time)));
    out.push(r);
  }
  return out;
}

export function interpolateResult(results: ResultRegion[]): ResultRegion[] {
  const out: ResultRegion[] = [];
  for (const r of results) {
    if (typeof r.type !== 'string' || r.type.toLowerCase() !== 'videorectangle') {
      out.push(r);
      continue;
    }
    const value = (r.value ?? {}) as JsonObject;
    const seq = ((value.sequence as Frame[] | undefined) ?? []).slice().sort((a, b) => a.frame - b.frame);
    if (seq.length < 1) continue;
    const framesCount = num(value.framesCount);
    const duration = num(value.duration);
    const all: Frame[] = structuredClone((value.sequence as Frame[]) ?? []);
    let excludeFirst = false;
    for (let i = 0; i < seq.length; i++) {
      all.push(...between(seq[i], seq[i + 1], framesCount, duration, excludeFirst));
      excludeFirst = seq[i].enabled === true;
    }
    all.sort((a, b) => a.frame - b.frame);
    out.push({ ...r, value: { ...value, sequence: all } });
  }
  return out;
}

export function keyframes(spec: ExportSpec, config: LabelConfig | undefined): Transform | null {
  if (!spec.interpolateKeyFrames) return null;
  // Label Studio interpolates only when the project has a VideoRectangle control.
  if (config && !Object.values(config.schema).some((t) => t.type === 'VideoRectangle')) return null;
  return (batch) => {
    for (const task of batch) {
      for (const a of task.annotations ?? task.completions ?? []) {
        if (Array.isArray(a.result)) a.result = interpolateResult(a.result);
      }
    }
    return batch;
  };
}
