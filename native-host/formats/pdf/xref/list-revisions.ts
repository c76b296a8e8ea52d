/**
 * The revisions of a PDF as its bytes lay them out: each incremental update ends with `startxref`, the offset of
 * its cross-reference section, and `%%EOF` [ISO 32000-1 §7.5.5, §7.5.6].
 */
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import { fileImageOf } from './file-image.js';
import { asBuffer, keywordAt, readUnsignedInt, skipWhitespace } from './pdf-bytes.js';
import { MAX_REVISIONS } from './pdf-limits.js';

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
      at = buffer.indexOf('startxref', from, 'latin1');
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
  // Over a FileImage only the tail is read: a startxref further back is not one a reader would take.
  const image = fileImageOf(bytes);
  if (image) image.ensure(image.length - LAST_STARTXREF_WINDOW_BYTES, image.length);
  const buffer = asBuffer(bytes);
  let from = bytes.length;
  while (from >= 0) {
    const at = buffer.lastIndexOf('startxref', from, 'latin1');
    if (at < 0) break;
    const value = readUnsignedInt(bytes, skipWhitespace(bytes, at + 9));
    if (value && value.value > 0 && value.value < bytes.length) return value.value;
    from = at - 1;
  }
  throw new KysoError('INVALID_DOCUMENT', { reason: 'no startxref (truncated or not a PDF)' });
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
