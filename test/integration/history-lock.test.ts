/**
 * The signing history's lock across real processes (history-lock.ts): a writer waits while another process holds
 * the lock — taken as a link to that process's ticket, or as a lock file the way earlier versions take it — and
 * goes on once it is released; a long-running holder's lock does not look stale however old its ticket is; a lock
 * left by a killed process is taken over, and its ticket removed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withHistoryLock } from '../../native-host/history/history-lock.js';

const LOCK_MODULE = JSON.stringify(new URL('../../native-host/history/history-lock.ts', import.meta.url).href);
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function historyDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kyso-history-lock-'));
  dirs.push(dir);
  return dir;
}

/** Run `body` (TypeScript, `withHistoryLock` and `dir` in scope) in another process; resolves on its first line `held`. */
function holder(dir: string, body: string): { child: ChildProcess; held: Promise<void>; lines: string[] } {
  const script = `const { withHistoryLock } = await import(${LOCK_MODULE});
const { readdir, utimes } = await import('node:fs/promises');
const { join } = await import('node:path');
const dir = process.argv.at(-1);
const say = (line) => process.stdout.write(line + '\\n');
${body}`;
  // tsx runs the TypeScript lock as it is in a separate process (no bundle needed for this check).
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines: string[] = [];
  const held = new Promise<void>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      lines.push(...parts);
      if (parts.includes('held')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`holder exited ${code} before holding the lock`)));
  });
  return { child, held, lines };
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

/** The time this process got the lock (it holds it only for that instant). */
const lockedAt = (dir: string) => withHistoryLock(dir, async () => Date.now());

describe('history lock', () => {
  it('a writer waits while another process holds the lock and goes on once it is released', async () => {
    const dir = await historyDir();
    const other = holder(dir, `await withHistoryLock(dir, async () => { say('held'); await new Promise((r) => setTimeout(r, 1500)); say('releasing ' + Date.now()); });`);
    await other.held;
    const got = await lockedAt(dir);
    await exited(other.child);
    const released = Number(other.lines.find((l) => l.startsWith('releasing '))!.split(' ')[1]);
    expect(got).toBeGreaterThanOrEqual(released);
  });

  it('a lock file made the way earlier versions make it (exclusive create, a live pid) is waited for too', async () => {
    const dir = await historyDir();
    const alive = spawn('sleep', ['30']);
    children.push(alive);
    await writeFile(join(dir, 'history.lock'), String(alive.pid), { flag: 'wx', mode: 0o600 });
    let removedAt = Infinity;
    setTimeout(() => {
      removedAt = Date.now();
      void rm(join(dir, 'history.lock'));
    }, 800);
    const got = await lockedAt(dir);
    expect(got).toBeGreaterThanOrEqual(removedAt);
  });

  it('a holder whose ticket is older than the stale age still holds the lock (the ticket is re-dated when the lock is taken)', async () => {
    const dir = await historyDir();
    // The holder makes its ticket, dates it a minute back (as a process signing for a minute would find it), then
    // takes the lock again and holds it: a waiter that judged the lock by the ticket's old date would take it over.
    const other = holder(dir, `await withHistoryLock(dir, async () => undefined);
const ticket = (await readdir(dir)).find((n) => n.startsWith('history.lock.' + process.pid + '-'));
if (!ticket) throw new Error('no ticket');
const aMinuteAgo = new Date(Date.now() - 60_000);
await utimes(join(dir, ticket), aMinuteAgo, aMinuteAgo);
await withHistoryLock(dir, async () => { say('held'); await new Promise((r) => setTimeout(r, 1500)); say('releasing ' + Date.now()); });`);
    await other.held;
    const got = await lockedAt(dir);
    await exited(other.child);
    const released = Number(other.lines.find((l) => l.startsWith('releasing '))!.split(' ')[1]);
    expect(got).toBeGreaterThanOrEqual(released);
  });

  it('a lock left by a killed process is taken over at once, and the dead process\'s ticket removed', async () => {
    const dir = await historyDir();
    // Held until killed (an interval keeps the process alive: a bare pending promise would let it exit, and exit removes the ticket).
    const other = holder(dir, `await withHistoryLock(dir, async () => { say('held'); await new Promise(() => setInterval(() => undefined, 1000)); });`);
    await other.held;
    const pid = other.child.pid!;
    expect((await readdir(dir)).some((n) => n.startsWith(`history.lock.${pid}-`))).toBe(true);
    other.child.kill('SIGKILL');
    await exited(other.child);
    const started = Date.now();
    await lockedAt(dir);
    expect(Date.now() - started).toBeLessThan(5_000); // not the 30 s stale age, nor the 10 s wait
    const names = await readdir(dir);
    expect(names.filter((n) => n.startsWith(`history.lock.${pid}-`))).toEqual([]);
    expect(names).not.toContain('history.lock');
  });

  it('a process removes its ticket when it exits', async () => {
    const dir = await historyDir();
    const other = holder(dir, `await withHistoryLock(dir, async () => say('held'));`);
    await other.held;
    await exited(other.child);
    expect(await readdir(dir)).toEqual([]);
  });
});
