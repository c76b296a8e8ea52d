/**
 * Every `N G obj` header in a byte range: the object table a reader would reconstruct when it ignores the
 * cross-reference data (pdf-lib's parser, and readers repairing a damaged file [pdf.js XRef.indexObjects, poppler
 * XRef::constructXRef]). Kyso never builds its view from this table; it compares it with the xref view to find
 * definitions the xref does not account for.
 */
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import { asBuffer, isDigit, isPdfDelimiter, isPdfWhitespace } from './pdf-bytes.js';
import { MAX_SCANNED_OBJECT_HEADERS, PDF_MAX_GENERATION, PDF_MAX_OBJECT_NUMBER } from './pdf-limits.js';

export interface ObjectHeader {
  readonly objectNumber: number;
  readonly generation: number;
  /** Offset of the first digit of the object number. */
  readonly start: number;
}

/** Headers in [0, end), in file order. */
export function scanObjectHeaders(bytes: Uint8Array, end = bytes.length): ObjectHeader[] {
  const buffer = asBuffer(bytes);
  const headers: ObjectHeader[] = [];
  let from = 0;
  for (;;) {
    const at = buffer.indexOf('obj', from, 'latin1');
    if (at < 0 || at >= end) break;
    from = at + 3;
    const after = bytes[at + 3];
    if (after !== undefined && !isPdfWhitespace(after) && !isPdfDelimiter(after)) continue;
    const header = headerBefore(bytes, at);
    if (!header) continue;
    if (headers.length >= MAX_SCANNED_OBJECT_HEADERS) throw new KysoError('INVALID_DOCUMENT', { reason: 'too many object definitions' });
    headers.push(header);
  }
  return headers;
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
