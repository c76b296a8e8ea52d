/**
 * One writer at a time: the host (one per browser connection) and the `kyso` CLI may sign at the same moment,
 * and each new record must hash the record before it, so "read the last record, append the next" has to be
 * atomic across processes. Node has no flock(2); an exclusive-create lock file (O_CREAT|O_EXCL, `wx`) is
 * atomic on every local file system and works the same on Windows. The file holds the owner's pid: a lock left
 * by a process that died (SIGKILL between create and unlink) is taken over once that pid is gone, or after
 * LOCK_STALE_MS whatever it holds (a pid may be reused).
 */
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCK_FILE } from './history-files.js';

const LOCK_WAIT_MS = 10_000;
const LOCK_STALE_MS = 30_000;
const RETRY_MS = 15;

export async function withHistoryLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const path = join(dir, LOCK_FILE);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(String(process.pid));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await isStale(path)) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) throw new Error('history lock busy');
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
  try {
    return await work();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

async function isStale(path: string): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    if (Date.now() - info.mtimeMs > LOCK_STALE_MS) return true;
    const pid = Number(text);
    // An empty file: its writer is between create and write (or died there); the age rule decides.
    if (!Number.isInteger(pid) || pid <= 0) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch {
    return false; // gone meanwhile: the next create attempt decides
  }
}
