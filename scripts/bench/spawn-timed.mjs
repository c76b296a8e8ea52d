/**
 * Spawn a process and time it: wall ms from spawn to exit, and — for `node` children started through
 * `nodeArgs()` — the child's own peak resident set (process.resourceUsage().maxRSS, reported on stderr at exit).
 */
import { spawn } from 'node:child_process';

const RSS_MARK = 'KYSO_BENCH_MAXRSS_KB=';
/** A `node` prelude (-r) that prints the process's peak RSS to stderr as it exits. */
const RSS_PRELUDE = `process.on('exit',()=>process.stderr.write('\\n${RSS_MARK}'+process.resourceUsage().maxRSS+'\\n'))`;

/** Arguments for `node` that run `args` and report the peak RSS (the prelude is an --import of a data: URL). */
export function nodeArgs(args) {
  return ['--import', `data:text/javascript,${encodeURIComponent(RSS_PRELUDE)}`, ...args];
}

/**
 * @returns {Promise<{ ms: number, maxRssMb?: number }>} wall time; peak RSS when the child reported it.
 */
export function timeProcess(command, args, { env, input } = {}) {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) return reject(new Error(`${command} ${args.slice(-4).join(' ')} exited ${code}: ${stderr.slice(-600)}`));
      const rss = new RegExp(`${RSS_MARK}(\\d+)`).exec(stderr);
      resolveRun({ ms, ...(rss ? { maxRssMb: Number(rss[1]) / 1024 } : {}) });
    });
    child.stdin.end(input ?? '');
  });
}
