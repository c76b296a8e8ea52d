/**
 * Durable, all-or-nothing writes of signed files, for the CLI and the browser path alike. A signed file is
 * written to a temp file in the SAME folder (rename is atomic only within one filesystem), fsynced, renamed
 * over the target, then the folder is fsynced so the rename itself survives a power cut [POSIX rename(2),
 * fsync(2)]. The temp name carries the writer's pid, so a later run can tell a live writer's temp file from
 * the leftover of a run that was killed (SIGKILL, power loss) and remove the latter.
 */
import { randomBytes } from 'node:crypto';
import { listFolder as readdir, openFile as open, renamePath as rename, unlinkPath as unlink, type SmallFile } from './file-steps.js';
import { writeAll } from './write-all.js';
import { basename, dirname, join } from 'node:path';
import { KysoError } from '../../shared/errors/kyso-error.js';

/** `.<name>.kyso-<pid>-<hex>.tmp` — hidden, and recognisably ours. */
const TEMP_NAME = /^\..+\.kyso-(\d+)-[0-9a-f]+\.tmp$/;

export function atomicTempPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.kyso-${process.pid}-${randomHex12()}.tmp`);
}

/**
 * 12 random hex digits, from a pool of random bytes refilled every 100 names: a randomBytes call per name showed in
 * a batch's profile (as the stamp's subset tags did, appearance/build-appearance.ts). As random as before.
 */
let namePool = Buffer.alloc(0);
function randomHex12(): string {
  if (namePool.length < 6) namePool = randomBytes(600);
  const hex = namePool.toString('hex', 0, 6);
  namePool = namePool.subarray(6);
  return hex;
}

/**
 * fsync the temp file, rename it over `target`, fsync the folder. `syncFolder` false: `target` is itself a staging
 * name that the caller renames again and then syncs the folder (history/cli-attempts.ts) — one folder fsync, after
 * the rename that matters.
 */
export async function commitTempFile(temp: string, target: string, syncFolder = true): Promise<void> {
  await commitOpenTempFile(await open(temp, 'r'), temp, target, syncFolder);
}

/** commitTempFile with the temp file's handle still open from writing it: fsync'd and closed here, then renamed. */
export async function commitOpenTempFile(file: SmallFile, temp: string, target: string, syncFolder = true): Promise<void> {
  await syncAndClose(file);
  await rename(temp, target);
  if (syncFolder) await syncDirectory(dirname(target));
}

/** fsync a file written through `file`, then close it (closed even when the fsync fails). */
export async function syncAndClose(file: SmallFile): Promise<void> {
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}

/**
 * Write `bytes` to `target` atomically; on any failure the temp file is removed and the target untouched.
 * `staleTempFiles: 'once'` looks for dead runs' leftovers only on this process's first write into the folder
 * (a batch: `kyso sign-cms` of 300 files would otherwise list its growing output folder 300 times).
 */
export async function writeFileAtomic(target: string, bytes: Uint8Array, mode = 0o600, staleTempFiles: 'every-write' | 'once' = 'every-write'): Promise<void> {
  if (staleTempFiles === 'once') await removeStaleTempFilesOnce(dirname(target));
  else await removeStaleTempFiles(dirname(target));
  const temp = atomicTempPath(target);
  try {
    // One handle writes and fsyncs (commitOpenTempFile closes it), rather than a writeFile and an open to fsync.
    const file = await open(temp, 'wx', mode);
    try {
      await writeAll(file, bytes, 0);
    } catch (error) {
      await file.close();
      throw error;
    }
    await commitOpenTempFile(file, temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * removeStaleTempFiles once per folder per process: a batch writing 300 files into one folder would otherwise list
 * the (growing) folder 300 times, to find leftovers of runs that had died before it started.
 */
const CLEANED_FOLDERS = new Set<string>();
export async function removeStaleTempFilesOnce(folder: string): Promise<void> {
  if (CLEANED_FOLDERS.has(folder)) return;
  await removeStaleTempFiles(folder);
  // The host runs for days and may write into many folders: forget them all now and then (the cost is one listing).
  if (CLEANED_FOLDERS.size >= 1000) CLEANED_FOLDERS.clear();
  CLEANED_FOLDERS.add(folder);
}

/**
 * Remove temp files in `folder` left by Kyso processes that are no longer alive. Best effort: an unreadable
 * folder or a file another process already removed is not an error (the write that follows reports real
 * problems). Returns the names removed.
 */
export async function removeStaleTempFiles(folder: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(TEMP_NAME.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) continue;
    try {
      await unlink(join(folder, name));
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else — alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** fsync a folder, so renames in it survive a power cut; a no-op where folders cannot be synced. */
export async function syncDirectory(folder: string): Promise<void> {
  let dir;
  try {
    dir = await open(folder, 'r');
  } catch {
    return; // Windows cannot open a folder; its rename is already durable enough (MoveFileEx).
  }
  try {
    await dir.sync();
  } catch {
    // Some filesystems refuse fsync on a directory (EINVAL); the rename has still happened.
  } finally {
    await dir.close();
  }
}

/** errno of a write that ran out of room: no space, over the file-size limit (RLIMIT_FSIZE), over the quota. */
const OUT_OF_ROOM = new Set(['ENOSPC', 'EFBIG', 'EDQUOT']);

/**
 * The typed error for a signed file that could not be written: DISK_FULL (the person can act: free space) for an
 * out-of-room errno, else BAD_REQUEST naming the errno (a folder that is not writable, not there…).
 */
export function outputWriteError(cause: unknown, file?: string): KysoError {
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'EIO';
  const details = { errno, ...(file ? { file } : {}) };
  return OUT_OF_ROOM.has(errno)
    ? new KysoError('DISK_FULL', details, { cause })
    : new KysoError('BAD_REQUEST', { reason: 'cannot write the output file', ...details }, { cause });
}
