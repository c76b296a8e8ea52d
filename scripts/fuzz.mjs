#!/usr/bin/env node
/**
 * npm run fuzz [-- --runs N] [-- --seed S] [-- test/fuzz/<file>.test.ts …]: the long fuzz run of issue 15 §1.
 * Every target in test/fuzz runs N cases (default 100,000) from a random seed (printed; pass --seed to repeat
 * a run). A failing case is saved to test/fuzz/regressions/<target>-<seed>.json and replayed first by every
 * later run, `npm test` included. `npm test` runs the same targets with 300 cases and a fixed seed.
 * At the end it prints every target's count (from the harness's "fuzz <target>: seed S, N cases, T s" lines), so a
 * run that fell short of N for some target — a failure, a timeout — says so in one place.
 * Every test/fuzz/*.test.ts is a target (xml-text-path and pdf-file-reader included). KYSO_FUZZ_PROGRESS=<file>
 * makes each target append "<target> <cases> <seconds>" every 1,000 passing cases: a run stopped early (a deadline)
 * still says how many cases passed.
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return value;
};
const runs = option('--runs', '100000');
const seed = option('--seed', String(randomInt(1, 2 ** 31 - 1)));
process.stderr.write(`fuzz: ${runs} cases per target, seed ${seed} (repeat with: npm run fuzz -- --seed ${seed} --runs ${runs})\n`);
const child = spawn('npx', ['vitest', 'run', '--project', 'fuzz', ...args], {
  stdio: ['inherit', 'pipe', 'inherit'], cwd: ROOT,
  // Hours, not the CI default: each case is still bounded by its own time limit (test/fuzz/fuzz-harness.ts).
  env: { ...process.env, KYSO_FUZZ_RUNS: runs, KYSO_FUZZ_SEED: seed, KYSO_FUZZ_TEST_TIMEOUT_MS: String(6 * 3600_000) },
});
const counts = [];
let line = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const lines = (line + chunk.toString('utf8')).split('\n');
  line = lines.pop();
  for (const l of lines) {
    const m = /fuzz (\S+): seed \d+, (\d+) cases, ([\d.]+) s(, FAILED)?/.exec(l);
    if (m) counts.push({ target: m[1], cases: Number(m[2]), seconds: Number(m[3]), failed: Boolean(m[4]) });
  }
});
child.on('close', (code) => {
  process.stderr.write(`\nfuzz: cases per target (seed ${seed}, asked ${runs}):\n`);
  for (const c of counts) process.stderr.write(`  ${c.target.padEnd(24)} ${String(c.cases).padStart(8)}  ${c.seconds.toFixed(1).padStart(8)} s${c.failed ? '  FAILED' : c.cases < Number(runs) ? '  SHORT' : ''}\n`);
  process.stderr.write(counts.length === 0 ? '  (no target reported a count)\n' : '  (a target not listed did not finish: see the failures above)\n');
  process.exit(code ?? 1);
});
