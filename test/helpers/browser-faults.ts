/**
 * What the fault and load e2e tests share: find the native host process(es) the browser started (to SIGKILL one,
 * or to read its memory from /proc). SDK calls in a page: page-sdk.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Native host processes started by a browser whose environment carries `marker` (a value unique to the test, e.g.
 * its XDG_RUNTIME_DIR): pid → process. Reads /proc (Linux).
 */
export function hostProcesses(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (!cmdline.includes('kyso-host.mjs') && !cmdline.includes('kyso-host')) continue;
      if (!cmdline.includes('chrome-extension://')) continue;
      if (!readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').some((entry) => entry.endsWith(marker))) continue;
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${name}/status`, 'utf8'))) continue;
      pids.push(Number(name));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

/** The one live host of this test's browser (waits for it to appear). */
export async function theHost(marker: string, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = hostProcesses(marker);
    if (pids.length === 1) return pids[0]!;
    if (Date.now() > deadline) throw new Error(`expected one Kyso host process, found ${pids.length}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resident set size of a process in KiB (/proc/PID/status VmRSS). */
export function rssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]);
}

export function killHost(pid: number): number {
  process.kill(pid, 'SIGKILL');
  return Date.now();
}
