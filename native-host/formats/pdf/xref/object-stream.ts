/**
 * The table of contents of an object stream [ISO 32000-1 §7.5.7]: /N pairs "object-number offset" before /First,
 * then the objects themselves. Decoded once, members parsed on demand.
 */
import { PDFName, PDFNumber, type PDFRawStream } from 'pdf-lib';
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import { decodeStructureStream } from './decode-structure-stream.js';
import { readUnsignedInt, skipWhitespace } from './pdf-bytes.js';
import { MAX_OBJECT_STREAM_MEMBERS, PDF_MAX_OBJECT_NUMBER } from './pdf-limits.js';

export interface ObjectStreamContents {
  readonly data: Uint8Array;
  /** Member i: its object number and where its object starts in `data` (already /First-adjusted). */
  readonly members: ReadonlyArray<{ readonly objectNumber: number; readonly at: number }>;
}

export function isObjectStream(stream: PDFRawStream): boolean {
  return stream.dict.get(PDFName.of('Type')) === PDFName.of('ObjStm');
}

export function readObjectStream(stream: PDFRawStream, streamNumber: number): ObjectStreamContents {
  const bad = (reason: string): KysoError => new KysoError('INVALID_DOCUMENT', { reason, objectStream: streamNumber });
  const n = stream.dict.get(PDFName.of('N'));
  const first = stream.dict.get(PDFName.of('First'));
  if (!(n instanceof PDFNumber) || !(first instanceof PDFNumber)) throw bad('object stream without /N or /First');
  const count = n.asNumber();
  const firstOffset = first.asNumber();
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_OBJECT_STREAM_MEMBERS) throw bad('object stream /N out of range');
  const data = decodeStructureStream(stream, 'object stream');
  if (!Number.isSafeInteger(firstOffset) || firstOffset < 0 || firstOffset > data.length) throw bad('object stream /First out of range');
  const members: Array<{ objectNumber: number; at: number }> = [];
  let i = 0;
  for (let k = 0; k < count; k++) {
    const num = readUnsignedInt(data, skipWhitespace(data, i), 8);
    const offset = num ? readUnsignedInt(data, skipWhitespace(data, num.end), 12) : undefined;
    if (!num || !offset || offset.end > firstOffset) throw bad('malformed object stream header');
    if (num.value > PDF_MAX_OBJECT_NUMBER) throw bad('object number above the PDF limit in an object stream');
    if (firstOffset + offset.value >= data.length) throw bad('object stream member offset outside the stream');
    members.push({ objectNumber: num.value, at: firstOffset + offset.value });
    i = offset.end;
  }
  return { data, members };
}
