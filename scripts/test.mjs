#!/usr/bin/env node
/**
 * npm test [-- vitest args]: install what the tests need (scripts/lib/prerequisites.mjs: Debian packages as root,
 * else the exact command; node_modules), then typecheck, build, lint the Firefox build, and run every tier
 * (unit, integration, security, e2e). Works as the first command in a fresh clone.
 */
import { spawnSync } from 'node:child_process';
import { ROOT, ensurePrerequisites } from './lib/prerequisites.mjs';

ensurePrerequisites('test', { say: (text) => process.stderr.write(`test: ${text}\n`) });

const steps = [
  ['npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['node', ['scripts/build.mjs']],
  ['npx', ['web-ext', 'lint', '--source-dir', 'dist/firefox']],
  ['npx', ['vitest', 'run', ...process.argv.slice(2)]],
];
for (const [command, args] of steps) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
