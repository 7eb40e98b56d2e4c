import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, CONFORMANCE, runCli, summaryOf } from './support/cli.js';

const fixtures = readdirSync(CONFORMANCE).filter((f) => existsSync(join(CONFORMANCE, f, 'input.json')));
const tmp = () => mkdtempSync(join(tmpdir(), 'ls-cli-'));

// A small hand-made project covering the option semantics of spec §5.
function project() {
  const ann = (id: number, extra: Record<string, unknown> = {}) => ({
    id,
    completed_by: { id: 7, email: 'ann@x.io', first_name: 'Ann', last_name: 'Lee' },
    result: [{ id: `r${id}`, type: 'choices', from_name: 'sentiment', to_name: 'text', value: { choices: ['pos'] } }],
    was_cancelled: false,
    ground_truth: false,
    created_at: `2024-01-0${id}T00:00:00Z`,
    updated_at: `2024-01-0${id}T00:00:00Z`,
    lead_time: 1.5,
    ...extra,
  });
  return [
    { id: 1, annotations: [ann(1)], drafts: [{ id: 11, user: 'bob@x.io', created_username: 'Bob bob@x.io, 8', result: [] }], predictions: [5], data: { text: 'a' }, updated_at: '2024-01-01T00:00:00Z' },
    { id: 2, annotations: [ann(2, { was_cancelled: true, result: [] })], drafts: [], predictions: [], data: { text: 'b' }, updated_at: '2024-02-01T00:00:00Z' },
    { id: 3, annotations: [ann(3, { ground_truth: true })], drafts: [], predictions: [], data: { text: 'c ü "q" \\ /' }, updated_at: '2024-03-01T00:00:00Z' },
    { id: 4, annotations: [], drafts: [], predictions: [], data: { text: 'd' }, updated_at: '2024-04-01T00:00:00Z' },
    { id: 5, annotations: [ann(4), ann(5, { was_cancelled: true, result: [] })], drafts: [], predictions: [], data: { text: 'e' }, updated_at: '2023-01-01T00:00:00Z' },
  ];
}
const ndjson = (tasks: unknown[]) => tasks.map((t) => JSON.stringify(t)).join('\n');

describe('export: JSON round trip', () => {
  it.each(fixtures)('re-exports %s as JSON with default options, deep-equal to the input', async (f) => {
    const out = join(tmp(), 'out.json');
    const r = await runCli(['export', '--from', join(CONFORMANCE, f, 'input.json'), '--to', out, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const input = JSON.parse(readFileSync(join(CONFORMANCE, f, 'input.json'), 'utf8'));
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(Array.isArray(input) ? input : [input]);
    expect(summaryOf(r).tasksWritten).toBe(Array.isArray(input) ? input.length : 1);
  });

  it('reads NDJSON from stdin and writes NDJSON to stdout, the same tasks', async () => {
    const tasks = project();
    const r = await runCli(['export', '--from', '-', '--to', '-', '--format', 'NDJSON'], { input: ndjson(tasks) });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual(tasks);
  });

  it('sniffs a pretty-printed JSON array with a BOM on stdin', async () => {
    const tasks = project();
    const r = await runCli(['export', '--from', '-', '--to', '-'], { input: `\uFEFF${JSON.stringify(tasks, null, 2)}` });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toEqual(tasks);
  });

  it('passes untouched tasks through as their exact text (float forms, big integers); a transform re-serialises', async () => {
    const input = '[{"id":1,"data":{"x":1.0,"big":12345678901234567890,"s":"a\\/b"}}]';
    const same = await runCli(['export', '--from', '-', '--to', '-'], { input });
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout.toString()).toBe('[\n{"id":1,"data":{"x":1.0,"big":12345678901234567890,"s":"a\\/b"}}\n]\n');
    const nd = await runCli(['export', '--from', '-', '--to', '-', '--format', 'NDJSON'], { input });
    expect(nd.stdout.toString()).toBe('{"id":1,"data":{"x":1.0,"big":12345678901234567890,"s":"a\\/b"}}\n');
    const filtered = await runCli(['export', '--from', '-', '--to', '-', '--ids', '1'], { input });
    expect(filtered.stdout.toString()).toBe('[\n{"id":1,"data":{"x":1,"big":12345678901234567000,"s":"a/b"}}\n]\n');
  });

  it('writes an empty array for an empty export', async () => {
    const r = await runCli(['export', '--from', '-', '--to', '-'], { input: '[]' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toEqual([]);
  });
});

describe('export: Label Studio options', () => {
  const exportWith = async (args: string[]) => {
    const r = await runCli(['export', '--from', '-', '--to', '-', '--format', 'NDJSON', ...args], { input: ndjson(project()) });
    expect(r.code, r.stderr).toBe(0);
    const tasks = r.stdout.toString().trim() === '' ? [] : r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    return { tasks, summary: summaryOf(r) };
  };

  it('--only-annotated keeps tasks with any annotation row (skipped ones count)', async () => {
    const { tasks, summary } = await exportWith(['--only-annotated']);
    expect(tasks.map((t) => t.id)).toEqual([1, 2, 3, 5]);
    expect(summary.dropped).toEqual({ 'only-annotated': 1 });
  });

  it('--skipped only / exclude', async () => {
    expect((await exportWith(['--skipped', 'only'])).tasks.map((t) => t.id)).toEqual([2, 5]);
    expect((await exportWith(['--skipped', 'exclude'])).tasks.map((t) => t.id)).toEqual([1, 3, 4]);
  });

  it('--annotated only keeps tasks with a non-skipped annotation; --finished exclude the rest', async () => {
    expect((await exportWith(['--annotated', 'only'])).tasks.map((t) => t.id)).toEqual([1, 3, 5]);
    expect((await exportWith(['--finished', 'exclude'])).tasks.map((t) => t.id)).toEqual([2, 4]);
  });

  it('--annotations usual drops skipped and ground truth; --only-with-annotations then drops emptied tasks', async () => {
    const { tasks, summary } = await exportWith(['--annotations', 'usual', '--only-with-annotations']);
    expect(tasks.map((t) => [t.id, t.annotations.map((a: { id: number }) => a.id)])).toEqual([
      [1, [1]],
      [5, [4]],
    ]);
    expect(summary.dropped).toEqual({ 'only-with-annotations': 3 });
    expect(summary.annotationsDropped).toBe(3);
  });

  it('--annotations ground_truth,skipped is an OR of the kinds', async () => {
    const { tasks } = await exportWith(['--annotations', 'ground_truth,skipped']);
    expect(tasks.map((t) => t.annotations.map((a: { id: number }) => a.id))).toEqual([[], [2], [3], [], [5]]);
  });

  it('--ids with ranges and @file, --shard and --updated-since', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'ids.txt'), '5\n');
    expect((await exportWith(['--ids', `1,3-4,@${join(dir, 'ids.txt')}`])).tasks.map((t) => t.id)).toEqual([1, 3, 4, 5]);
    expect((await exportWith(['--shard', '1/2'])).tasks.map((t) => t.id)).toEqual([1, 3, 5]);
    expect((await exportWith(['--updated-since', '2024-02-01T00:00:00Z'])).tasks.map((t) => t.id)).toEqual([2, 3, 4]);
  });

  it('--remove-user-details leaves no email or name anywhere', async () => {
    const { tasks } = await exportWith(['--remove-user-details']);
    const text = JSON.stringify(tasks);
    expect(text).not.toMatch(/@x\.io|Ann|Lee|Bob/);
    expect(tasks[0].annotations[0].completed_by).toBe(7);
  });

  it('--drafts ids reduces objects to ids; --drafts full on id-only predictions is an error that says so', async () => {
    const { tasks } = await exportWith(['--drafts', 'ids', '--completed-by', 'id']);
    expect(tasks[0].drafts).toEqual([11]);
    expect(tasks[0].annotations[0].completed_by).toBe(7);
    const r = await runCli(['export', '--from', '-', '--to', '-', '--predictions', 'full'], { input: ndjson(project()) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--predictions full needs predictions as objects/);
  });

  it('--preset snapshot gives ids everywhere and keeps all tasks', async () => {
    const { tasks } = await exportWith(['--preset', 'snapshot']);
    expect(tasks).toHaveLength(5);
    expect(tasks[0].drafts).toEqual([11]);
    expect(tasks[0].annotations[0].completed_by).toBe(7);
  });

  it('reads options from LABELSTREAM_* variables and a --config file; flags win', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ format: 'JSON', 'only-annotated': true, ids: '1-3' }));
    const r = await runCli(['export', '--config', join(dir, 'cfg.json'), '--ids', '1,2'], {
      input: ndjson(project()),
      env: { LABELSTREAM_FROM: '-', LABELSTREAM_TO: '-', LABELSTREAM_FORMAT: 'NDJSON' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l).id)).toEqual([1, 2]);
  });
});

describe('export: sources and sinks', () => {
  it('reads a directory of per-task blobs (<id>.json and <id>), counting other files', async () => {
    const dir = tmp();
    const tasks = project();
    writeFileSync(join(dir, '1.json'), JSON.stringify(tasks[0], null, 2));
    writeFileSync(join(dir, '2'), JSON.stringify(tasks[1]));
    writeFileSync(join(dir, 'README.txt'), 'not a task');
    const r = await runCli(['export', '--from', dir, '--to', '-', '--format', 'NDJSON']);
    expect(r.code, r.stderr).toBe(0);
    const ids = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l).id).sort();
    expect(ids).toEqual([1, 2]);
    expect(summaryOf(r).dropped).toEqual({ 'not a task blob name': 1 });
  });

  it('writes a directory sink with the converter file name', async () => {
    const dir = join(tmp(), 'out/');
    const r = await runCli(['export', '--from', join(CONFORMANCE, 'yolo_data/input.json'), '--to', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual(['result.json']);
  });

  it('writes single-file formats into .zip and .tar archives', async () => {
    const dir = tmp();
    for (const ext of ['zip', 'tar']) {
      const r = await runCli(['export', '--from', join(CONFORMANCE, 'yolo_data/input.json'), '--to', join(dir, `out.${ext}`)]);
      expect(r.code, r.stderr).toBe(0);
      const bytes = readFileSync(join(dir, `out.${ext}`));
      expect(bytes.length).toBeGreaterThan(100);
      expect(bytes.includes(Buffer.from('result.json'))).toBe(true);
    }
    expect(readFileSync(join(dir, 'out.zip')).subarray(0, 2).toString()).toBe('PK');
  });

  it('writes into a named pipe (or /dev/null) in place instead of renaming a file over it', async () => {
    const fifo = join(tmp(), 'pipe');
    execFileSync('mkfifo', [fifo]);
    const chunks: Buffer[] = [];
    const read = new Promise<void>((resolve, reject) => {
      createReadStream(fifo).on('data', (c) => chunks.push(c as Buffer)).on('end', resolve).on('error', reject);
    });
    const r = await runCli(['export', '--from', join(CONFORMANCE, 'yolo_data/input.json'), '--to', fifo, '--format', 'NDJSON']);
    await read;
    expect(r.code, r.stderr).toBe(0);
    expect(Buffer.concat(chunks).toString().trim().split('\n').length).toBeGreaterThan(0);
    expect(statSync(fifo).isFIFO()).toBe(true);
  });
});

describe('export: errors, exit codes and atomic output', () => {
  const bad = '[{"id":1,"data":{}},\n{"id":2,"data":{"x":1},},\n{"id":3,"data":{}},\n42]';

  it('a malformed element fails the run naming the source, element and byte, and leaves no file', async () => {
    const out = join(tmp(), 'out.json');
    const r = await runCli(['export', '--from', '-', '--to', out], { input: bad });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stdin: element 1 \(byte 21\): malformed JSON/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(join(out, '..'))).toEqual([]);
  });

  it('--max-errors continues, writes the error report, and exits 3', async () => {
    const dir = tmp();
    const out = join(dir, 'out.json');
    const report = join(dir, 'errors.ndjson');
    const r = await runCli(['export', '--from', '-', '--to', out, '--max-errors', '5', '--error-report', report], { input: bad });
    expect(r.code, r.stderr).toBe(3);
    expect(JSON.parse(readFileSync(out, 'utf8')).map((t: { id: number }) => t.id)).toEqual([1, 3]);
    const lines = readFileSync(report, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.reason)).toEqual([expect.stringMatching(/malformed JSON/), expect.stringMatching(/not a Label Studio task/)]);
    expect(summaryOf(r).rejected).toBe(2);
  });

  it('--max-errors 1 fails once a second record is rejected', async () => {
    const r = await runCli(['export', '--from', '-', '--to', '-', '--max-errors', '1', '--error-report', join(tmp(), 'e')], { input: bad });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/more than --max-errors 1/);
  });

  it('an unknown format is a usage error listing the known ones', async () => {
    const r = await runCli(['export', '--from', '-', '--to', '-', '--format', 'PARQUET'], { input: '[]' });
    expect(r.code).toBe(2);
    expect(r.logs.at(-1)?.msg).toMatch(/unknown format "PARQUET"; known formats: JSON, JSON_MIN/);
  });

  it('JSON_MIN without a label config is a usage error that says what to pass', async () => {
    const r = await runCli(['export', '--from', '-', '--to', '-', '--format', 'JSON_MIN'], { input: '[]' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--label-config/);
  });

  it('a missing source file is a usage error', async () => {
    const r = await runCli(['export', '--from', '/nonexistent/x.json', '--to', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no such file/);
  });

  it('SIGTERM stops cleanly with exit 130 and no partial file at the destination', async () => {
    const dir = tmp();
    const out = join(dir, 'out.json');
    const child = spawn(process.execPath, [CLI, 'export', '--from', '-', '--to', out, '--batch-size', '1'], {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, LABELSTREAM_PROGRESS: '0' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => undefined);
    child.stdin.write('[');
    for (let i = 0; i < 200; i++) child.stdin.write(`${i ? ',' : ''}{"id":${i},"data":{"t":"${'x'.repeat(1000)}"}}`);
    // Wait until the export is under way (its temp file exists), however slow the machine is.
    for (let waited = 0; readdirSync(dir).length === 0 && waited < 20_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(dir)[0]).toMatch(/labelstream-tmp/);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(130);
    expect(stderr).toMatch(/stopping/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('formats command', () => {
  it('explains which formats a config supports', async () => {
    const r = await runCli(['formats', '--label-config', join(CONFORMANCE, 'json_min_repeater/config.json'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout.toString()) as Array<{ format: string; supported: boolean; reason?: string }>;
    expect(rows.find((x) => x.format === 'JSON_MIN')?.supported).toBe(true);
    expect(rows.find((x) => x.format === 'COCO')).toMatchObject({ supported: false, reason: expect.stringMatching(/multi-image/) });
  });
});
