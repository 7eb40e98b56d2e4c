// Conformance: every fixture of shared/conformance × every format its status.json lists that
// labelstream implements, run through the real CLI (dist/cli.js, built by the global setup) and
// checked with the shared compare.mjs, with the expectation rules of conformance/README.md §4:
// expected-fixed/fixes.json "output" → compare with expected-fixed/<dir>; "error" → non-zero exit
// and no output files; status rc 0 → compare with <fixture>/<FORMAT> (`files: []` → no files).
// Formats added later are picked up through implementedFormats().
// The CLI is compiled once into a private folder under node_modules/.cache, so a concurrent
// rebuild of dist/ (other work in the same checkout) cannot break a run half-way.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { implementedFormats } from '../src/transforms/formats/index.js';
import { CONFORMANCE } from './support/cli.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILD = join(ROOT, 'node_modules', '.cache', `labelstream-conformance-${process.pid}`);
const CLI = join(BUILD, 'cli.js');

/** Runs the privately built CLI; resolves with its exit code and stderr. */
function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, LABELSTREAM_PROGRESS: '0', LABELSTREAM_OFFLINE: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

interface Run {
  rc: number;
  files?: string[];
}
interface Fix {
  expect: 'output' | 'error';
  compare_with?: string;
}

type Expectation = { kind: 'compare'; dir: string } | { kind: 'no-files' } | { kind: 'error' };

/** README §4: which expectation applies to fixture F and format X (undefined: nothing expected). */
function expectationFor(fixture: string, format: string, run: Run): Expectation | undefined {
  const fixesPath = join(CONFORMANCE, fixture, 'expected-fixed', 'fixes.json');
  const fixes = existsSync(fixesPath) ? (JSON.parse(readFileSync(fixesPath, 'utf8')) as Record<string, Fix>) : {};
  const fix = fixes[format];
  if (fix?.expect === 'output') return { kind: 'compare', dir: join(CONFORMANCE, fixture, 'expected-fixed', fix.compare_with ?? format) };
  if (fix?.expect === 'error') return { kind: 'error' };
  if (run.rc !== 0) return undefined;
  if (run.files && run.files.length === 0) return { kind: 'no-files' };
  return { kind: 'compare', dir: join(CONFORMANCE, fixture, format) };
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p).map((f) => join(name, f)));
    else out.push(name);
  }
  return out;
}

function compare(format: string, expected: string, actual: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(CONFORMANCE, 'compare.mjs'), '--format', format, expected, actual], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const OUT_OF_SCOPE = new Set(['CSV_OLD']);
const implemented = new Set<string>(implementedFormats());
const fixtures = readdirSync(CONFORMANCE)
  .filter((f) => existsSync(join(CONFORMANCE, f, 'status.json')))
  .sort();
const work = mkdtempSync(join(tmpdir(), 'labelstream-conformance-'));
const emptyConfig = join(work, 'empty-config.json');
writeFileSync(emptyConfig, '{}');

beforeAll(() => {
  mkdirSync(BUILD, { recursive: true });
  // Under node_modules the nearest package.json decides the module type, so say ESM here.
  writeFileSync(join(BUILD, 'package.json'), '{"type":"module"}\n');
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json'), '--outDir', BUILD], {
    encoding: 'utf8',
  });
  if (!existsSync(CLI)) throw new Error(`tsc did not produce ${CLI}:\n${r.stdout}${r.stderr}`);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(BUILD, { recursive: true, force: true });
});

describe('fixture discovery', () => {
  it('finds the shared fixtures and at least the JSON formats', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(15);
    expect(implemented.has('JSON_MIN')).toBe(true);
  });
});

for (const fixture of fixtures) {
  const status = JSON.parse(readFileSync(join(CONFORMANCE, fixture, 'status.json'), 'utf8')) as { runs: Record<string, Run> };
  const config = ['config.xml', 'config.json'].map((c) => join(CONFORMANCE, fixture, c)).find((p) => existsSync(p)) ?? emptyConfig;
  describe(fixture, () => {
    for (const [format, run] of Object.entries(status.runs)) {
      if (OUT_OF_SCOPE.has(format) || !implemented.has(format)) continue;
      const expectation = expectationFor(fixture, format, run);
      if (!expectation) continue;
      it(`${format} (${expectation.kind === 'compare' ? `compare with ${expectation.dir.slice(CONFORMANCE.length)}` : expectation.kind})`, async () => {
        const out = join(work, `${fixture}-${format}`);
        const r = await runCli(['export', '--from', join(CONFORMANCE, fixture, 'input.json'), '--label-config', config, '--format', format, '--to', `${out}/`, '--offline']);
        const files = filesUnder(out);
        if (expectation.kind === 'error') {
          expect(r.code, 'must refuse the format').not.toBe(0);
          expect(files, 'must write no output files').toEqual([]);
          expect(r.stderr).toMatch(/not supported|refuse|cannot|needs/i);
          return;
        }
        expect(r.code, `CLI failed:\n${r.stderr}`).toBe(0);
        if (expectation.kind === 'no-files') {
          expect(files).toEqual([]);
          return;
        }
        const c = await compare(format, expectation.dir, out);
        expect(c.code, `compare.mjs reported differences:\n${c.output}\nCLI stderr:\n${r.stderr}`).toBe(0);
      });
    }
  });
}
