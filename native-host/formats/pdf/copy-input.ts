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
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { HashAlgorithm } from '../../../shared/domain/algorithms.js';
import { nodeHashName } from './prepare-pdf-signature.js';
import { checkImageSize } from './xref/file-image.js';
import { HEADER_LOOKBACK_BYTES, scanHeaderWindow, type ScannedObjectHeader } from './xref/scan-object-headers.js';

/** Bytes copied per window; each window is read with the bytes before it a header may start in, and a few after. */
const WINDOW_BYTES = 1024 * 1024;
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
}

/** Copy `inputPath` to `outputPath` (created or truncated). Input problems are BAD_REQUEST; write errors are thrown as they are. */
export async function copyInput(inputPath: string, outputPath: string, hashAlgorithm: HashAlgorithm): Promise<CopiedInput> {
  const input = await readable(inputPath);
  try {
    const length = await inputSize(input, inputPath);
    checkImageSize(length);
    const output = await open(outputPath, 'w');
    try {
      const result = await copyWindows(input, output, length, hashAlgorithm, inputPath);
      if ((await inputSize(input, inputPath)) !== length) throw changed();
      // Holes at the end (a sparse tail) give the file its size only through truncate.
      await output.truncate(length);
      return result;
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}

async function copyWindows(input: FileHandle, output: FileHandle, length: number, hashAlgorithm: HashAlgorithm, inputPath: string): Promise<CopiedInput> {
  const rangeHash = createHash(nodeHashName(hashAlgorithm));
  const sha256 = hashAlgorithm === 'SHA-256' ? rangeHash : createHash('sha256');
  const startxref: number[] = [];
  const headers: ScannedObjectHeader[] = [];
  let headersComplete = true;
  const buffers = [0, 1].map(() => Buffer.allocUnsafe(HEADER_LOOKBACK_BYTES + WINDOW_BYTES + AFTER_BYTES));
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

  let pending = length > 0 ? readWindow(0, buffers[0]!) : undefined;
  let writing: Promise<unknown> = Promise.resolve();
  for (let pos = 0, k = 0; pos < length; pos += WINDOW_BYTES, k++) {
    const { window, base } = await pending!;
    await writing; // the other buffer is free once its window is written
    const next = pos + WINDOW_BYTES;
    pending = next < length ? readWindow(next, buffers[(k + 1) % 2]!) : undefined;
    const to = Math.min(length, next);
    const core = window.subarray(pos - base, to - base);
    rangeHash.update(core);
    if (sha256 !== rangeHash) sha256.update(core);
    for (let i = window.indexOf(STARTXREF, pos - base, 'latin1'); i >= 0 && i + base < to; i = window.indexOf(STARTXREF, i + 1, 'latin1')) startxref.push(i + base);
    if (headersComplete) headersComplete = scanHeaderWindow(window, base, pos, to, headers);
    writing = core.equals(ZEROS.subarray(0, core.length)) ? Promise.resolve() : output.write(core, 0, core.length, pos);
  }
  await writing;
  return { length, rangeHash, sha256, scans: { startxref, headers } };
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
