/**
 * One writer at a time: the host (one per browser connection) and the `kyso` CLI may sign at the same moment,
 * and each new record must hash the record before it, so "read the last record, append the next" has to be
 * atomic across processes. Node has no flock(2). The lock is the NAME `history.lock`: whoever makes that name
 * exist holds it, and removes it to release. The file holds the owner's pid: a lock left by a process that died
 * (SIGKILL between taking and releasing) is taken over once that pid is gone, or after LOCK_STALE_MS whatever it
 * holds (a pid may be reused).
 *
 * How the name is made: a hard link (link(2), atomic, EEXIST when the name exists — like an O_EXCL create) to this
 * process's own ticket file `history.lock.<pid>-<hex>`, made once and holding its pid. A batch takes the lock once
 * per record, and creating + deleting a lock file per record cost a new inode each time — on ext4 without a
 * journal, every later file creation scans past the inodes deleted in the last minute (`recently_deleted`), which
 * made creating files (the lock's and the signed files' own) the largest system-CPU cost of a `kyso sign-cms`
 * batch. A link is a directory entry only. Where hard links are refused (FAT, some network shares), the lock file
 * is created exclusively (`wx`) as before. Both kinds exclude each other: they contend for the same name, and a
 * waiter reads the same pid and age through it (the ticket's time is set to now before each link, so a lock taken
 * by a long-running process does not look LOCK_STALE_MS old). Tickets are removed at exit; a dead process's
 * ticket by the next process that makes one in that folder.
 */
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { linkPath as link, listFolder as readdir, openFile as open, setTimes, statPath as stat, unlinkPath as unlink } from '../documents/file-steps.js';
import { writeAll } from '../documents/write-all.js';
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
      await takeLock(dir, path);
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

/** Make the lock's name exist, or fail with EEXIST (held) or the error that stopped it. */
async function takeLock(dir: string, path: string, ticketRemade = false): Promise<void> {
  if (!NO_LINKS.has(dir)) {
    const ticket = TICKETS.get(dir) ?? await newTicket(dir);
    try {
      await setTimes(ticket, new Date());
      await link(ticket, path);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw error;
      if (code === 'ENOENT' && !ticketRemade) {
        // The ticket was removed (by hand, or with its folder): make another; a missing folder fails there, as before.
        forgetTicket(dir);
        return takeLock(dir, path, true);
      }
      if (!LINKS_REFUSED.has(code ?? '')) throw error;
      NO_LINKS.add(dir);
      forgetTicket(dir);
    }
  }
  const handle = await open(path, 'wx', 0o600);
  try {
    await writeAll(handle, Buffer.from(String(process.pid)), 0);
  } finally {
    await handle.close();
  }
}

/** errno of a file system (or OS) that has no hard links. */
const LINKS_REFUSED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK', 'EACCES']);
const NO_LINKS = new Set<string>();

/** This process's ticket per history folder. */
const TICKETS = new Map<string, string>();
let exitHookSet = false;
const TICKET_NAME = /^history\.lock\.(\d+)-[0-9a-f]+$/;

async function newTicket(dir: string): Promise<string> {
  await removeDeadTickets(dir);
  const ticket = join(dir, `${LOCK_FILE}.${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await open(ticket, 'wx', 0o600);
  try {
    await writeAll(handle, Buffer.from(String(process.pid)), 0);
  } finally {
    await handle.close();
  }
  if (!exitHookSet) process.once('exit', removeTickets);
  exitHookSet = true;
  TICKETS.set(dir, ticket);
  return ticket;
}

function forgetTicket(dir: string): void {
  const ticket = TICKETS.get(dir);
  TICKETS.delete(dir);
  if (ticket) unlink(ticket).catch(() => undefined);
}

function removeTickets(): void {
  for (const ticket of TICKETS.values()) {
    try {
      unlinkSync(ticket);
    } catch {
      // gone already
    }
  }
  TICKETS.clear();
}

/** Tickets of processes that are gone (killed before their exit handler ran). Best effort. */
async function removeDeadTickets(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(TICKET_NAME.exec(name)?.[1]);
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid)) await unlink(join(dir, name)).catch(() => undefined);
  }
}

async function isStale(path: string): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    if (Date.now() - info.mtimeMs > LOCK_STALE_MS) return true;
    const pid = Number(text);
    // An empty file: its writer is between create and write (or died there); the age rule decides.
    if (!Number.isInteger(pid) || pid <= 0) return false;
    return !isAlive(pid);
  } catch {
    return false; // gone meanwhile: the next attempt decides
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else — alive.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
