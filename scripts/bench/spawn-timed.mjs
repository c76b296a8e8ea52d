/**
 * Spawn a process and time it: wall ms from spawn to exit, and — for `node` children started through
 * `nodeArgs()` — the child's own peak resident set (process.resourceUsage().maxRSS, reported on stderr at exit).
 */
import { spawn } from 'node:child_process';

const RSS_MARK = 'KYSO_BENCH_MAXRSS_KB=';
const CPU_MARK = 'KYSO_BENCH_CPU_US=';
/**
 * A `node` prelude that prints, as the process exits, its peak RSS and the CPU time it used (user + system, all its
 * threads): CPU time barely moves with the machine's load, where wall time on a shared 2-core box swings 2–5×.
 */
const RSS_PRELUDE = `process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('\\n${RSS_MARK}'+u.maxRSS+'\\n${CPU_MARK}'+(u.userCPUTime+u.systemCPUTime)+'\\n')})`;

/** The CPU ms a child started with `nodeArgs()` reported on its stderr (undefined when it did not). */
export function reportedCpuMs(stderr) {
  const cpu = new RegExp(`${CPU_MARK}(\\d+)`).exec(stderr);
  return cpu ? Number(cpu[1]) / 1000 : undefined;
}

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
      const cpuMs = reportedCpuMs(stderr);
      resolveRun({ ms, ...(rss ? { maxRssMb: Number(rss[1]) / 1024 } : {}), ...(cpuMs !== undefined ? { cpuMs } : {}) });
    });
    child.stdin.end(input ?? '');
  });
}
