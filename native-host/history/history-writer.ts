/**
 * Append one record to the signing history: under the lock (history-lock.ts), read the last record, chain the
 * new one to it, write the line with ONE write(2) on an O_APPEND descriptor and fsync it before returning — so a
 * caller that returns a signature only after `appendSigningRecord` resolved can be killed at any moment after
 * without leaving that signature unrecorded. A new file (rotation, first use) is fsync'd into its folder too.
 * Files are 0600 in a 0700 folder.
 */
import { openFile as open, renamePath as rename, statIfExists, type SmallFile } from '../documents/file-steps.js';
import { join } from 'node:path';
import type { SigningRecordBody } from '../../shared/protocol/signing-history.js';
import { ensurePrivateDir } from './data-dir.js';
import { HEAD_FILE, HISTORY_FILE_ROTATE_BYTES, historyFileName, listHistoryFiles, readLastLine } from './history-files.js';
import { withHistoryLock } from './history-lock.js';
import { writeAll } from '../documents/write-all.js';
import { decodeRecordLine, encodeRecordLine, GENESIS_HASH, sha256Hex } from './record-line.js';

export interface AppendOptions {
  /** Start a new file at this size (tests use a small one to exercise rotation). */
  readonly rotateBytes?: number;
}

export interface AppendedRecord {
  readonly seq: number;
  readonly hash: string;
  readonly file: string;
}

export async function appendSigningRecord(dir: string, body: SigningRecordBody, options: AppendOptions = {}): Promise<AppendedRecord> {
  const ensuredBefore = ENSURED_DIRS.has(dir);
  if (!ensuredBefore) await ensureDir(dir);
  const attempt = { locked: false };
  try {
    return await appendLocked(dir, body, options, attempt);
  } catch (error) {
    // The folder was made (and made 0700) by this process earlier in the batch and has gone since, so the lock file
    // could not be created: make the folder again. Only then — once the lock was held, something may be written.
    if (!ensuredBefore || attempt.locked || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await ensureDir(dir);
    return appendLocked(dir, body, options, attempt);
  }
}

/**
 * Folders this process has created or made 0700: a batch appends hundreds of records to one folder, and a mkdir
 * plus a chmod per record bought nothing after the first (a folder removed meanwhile is noticed: ENOENT, above).
 */
const ENSURED_DIRS = new Set<string>();

async function ensureDir(dir: string): Promise<void> {
  ENSURED_DIRS.delete(dir);
  await ensurePrivateDir(dir);
  if (ENSURED_DIRS.size >= 100) ENSURED_DIRS.clear(); // a long-running host: the cost of forgetting is one mkdir
  ENSURED_DIRS.add(dir);
}

function appendLocked(dir: string, body: SigningRecordBody, options: AppendOptions, attempt: { locked: boolean }): Promise<AppendedRecord> {
  return withHistoryLock(dir, async () => {
    attempt.locked = true;
    const files = await listHistoryFiles(dir);
    const current = files.at(-1);
    const ours = await ourLastWrite(dir, current?.name);
    const last = ours ?? await lastRecord(dir, files.map((f) => f.name));
    const rotate = current !== undefined && last.size >= (options.rotateBytes ?? HISTORY_FILE_ROTATE_BYTES);
    const name = current === undefined || rotate ? historyFileName((current?.number ?? 0) + 1) : current.name;
    const seq = last.seq + 1;
    const { line, hash } = encodeRecordLine(body, seq, last.hash);
    // A partial line left by a write cut short stays where it is (--verify names it); the new record starts on its own line.
    const text = `${name === current?.name && !last.endsWithNewline ? '\n' : ''}${line}\n`;
    const size = await appendDurably(dir, name, text, name !== current?.name, ours && name === current?.name ? ours.size : undefined);
    LAST_WRITES.set(dir, { file: name, size, seq, hash });
    if (DEFERRED_HEADS) DEFERRED_HEADS.add(dir);
    else await writeHead(dir, { seq, hash, file: name });
    return { seq, hash, file: name };
  });
}

/**
 * A batch (`kyso sign-* FILES…`) appends one record per file. Each record is still fsync'd before its signature is
 * handed over; only `history.head` — which exists to notice records removed at the end — is brought up to date once,
 * by flushHistoryHeads at the end of the batch, instead of after every record (one fsync and one rename less per
 * file). If the process dies in between, the head is behind the last record: `kyso history --verify` accepts a head
 * behind, as after a crash between a record and its head, so nothing is reported and no record is lost; removal of
 * the batch's last records would go unnoticed until the next record is written.
 */
let DEFERRED_HEADS: Set<string> | undefined;

export function deferHistoryHeads(): void {
  DEFERRED_HEADS ??= new Set();
}

/** Write the head of every history folder appended to since deferHistoryHeads, under the lock, for its last record. */
export async function flushHistoryHeads(): Promise<void> {
  const dirs = [...(DEFERRED_HEADS ?? [])];
  DEFERRED_HEADS = undefined;
  await Promise.all([...KEPT_FILES.keys()].map(dropKeptFile));
  for (const dir of dirs) {
    await withHistoryLock(dir, async () => {
      const files = await listHistoryFiles(dir);
      const last = await lastRecord(dir, files.map((f) => f.name));
      const file = files.at(-1)?.name;
      if (file !== undefined && last.seq > 0) await writeHead(dir, { seq: last.seq, hash: last.hash, file });
    });
  }
}

/**
 * What this process last appended, per folder: while the newest file is still the one it wrote, at the size it
 * left it, no other writer has appended since (every writer appends under the lock), so its last record is the one
 * remembered — the file's tail need not be read and decoded again for every record of a batch.
 */
const LAST_WRITES = new Map<string, { file: string; size: number; seq: number; hash: string }>();

async function ourLastWrite(dir: string, newest: string | undefined): Promise<{ seq: number; hash: string; size: number; endsWithNewline: boolean } | undefined> {
  const mine = LAST_WRITES.get(dir);
  if (!mine || mine.file !== newest) return undefined;
  const info = await statIfExists(join(dir, mine.file)).catch(() => undefined);
  // The file kept open must still be the one under that name (not removed, nor replaced by another file).
  const kept = KEPT_FILES.get(dir);
  if (kept && (kept.name !== mine.file || kept.ino !== info?.ino)) await dropKeptFile(dir);
  return info?.size === mine.size ? { seq: mine.seq, hash: mine.hash, size: info.size, endsWithNewline: true } : undefined;
}

/** The last record's number and hash (searching back through files for one), and the current file's size. */
async function lastRecord(dir: string, names: readonly string[]): Promise<{ seq: number; hash: string; size: number; endsWithNewline: boolean }> {
  let size = 0;
  let endsWithNewline = true;
  for (let i = names.length - 1; i >= 0; i--) {
    const found = await readLastLine(join(dir, names[i]!));
    if (i === names.length - 1) ({ size, endsWithNewline } = found);
    if (found.line === undefined) continue;
    const decoded = decodeRecordLine(found.line);
    // A damaged last line (edited by hand): the chain goes on from its text; --verify reports the damage.
    if (!decoded.ok) return { seq: 0, hash: sha256Hex(found.line), size, endsWithNewline };
    return { seq: decoded.record.seq, hash: decoded.record.hash, size, endsWithNewline };
  }
  return { seq: 0, hash: GENESIS_HASH, size, endsWithNewline };
}

/**
 * Append `text` and fsync it; returns the file's size after the write. During a batch (deferHistoryHeads) the file
 * stays open for the next record (KEPT_FILES): an open, an fstat and a close per record were a third of a record's
 * own CPU. `sizeBefore` is the size ourLastWrite found under the lock for this file, when it did: the size after is
 * then that plus what was written.
 */
async function appendDurably(dir: string, name: string, text: string, created: boolean, sizeBefore: number | undefined): Promise<number> {
  const kept = KEPT_FILES.get(dir);
  const reuse = kept !== undefined && kept.name === name && sizeBefore !== undefined;
  if (kept && !reuse) await dropKeptFile(dir);
  const file = reuse ? kept.file : await open(join(dir, name), 'a', 0o600);
  let size: number;
  try {
    const bytes = Buffer.from(text, 'utf8');
    await writeAll(file, bytes, null);
    const bytesWritten = bytes.length;
    await file.sync();
    if (reuse) {
      size = sizeBefore + bytesWritten;
    } else {
      const info = await file.stat();
      size = info.size;
      if (DEFERRED_HEADS) KEPT_FILES.set(dir, { name, file, ino: info.ino });
      else await file.close();
    }
  } catch (error) {
    if (KEPT_FILES.get(dir)?.file === file) KEPT_FILES.delete(dir);
    await file.close().catch(() => undefined);
    throw error;
  }
  if (created) await syncDir(dir);
  return size;
}

/** The history file a batch appends to, per folder, open until flushHistoryHeads; `ino` tells it from a file put in its place. */
const KEPT_FILES = new Map<string, { name: string; file: SmallFile; ino: number }>();

async function dropKeptFile(dir: string): Promise<void> {
  const kept = KEPT_FILES.get(dir);
  KEPT_FILES.delete(dir);
  await kept?.file.close().catch(() => undefined);
}

/** The last record's number and hash, beside the files: removing records at the end breaks the match. */
async function writeHead(dir: string, head: { seq: number; hash: string; file: string }): Promise<void> {
  const temp = join(dir, `${HEAD_FILE}.${process.pid}.tmp`);
  const file = await open(temp, 'w', 0o600);
  try {
    await writeAll(file, Buffer.from(`${JSON.stringify(head)}\n`, 'utf8'), null);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, join(dir, HEAD_FILE));
}

/** Make a new directory entry durable [POSIX fsync on a directory]; Windows cannot open directories: skipped. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
