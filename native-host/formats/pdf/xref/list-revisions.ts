/**
 * The revisions of a PDF as its bytes lay them out: each incremental update ends with `startxref`, the offset of
 * its cross-reference section, and `%%EOF` [ISO 32000-1 §7.5.5, §7.5.6].
 */
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import { fileImageOf } from './file-image.js';
import { asBuffer, keywordAt, readUnsignedInt, skipWhitespace } from './pdf-bytes.js';
import { MAX_REVISIONS } from './pdf-limits.js';
import { indexOfLatin1 } from './index-of-latin1.js';

/** How much of a FileImage's end lastStartXref reads. */
const LAST_STARTXREF_WINDOW_BYTES = 64 * 1024;

export interface PdfRevisionMark {
  /** The value after `startxref`: where this revision's cross-reference section starts. */
  readonly startxref: number;
  /** Byte offset just after this revision's `%%EOF` line (its end-of-line included): the end of the revision. */
  readonly end: number;
}

/**
 * Every `startxref N %%EOF` in file order. A `startxref 0` is skipped: it is the first-page trailer of a
 * linearized file [ISO 32000-1 Annex F.3.4], not a revision. Offsets outside the file are skipped too.
 */
export function listRevisions(bytes: Uint8Array): PdfRevisionMark[] {
  const image = fileImageOf(bytes);
  // A FileImage is searched in chunks; only the few bytes after each `startxref` are read into it.
  const hits = image?.searchAll('startxref');
  const buffer = asBuffer(bytes);
  const marks: PdfRevisionMark[] = [];
  let from = 0;
  for (let k = 0; ; k++) {
    let at: number;
    if (hits) {
      while (k < hits.length && hits[k]! < from) k++;
      at = k < hits.length ? hits[k]! : -1;
      if (at >= 0) image!.ensure(at, at + MARK_WINDOW_BYTES);
    } else {
      at = indexOfLatin1(buffer, 'startxref', from);
    }
    if (at < 0) break;
    from = at + 9;
    const mark = readMark(bytes, at);
    if (!mark) continue;
    if (marks.length >= MAX_REVISIONS) throw new KysoError('INVALID_DOCUMENT', { reason: 'too many revisions', limit: MAX_REVISIONS });
    marks.push(mark);
    from = mark.end;
  }
  return marks;
}

/** `startxref`, its value and `%%EOF` with white space between them: the bytes one mark needs. */
const MARK_WINDOW_BYTES = 256;

/** The last `startxref` of the file (the newest revision) [§7.5.5: read from the end of the file]. */
export function lastStartXref(bytes: Uint8Array): number {
  // Over a FileImage the tail is read first: the last startxref is there in any file but a damaged one.
  const image = fileImageOf(bytes);
  const tail = image ? Math.max(0, image.length - LAST_STARTXREF_WINDOW_BYTES) : 0;
  if (image) image.ensure(tail, image.length);
  const buffer = asBuffer(bytes);
  let from = bytes.length;
  while (from >= 0) {
    const at = buffer.lastIndexOf('startxref', from, 'latin1');
    if (at < tail) break;
    const value = startxrefValue(bytes, at);
    if (value !== undefined) return value;
    from = at - 1;
  }
  // None usable in the tail of a FileImage: the earlier marks, latest first, as the in-memory search above takes
  // them (found by the chunked search or the copy pass's scan; the bytes after each read). Reading less here made
  // the file reader refuse a file the in-memory reader reads (fuzz pdf-file-reader, seed 972534331).
  if (image) {
    const marks = image.searchAll('startxref').filter((at) => at < tail);
    for (let k = marks.length - 1; k >= 0; k--) {
      const at = marks[k] as number;
      for (let n = MARK_WINDOW_BYTES; ; n *= 4) {
        image.ensure(at, at + n);
        let end = skipWhitespace(bytes, at + 9);
        while (end < bytes.length && bytes[end]! >= 0x30 && bytes[end]! <= 0x39) end++;
        if (end < at + n || at + n >= bytes.length) break; // the white space and digits end in filled bytes
      }
      const value = startxrefValue(bytes, at);
      if (value !== undefined) return value;
    }
  }
  throw new KysoError('INVALID_DOCUMENT', { reason: 'no startxref (truncated or not a PDF)' });
}

/** The offset after the `startxref` at `at`, when it is one inside the file. */
function startxrefValue(bytes: Uint8Array, at: number): number | undefined {
  const value = readUnsignedInt(bytes, skipWhitespace(bytes, at + 9));
  return value && value.value > 0 && value.value < bytes.length ? value.value : undefined;
}

function readMark(bytes: Uint8Array, at: number): PdfRevisionMark | undefined {
  if (!keywordAt(bytes, at, 'startxref')) return undefined;
  const value = readUnsignedInt(bytes, skipWhitespace(bytes, at + 9));
  if (!value || value.value === 0 || value.value >= bytes.length) return undefined;
  const eofAt = skipWhitespace(bytes, value.end);
  if (!(bytes[eofAt] === 0x25 && bytes[eofAt + 1] === 0x25 && bytes[eofAt + 2] === 0x45 && bytes[eofAt + 3] === 0x4f && bytes[eofAt + 4] === 0x46)) return undefined;
  let end = eofAt + 5;
  // The end-of-line after %%EOF belongs to the revision: CR, LF or CR LF [§7.5.5].
  if (bytes[end] === 0x0d) end++;
  if (bytes[end] === 0x0a) end++;
  return { startxref: value.value, end };
}
