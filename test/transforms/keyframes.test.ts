import { describe, expect, it } from 'vitest';
import { interpolateResult } from '../../src/transforms/keyframes.js';

// Expected values worked out by hand from spec §5.4 (label-studio-sdk postprocessing/video.py).
const box = (frame: number, enabled: boolean, x: number, time: number) => ({ frame, enabled, x, y: 0, width: 10, height: 10, rotation: 0, time });

describe('interpolate key frames', () => {
  it('fills frames between an enabled keyframe and the next one, marking them auto', () => {
    const r = interpolateResult([
      { id: 'a', type: 'videorectangle', value: { framesCount: 5, duration: 0.2, sequence: [box(3, false, 20, 0.12), box(1, true, 0, 0.04)] } },
    ]);
    expect((r[0].value as { sequence: unknown[] }).sequence).toEqual([
      box(1, true, 0, 0.04),
      { ...box(2, true, 10, 0.08), auto: true },
      box(3, false, 20, 0.12),
    ]);
  });

  it('extends the last enabled keyframe to framesCount, spreading time over the duration', () => {
    const r = interpolateResult([{ type: 'videorectangle', value: { framesCount: 6, duration: 0.24, sequence: [box(4, true, 5, 0.16)] } }]);
    expect((r[0].value as { sequence: unknown[] }).sequence).toEqual([
      box(4, true, 5, 0.16),
      { ...box(5, true, 5, 0.2), auto: true },
      { ...box(6, true, 5, 0.24), auto: true },
    ]);
  });

  it('passes other result types through and drops tracking results with an empty sequence', () => {
    const other = { type: 'choices', value: { choices: ['x'] } };
    expect(interpolateResult([other, { type: 'videorectangle', value: { sequence: [] } }])).toEqual([other]);
  });
});
