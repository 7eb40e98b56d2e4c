// vitest globalSetup: compile src/ to dist/ once, so tests can run the real CLI. Type errors are
// reported by `npm run typecheck` (part of `npm test`); tsc still emits, so tests can run.
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { encoding: 'utf8' });
  if (r.status !== 0) process.stderr.write(`tsc reported errors (see npm run typecheck):\n${r.stdout}${r.stderr}`);
}
