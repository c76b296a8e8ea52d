/**
 * A PDF file read on demand (issue 14 "PDF streamed"): signing needs the trailer, the cross-reference sections and
 * the objects it resolves — not the megabytes of image and font data in between. The reader code indexes a
 * Uint8Array by file offset, so a FileImage gives it one of the file's full length that the operating system backs
 * with untouched zero pages (a large zeroed ArrayBuffer is mapped lazily: it costs no memory until written), and
 * fills only the ranges the reader asks for (`ensureFilled`) with positioned reads from the file descriptor.
 *
 * The rule that keeps this safe: a byte outside a filled range reads as 0, which is NOT the file. So every reader
 * that looks at a position first ensures it (the object parser, the xref section reader), and every reader that
 * looks at the whole file (the scan for object definitions, for revisions, for `endstream`) goes through
 * `searchAll`/`indexOfIn`, which read the file in bounded chunks. Stream data is not filled at all: large streams
 * are LazyRawStreams that read their bytes from the file when (if ever) someone needs them.
 * A plain in-memory Uint8Array is not a FileImage; every helper here is then a no-op or a plain search.
 */
import { constants as bufferConstants } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import { asBuffer } from './pdf-bytes.js';
import { indexOfLatin1 } from './index-of-latin1.js';
import type { ScannedObjectHeader } from './scan-object-headers.js';

/** Chunk of the file read at a time by the whole-file searches (exported for the scans that chunk themselves). */
export const SEARCH_CHUNK_BYTES = 4 * 1024 * 1024;
/** Bytes a scan may read around a chunk (before: a header's digits; after: a keyword's end). */
export const CHUNK_MARGIN_BYTES = 8 * 1024;

export class FileImage {
  /** The file's bytes by offset; only filled ranges hold them (the rest reads as zero). */
  readonly bytes: Uint8Array;
  /** Filled ranges, kept merged and sorted: [start, end) pairs. */
  private readonly filled: Array<[number, number]> = [];
  private fd: number | undefined;
  /** Allocated on first use (a signing whose scans came from the copy pass may never need it), at most the file's size. */
  private scratchBuffer: Buffer | undefined;
  private readonly searches = new Map<string, readonly number[]>();
  private headers: readonly ScannedObjectHeader[] | undefined;

  private constructor(fd: number, length: number) {
    this.fd = fd;
    this.bytes = new Uint8Array(length);
    IMAGES.set(this.bytes, this);
  }

  /** Open `path` for reading; the image is filled from it on demand. Throws node's errors (ENOENT, EACCES…). */
  static open(path: string): FileImage {
    const fd = openSync(path, 'r');
    try {
      const { size } = fstatSync(fd);
      checkImageSize(size);
      return new FileImage(fd, size);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Make [start, end) of `bytes` hold the file's bytes (clamped to the file). */
  ensure(start: number, end: number): void {
    const s = Math.max(0, Math.floor(start));
    const e = Math.min(this.length, Math.ceil(end));
    if (e <= s) return;
    for (const [a, b] of this.gaps(s, e)) this.readInto(a, b);
    this.markFilled(s, e);
  }

  /** [start, end) is filled. */
  isFilled(start: number, end: number): boolean {
    return this.gaps(Math.max(0, start), Math.min(this.length, end)).length === 0;
  }

  /** A fresh copy of [start, end) read from the file (not kept in the image). */
  read(start: number, end: number): Uint8Array {
    const s = Math.max(0, start);
    const e = Math.min(this.length, end);
    const out = new Uint8Array(Math.max(0, e - s));
    let done = 0;
    while (done < out.length) {
      const n = readSync(this.descriptor(), out, done, out.length - done, s + done);
      if (n <= 0) throw new KysoError('INVALID_DOCUMENT', { reason: 'the file became shorter while it was read' });
      done += n;
    }
    return out;
  }

  /**
   * [start, end) read into one scratch buffer the image reuses (at most SEARCH_CHUNK_BYTES + CHUNK_MARGIN_BYTES):
   * valid only until the next call. Whole-file scans read through it, so they allocate nothing per chunk.
   */
  readChunk(start: number, end: number): Buffer {
    const s = Math.max(0, start);
    const e = Math.min(this.length, end);
    // No larger than the file: a batch of small PDFs would otherwise allocate 4 MiB each, and V8 answers that
    // external memory with full garbage collections.
    this.scratchBuffer ??= Buffer.allocUnsafe(Math.min(SEARCH_CHUNK_BYTES + CHUNK_MARGIN_BYTES, this.length));
    const scratch = this.scratchBuffer;
    if (e - s > scratch.length) throw new KysoError('INTERNAL_ERROR', { reason: 'chunk larger than the scan buffer' });
    let done = 0;
    while (done < e - s) {
      const n = readSync(this.descriptor(), scratch, done, e - s - done, s + done);
      if (n <= 0) throw new KysoError('INVALID_DOCUMENT', { reason: 'the file became shorter while it was read' });
      done += n;
    }
    return scratch.subarray(0, e - s);
  }

  /** Every offset in [from, to) where `needle` starts, read chunk by chunk. */
  searchAll(needle: string, from = 0, to = this.length): number[] {
    // The file does not change while it is signed: each whole-file search is made once (listRevisions is asked
    // by the xref reader and by the hidden-content scan, and again when a signature is redone).
    const key = `${needle}\u0000${from}\u0000${to}`;
    const known = this.searches.get(key);
    if (known) return [...known];
    const found: number[] = [];
    const overlap = needle.length - 1;
    for (let pos = Math.max(0, from); pos < to; pos += SEARCH_CHUNK_BYTES) {
      const chunk = this.readChunk(pos, Math.min(this.length, pos + SEARCH_CHUNK_BYTES + overlap));
      for (let i = indexOfLatin1(chunk, needle, 0); i >= 0; i = indexOfLatin1(chunk, needle, i + 1)) {
        const at = pos + i;
        if (at >= pos + SEARCH_CHUNK_BYTES || at >= to) break;
        found.push(at);
      }
    }
    this.searches.set(key, found);
    return [...found];
  }

  /**
   * Take the results of whole-file scans made by a pass that already read every byte of this file (copy-input.ts:
   * sign-pdf copies the input once and scans it on the way): `startxref` offsets as searchAll('startxref') finds them,
   * and every object header (scan-object-headers.ts). The reader then never reads the file whole again.
   */
  adoptScans(scans: { readonly startxref: readonly number[]; readonly headers: readonly ScannedObjectHeader[] }): void {
    this.searches.set(`startxref\u0000${0}\u0000${this.length}`, [...scans.startxref]);
    this.headers = scans.headers;
  }

  /** The file's object headers when a copying pass found them (adoptScans), else undefined. */
  knownHeaders(): readonly ScannedObjectHeader[] | undefined {
    return this.headers;
  }

  /** First offset ≥ from where `needle` starts, or -1; reads chunk by chunk and stops at the first hit. */
  indexOf(needle: string, from: number): number {
    const overlap = needle.length - 1;
    for (let pos = Math.max(0, from); pos < this.length; pos += SEARCH_CHUNK_BYTES) {
      const chunk = this.readChunk(pos, Math.min(this.length, pos + SEARCH_CHUNK_BYTES + overlap));
      const i = indexOfLatin1(chunk, needle, 0);
      if (i >= 0) return pos + i;
    }
    return -1;
  }

  /** Release the file descriptor (the filled bytes stay readable). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** The whole file in a plain array (for pdf.js, which needs all of it: anchors, the repair's cross-check). */
  materialize(): Uint8Array {
    return this.read(0, this.length);
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new KysoError('INTERNAL_ERROR', { reason: 'the PDF file was closed while being read' });
    return this.fd;
  }

  private readInto(start: number, end: number): void {
    let done = start;
    while (done < end) {
      const n = readSync(this.descriptor(), this.bytes, done, end - done, done);
      if (n <= 0) throw new KysoError('INVALID_DOCUMENT', { reason: 'the file became shorter while it was read' });
      done += n;
    }
  }

  /** Index of the first filled range that ends after `offset` (binary search; ranges are sorted and disjoint). */
  private firstEndingAfter(offset: number): number {
    let lo = 0;
    let hi = this.filled.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.filled[mid]![1] <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private gaps(start: number, end: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let at = start;
    for (let k = this.firstEndingAfter(start); k < this.filled.length && at < end; k++) {
      const [a, b] = this.filled[k]!;
      if (a >= end) break;
      if (a > at) out.push([at, a]);
      at = Math.max(at, b);
    }
    if (at < end) out.push([at, end]);
    return out;
  }

  /** Add [start, end), merging it with the ranges it touches. */
  private markFilled(start: number, end: number): void {
    let k = this.firstEndingAfter(start - 1);
    let s = start;
    let e = end;
    const first = k;
    while (k < this.filled.length && this.filled[k]![0] <= end) {
      s = Math.min(s, this.filled[k]![0]);
      e = Math.max(e, this.filled[k]![1]);
      k++;
    }
    this.filled.splice(first, k - first, [s, e]);
  }
}

/** Largest file read as an image: the largest typed array this Node allows (4 GiB in Node 20), and 13-digit byte ranges. */
const MAX_IMAGE_BYTES = Math.min(2 ** 40, bufferConstants.MAX_LENGTH);

/** PAYLOAD_TOO_LARGE for a file larger than a FileImage can hold (checked before anything is read or copied). */
export function checkImageSize(size: number): void {
  if (!Number.isSafeInteger(size) || size > MAX_IMAGE_BYTES) throw new KysoError('PAYLOAD_TOO_LARGE', { reason: 'the PDF is larger than Kyso reads', limitBytes: MAX_IMAGE_BYTES });
}

const IMAGES = new WeakMap<Uint8Array, FileImage>();

/** The FileImage whose `bytes` these are, or undefined for an ordinary in-memory array (or a subarray of one). */
export function fileImageOf(bytes: Uint8Array): FileImage | undefined {
  return IMAGES.get(bytes);
}

/** Make [start, end) of `bytes` real file bytes when they belong to a FileImage; nothing to do for in-memory bytes. */
export function ensureFilled(bytes: Uint8Array, start: number, end: number): void {
  fileImageOf(bytes)?.ensure(start, end);
}

/** `bytes` as a plain array holding the whole file (reads the file for a FileImage). */
export function wholeFile(bytes: Uint8Array): Uint8Array {
  return fileImageOf(bytes)?.materialize() ?? bytes;
}

/** First offset ≥ from of `needle` in the file: chunked for a FileImage, a plain search otherwise. */
export function indexOfIn(bytes: Uint8Array, needle: string, from: number): number {
  const image = fileImageOf(bytes);
  return image ? image.indexOf(needle, from) : indexOfLatin1(asBuffer(bytes), needle, from);
}
