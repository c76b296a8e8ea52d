/**
 * The input PDF read ONCE (issue 14): copied into the signed file's temp file window by window, each window also
 *   - hashed: SHA-256 for the signing history, and the byte-range hash when it is another algorithm (the input is
 *     the start of the signed byte range [ISO 32000-1 §12.8.1], so its hash state is carried on by the caller);
 *   - scanned for what the reader would otherwise look for in whole-file passes of its own: every `N G obj` header
 *     (xref/scan-object-headers.ts: shadow definitions) and every `startxref` (xref/list-revisions.ts: revisions),
 *     handed to the FileImage over the copy (FileImage.adoptScans).
 * The caller then parses the COPY, not the input: what is parsed, hashed and signed are the same bytes even if the
 * input is changed meanwhile. Memory is two fixed windows whatever the file's size; reading the next window
 * overlaps hashing, scanning and writing this one. A window of zeros is left a hole (as `cp --sparse=auto`), so a
 * sparse input stays sparse. An input whose size changes while it is copied is refused.
 *
 * Where the file system shares extents (FICLONE: XFS, Btrfs; `cp --reflink`), a large input is cloned instead and
 * the CLONE is read, hashed and scanned: nothing is written and the data already on disk is not written again
 * (its fsync is cheap). The clone is the output's bytes, so what is hashed is what is signed even if the input is
 * changed meanwhile. Elsewhere (ext4, tmpfs, across file systems) the refusal costs one failed call, once per pair
 * of folders.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { openFile as open, statPath as stat, type SmallFile as FileHandle } from '../../documents/file-steps.js';
import { basename, dirname } from 'node:path';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { HashAlgorithm } from '../../../shared/domain/algorithms.js';
import { nodeHashName } from '../node-hash-name.js';
import { checkImageSize } from './xref/file-image.js';
import { HEADER_LOOKBACK_BYTES, scanHeaderWindow, type ScannedObjectHeader } from './xref/scan-object-headers.js';
import { writeAll } from '../../documents/write-all.js';
import { indexOfLatin1 } from './xref/index-of-latin1.js';

/** Bytes copied per window; each window is read with the bytes before it a header may start in, and a few after. */
const WINDOW_BYTES = 1024 * 1024;
/**
 * Windows in flight: while one is hashed and scanned on the main thread, the others are being read or written by
 * the thread pool. With two, the pool waited whenever the main thread was busy elsewhere (`kyso sign-pdf` compiles
 * the PDF code and describes the certificate while its early copy runs): each window needs the event loop to start
 * the next read. Four keep the pool reading ahead through such stalls, for 2 MiB more memory.
 */
const WINDOWS_IN_FLIGHT = 4;
const AFTER_BYTES = 16; // ≥ 'startxref'.length − 1 and the one byte after `obj`
const ZEROS = Buffer.alloc(WINDOW_BYTES);
const STARTXREF = 'startxref';

export interface CopiedInput {
  /** Bytes copied: the input's size. */
  readonly length: number;
  /** Hash state of the byte-range algorithm after the input (copy() it before use). */
  readonly rangeHash: Hash;
  /** SHA-256 state after the input (the same object as rangeHash when that is SHA-256; copy() it before use). */
  readonly sha256: Hash;
  /** What the reader's whole-file scans would find (FileImage.adoptScans). */
  readonly scans: { readonly startxref: readonly number[]; readonly headers: readonly ScannedObjectHeader[] };
  /** The output, open for reading and writing, when copyInput was asked to keep it open (the caller closes it). */
  readonly output?: FileHandle;
}

interface CopiedWindows extends Omit<CopiedInput, 'length' | 'output'> {
  /** The last window was zeros and left a hole: the file gets its full size only from a truncate. */
  readonly holeAtEnd: boolean;
}

/**
 * Copy `inputPath` to `outputPath` (created or truncated). Input problems are BAD_REQUEST; write errors are thrown as
 * they are. `keepOutputOpen`: the output is opened for reading and writing and its handle returned open
 * (`CopiedInput.output`) — sign-pdf appends the update, fills /Contents and fsyncs through it, where opening the
 * file again cost an open and a close per document.
 */
export async function copyInput(inputPath: string, outputPath: string, hashAlgorithm: HashAlgorithm, keepOutputOpen = false): Promise<CopiedInput> {
  const cloned = await cloneInput(inputPath, outputPath, hashAlgorithm, keepOutputOpen);
  if (cloned) return cloned;
  const input = await readable(inputPath);
  try {
    const length = await inputSize(input, inputPath);
    checkImageSize(length);
    const output = await open(outputPath, keepOutputOpen ? 'w+' : 'w');
    let kept = false;
    try {
      const result = await copyWindows(input, output, length, hashAlgorithm, inputPath);
      if ((await inputSize(input, inputPath)) !== length) throw changed();
      // Holes at the end (a sparse tail) give the file its size only through truncate.
      if (result.holeAtEnd) await output.truncate(length);
      kept = keepOutputOpen;
      return { length, rangeHash: result.rangeHash, sha256: result.sha256, scans: result.scans, ...(kept ? { output } : {}) };
    } finally {
      if (!kept) await output.close();
    }
  } finally {
    await input.close();
  }
}

/** Inputs smaller than this are copied: a clone attempt would cost more than it saves. */
const CLONE_MIN_BYTES = 8 * 1024 * 1024;
/** What a file system that cannot clone these two files answers (EXDEV: two file systems). */
const CANNOT_CLONE = new Set(['ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EINVAL', 'ENOSYS', 'ENOTTY', 'EPERM']);
/** Folder pairs (input's, output's) where a clone was refused: not tried again. */
const CLONE_REFUSED = new Set<string>();

/**
 * The input cloned into `outputPath` (FICLONE) and the clone read back through the same windows as a copy, with
 * nothing written; undefined when the file system does not clone (the caller copies). copyFile gives the clone the
 * input's permission bits: they are set back to a new file's, as the copy would have them.
 */
async function cloneInput(inputPath: string, outputPath: string, hashAlgorithm: HashAlgorithm, keepOutputOpen: boolean): Promise<CopiedInput | undefined> {
  const pair = `${dirname(inputPath)}\u0000${dirname(outputPath)}`;
  if (CLONE_REFUSED.has(pair)) return undefined;
  try {
    const info = await stat(inputPath);
    if (!info.isFile() || info.size < CLONE_MIN_BYTES) return undefined;
    // EXCL: a new file, never one already at the (random) temp name.
    await copyFile(inputPath, outputPath, fsConstants.COPYFILE_FICLONE_FORCE | fsConstants.COPYFILE_EXCL);
  } catch (error) {
    // Not a clone here (libuv removed the half-made file), or an input problem the copy then reports.
    if (CANNOT_CLONE.has((error as NodeJS.ErrnoException).code ?? '')) {
      if (CLONE_REFUSED.size >= 1000) CLONE_REFUSED.clear();
      CLONE_REFUSED.add(pair);
    }
    return undefined;
  }
  // Opened by name, not following a link: a file (or a link) put there meanwhile by another account in a shared,
  // writable folder is neither signed nor has its permissions changed — checked first, then chmod through the handle.
  const replaced = () => new KysoError('BAD_REQUEST', { reason: 'the signed copy was replaced while it was being made', file: basename(outputPath) });
  const output = await open(outputPath, (keepOutputOpen ? fsConstants.O_RDWR : fsConstants.O_RDONLY) | (fsConstants.O_NOFOLLOW ?? 0)).catch((error: unknown) => {
    throw (error as NodeJS.ErrnoException).code === 'ELOOP' ? replaced() : error;
  });
  let kept = false;
  try {
    const clone = await output.stat();
    if (!clone.isFile() || clone.nlink !== 1 || (process.getuid !== undefined && clone.uid !== process.getuid())) throw replaced();
    await output.chmod(0o666 & ~process.umask());
    const length = clone.size;
    checkImageSize(length);
    const result = await copyWindows(output, undefined, length, hashAlgorithm, inputPath);
    kept = keepOutputOpen;
    return { length, rangeHash: result.rangeHash, sha256: result.sha256, scans: result.scans, ...(kept ? { output } : {}) };
  } finally {
    if (!kept) await output.close();
  }
}

/** `output` undefined: the windows are only read (a clone's, already the output's bytes). */
async function copyWindows(input: FileHandle, output: FileHandle | undefined, length: number, hashAlgorithm: HashAlgorithm, inputPath: string): Promise<CopiedWindows> {
  const rangeHash = createHash(nodeHashName(hashAlgorithm));
  const sha256 = hashAlgorithm === 'SHA-256' ? rangeHash : createHash('sha256');
  const buffers = Array.from({ length: Math.min(WINDOWS_IN_FLIGHT, Math.ceil(length / WINDOW_BYTES)) || 1 }, takeBuffer);
  try {
    return await copyThrough(buffers, input, output, length, rangeHash, sha256, inputPath);
  } finally {
    FREE_BUFFERS.push(...buffers);
  }
}

/**
 * Window buffers kept for the next document: a batch of small PDFs would otherwise allocate 2 MiB of external
 * memory per document, and V8 answers external-memory growth with full garbage collections (a third of a batch's
 * CPU time when measured). Concurrent signings (the host) each take their own pair.
 */
const FREE_BUFFERS: Buffer[] = [];
function takeBuffer(): Buffer {
  return FREE_BUFFERS.pop() ?? Buffer.allocUnsafe(HEADER_LOOKBACK_BYTES + WINDOW_BYTES + AFTER_BYTES);
}

async function copyThrough(buffers: Buffer[], input: FileHandle, output: FileHandle | undefined, length: number, rangeHash: Hash, sha256: Hash, inputPath: string): Promise<CopiedWindows> {
  const startxref: number[] = [];
  const headers: ScannedObjectHeader[] = [];
  let headersComplete = true;
  const readWindow = async (pos: number, buffer: Buffer): Promise<{ window: Buffer; base: number }> => {
    const base = Math.max(0, pos - HEADER_LOOKBACK_BYTES);
    const end = Math.min(length, pos + WINDOW_BYTES + AFTER_BYTES);
    let done = 0;
    while (done < end - base) {
      let n: number;
      try {
        ({ bytesRead: n } = await input.read(buffer, done, end - base - done, base + done));
      } catch (cause) {
        throw unreadable(inputPath, cause);
      }
      if (n <= 0) throw changed();
      done += n;
    }
    return { window: buffer.subarray(0, end - base), base };
  };

  // Window k lives in buffers[k % n]. Its read starts once the window that used that buffer before it (k − n) is
  // written, chained on that write: the reads ahead go on while this loop waits for the main thread. Every read and
  // write gets a handler at once (a failure is rethrown where it is awaited), and all are settled before the
  // buffers go back.
  const n = buffers.length;
  const windows = Math.ceil(length / WINDOW_BYTES);
  const started = <T>(promise: Promise<T>): Promise<T> => { promise.catch(() => undefined); return promise; };
  const reads: Array<Promise<{ window: Buffer; base: number }>> = [];
  const writes: Array<Promise<unknown>> = [];
  const readAfter = (k: number, free: Promise<unknown>) => started(free.then(() => readWindow(k * WINDOW_BYTES, buffers[k % n]!)));
  for (let k = 0; k < Math.min(n, windows); k++) reads.push(readAfter(k, Promise.resolve()));
  let holeAtEnd = false;
  try {
    for (let k = 0; k < windows; k++) {
      const pos = k * WINDOW_BYTES;
      const { window, base } = await reads[k]!;
      const to = Math.min(length, pos + WINDOW_BYTES);
      const core = window.subarray(pos - base, to - base);
      rangeHash.update(core);
      if (sha256 !== rangeHash) sha256.update(core);
      for (let i = indexOfLatin1(window, STARTXREF, pos - base); i >= 0 && i + base < to; i = indexOfLatin1(window, STARTXREF, i + 1)) startxref.push(i + base);
      if (headersComplete) headersComplete = scanHeaderWindow(window, base, pos, to, headers);
      holeAtEnd = core.equals(ZEROS.subarray(0, core.length));
      writes[k] = holeAtEnd || !output ? Promise.resolve() : started(writeAll(output, core, pos));
      if (k + n < windows) reads[k + n] = readAfter(k + n, writes[k]!);
    }
    await Promise.all(writes);
  } finally {
    await Promise.allSettled([...reads, ...writes]);
  }
  return { rangeHash, sha256, scans: { startxref, headers }, holeAtEnd };
}

async function readable(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (cause) {
    throw unreadable(path, cause);
  }
}

async function inputSize(input: FileHandle, path: string): Promise<number> {
  try {
    const info = await input.stat();
    if (!info.isFile()) throw new KysoError('BAD_REQUEST', { reason: 'the input is not a file', file: basename(path) });
    return info.size;
  } catch (cause) {
    if (cause instanceof KysoError) throw cause;
    throw unreadable(path, cause);
  }
}

function unreadable(path: string, cause: unknown): KysoError {
  return new KysoError('BAD_REQUEST', { reason: 'cannot read the input file', file: basename(path) }, { cause });
}

function changed(): KysoError {
  return new KysoError('BAD_REQUEST', { reason: 'the input file changed while it was being signed' });
}
