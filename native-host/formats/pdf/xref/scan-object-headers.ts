/**
 * Every `N G obj` header in a byte range: the object table a reader would reconstruct when it ignores the
 * cross-reference data (pdf-lib's parser, and readers repairing a damaged file [pdf.js XRef.indexObjects, poppler
 * XRef::constructXRef]). Kyso never builds its view from this table; it compares it with the xref view to find
 * definitions the xref does not account for.
 */
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import { fileImageOf, SEARCH_CHUNK_BYTES } from './file-image.js';
import { asBuffer, isDigit, isPdfDelimiter, isPdfWhitespace } from './pdf-bytes.js';
import { MAX_SCANNED_OBJECT_HEADERS, PDF_MAX_GENERATION, PDF_MAX_OBJECT_NUMBER } from './pdf-limits.js';

export interface ObjectHeader {
  readonly objectNumber: number;
  readonly generation: number;
  /** Offset of the first digit of the object number. */
  readonly start: number;
}

/** A header and the offset of its `obj` keyword (what `end` bounds). */
export interface ScannedObjectHeader extends ObjectHeader {
  readonly objAt: number;
}

/**
 * Headers in [0, end), in file order. A FileImage (file-image.ts) is read from its file in chunks, never whole —
 * or not at all when the file's headers were already found while it was copied (copy-input.ts).
 */
export function scanObjectHeaders(bytes: Uint8Array, end = bytes.length): ObjectHeader[] {
  const headers: ObjectHeader[] = [];
  const image = fileImageOf(bytes);
  const known = image?.knownHeaders();
  if (known) return headersBefore(known, end);
  if (!image) {
    scanChunk(bytes, 0, 0, end, headers);
    return headers;
  }
  for (let pos = 0; pos < end; pos += SCAN_CHUNK_BYTES) {
    // The chunk carries the bytes before it (a header's digits) and one after it (the character after `obj`).
    const base = Math.max(0, pos - LOOKBACK_BYTES);
    const chunk = image.readChunk(base, Math.min(image.length, pos + SCAN_CHUNK_BYTES + 3 + 1));
    scanChunk(chunk, base, pos, Math.min(end, pos + SCAN_CHUNK_BYTES), headers);
  }
  return headers;
}

/** Chunk of a FileImage scanned at a time, and how far back a header's `N G` may start before its `obj`. */
const SCAN_CHUNK_BYTES = SEARCH_CHUNK_BYTES;
export const HEADER_LOOKBACK_BYTES = 4096;
const LOOKBACK_BYTES = HEADER_LOOKBACK_BYTES;

/** Headers whose `obj` lies in [from, to) (file offsets) of `chunk`, which holds the file from offset `base`. */
function scanChunk(chunk: Uint8Array, base: number, from: number, to: number, headers: ObjectHeader[]): void {
  if (!scanHeaderWindow(chunk, base, from, to, headers as ScannedObjectHeader[])) tooMany();
}

/**
 * scanChunk for a pass that reads the file in windows of its own (copy-input.ts): the window must hold
 * HEADER_LOOKBACK_BYTES before `from` (or start at 0) and at least one byte after `to` (or end at the file's end).
 * Stops at one header past the limit and returns false, so that a later, shorter `end` can still be answered
 * exactly (headersBefore).
 */
export function scanHeaderWindow(chunk: Uint8Array, base: number, from: number, to: number, headers: ScannedObjectHeader[]): boolean {
  const buffer = asBuffer(chunk);
  let local = from - base;
  for (;;) {
    const at = buffer.indexOf('obj', local, 'latin1');
    if (at < 0 || at + base >= to) return true;
    local = at + 3;
    const after = chunk[at + 3];
    if (after !== undefined && !isPdfWhitespace(after) && !isPdfDelimiter(after)) continue;
    const header = headerBefore(chunk, at);
    if (!header) continue;
    headers.push({ ...header, start: header.start + base, objAt: at + base });
    if (headers.length > MAX_SCANNED_OBJECT_HEADERS) return false;
  }
}

/** What scanObjectHeaders(bytes, end) returns, from the file's headers found once (at most one past the limit). */
function headersBefore(all: readonly ScannedObjectHeader[], end: number): ObjectHeader[] {
  const out = all.filter((h) => h.objAt < end);
  if (out.length > MAX_SCANNED_OBJECT_HEADERS) tooMany();
  return out;
}

function tooMany(): never {
  throw new KysoError('INVALID_DOCUMENT', { reason: 'too many object definitions' });
}

/** Walk back from `obj`: white space, generation digits, white space, object-number digits, a boundary. */
function headerBefore(bytes: Uint8Array, objAt: number): ObjectHeader | undefined {
  let i = objAt - 1;
  if (!isPdfWhitespace(bytes[i])) return undefined;
  while (i >= 0 && isPdfWhitespace(bytes[i])) i--;
  const genEnd = i + 1;
  while (i >= 0 && isDigit(bytes[i]) && genEnd - i <= 6) i--;
  const genStart = i + 1;
  if (genStart === genEnd || !isPdfWhitespace(bytes[i])) return undefined;
  while (i >= 0 && isPdfWhitespace(bytes[i])) i--;
  const numEnd = i + 1;
  while (i >= 0 && isDigit(bytes[i]) && numEnd - i <= 8) i--;
  const numStart = i + 1;
  if (numStart === numEnd) return undefined;
  if (i >= 0 && !isPdfWhitespace(bytes[i]) && !isPdfDelimiter(bytes[i])) return undefined;
  const objectNumber = digits(bytes, numStart, numEnd);
  const generation = digits(bytes, genStart, genEnd);
  if (objectNumber > PDF_MAX_OBJECT_NUMBER || generation > PDF_MAX_GENERATION) return undefined;
  return { objectNumber, generation, start: numStart };
}

function digits(bytes: Uint8Array, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) value = value * 10 + (bytes[i]! - 0x30);
  return value;
}
