// --layout per-task: <task_id>.json files in Label Studio's target-storage text (Python
// json.dumps). Python itself is the reference: re-serialising each blob with json.dumps must give
// the same bytes. Reading the folder back must give the converter's JSON reference output.

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE, runCli } from '../../support/cli.js';

const exec = promisify(execFile);

// Prints the names of files whose text differs from json.dumps(json.loads(text)).
const PY_CHECK = `
import json, sys
bad = []
for p in sys.argv[1:]:
    text = open(p, encoding='ascii').read()
    if json.dumps(json.loads(text)) != text:
        bad.append(p)
print(json.dumps(bad))
`;

async function pythonMismatches(files: string[]): Promise<string[]> {
  const r = await exec('python3', ['-c', PY_CHECK, ...files]);
  return JSON.parse(r.stdout) as string[];
}

async function compareJson(expected: string, actual: string): Promise<number> {
  try {
    await exec(process.execPath, [join(CONFORMANCE, 'compare.mjs'), '--format', 'JSON', expected, actual]);
    return 0;
  } catch (e) {
    return (e as { code: number }).code;
  }
}

describe('--layout per-task', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'labelstream-per-task-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it.each(['csv_test', 'yolo_data', 'doclang_data', 'chat_data_chat', 'yolo_keypoints'])(
    '%s: one <task_id>.json per task in json.dumps text; reading the folder back matches the reference',
    async (fixture) => {
      const dir = join(tmp, fixture);
      const r = await runCli(['export', '--from', join(CONFORMANCE, fixture, 'input.json'), '--to', `${dir}/`, '--format', 'JSON', '--layout', 'per-task']);
      expect(r.code, r.stderr).toBe(0);
      const files = (await readdir(dir)).sort();
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(f).toMatch(/^\d+\.json$/);
      expect(await pythonMismatches(files.map((f) => join(dir, f)))).toEqual([]);
      const out = join(tmp, `${fixture}.json`);
      const back = await runCli(['export', '--from', dir, '--to', out, '--format', 'JSON']);
      expect(back.code, back.stderr).toBe(0);
      expect(await compareJson(join(CONFORMANCE, fixture, 'JSON'), out)).toBe(0);
    },
  );

  it('escapes non-ASCII and control characters and writes floats the way Python does', async () => {
    const input = join(tmp, 'tricky.json');
    const task = {
      id: 7,
      data: { text: 'größe 中文 😀 tab\there "quoted" back\\slash \u0001 \u007f / end', n: [0.1, 1e-5, 1.5e-7, 1e16, 2.5e21, 123456789012, -0.5, 3] },
      annotations: [],
      meta: { 'ключ': 'значение' },
    };
    await writeFile(input, JSON.stringify([task]));
    const dir = join(tmp, 'tricky');
    const r = await runCli(['export', '--from', input, '--to', `${dir}/`, '--format', 'JSON', '--layout', 'per-task']);
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(dir)).toEqual(['7.json']);
    expect(await pythonMismatches([join(dir, '7.json')])).toEqual([]);
  });

  it('is refused for formats other than JSON', async () => {
    const r = await runCli(['export', '--from', join(CONFORMANCE, 'csv_test', 'input.json'), '--to', `${tmp}/nd/`, '--format', 'NDJSON', '--layout', 'per-task']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--layout per-task/);
  });
});
