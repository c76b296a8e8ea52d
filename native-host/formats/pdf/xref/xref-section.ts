/**
 * One cross-reference section [ISO 32000-1 §7.5.4 tables, §7.5.8 streams]: its entries and its trailer
 * dictionary. Parsing only; following /Prev and choosing between sections is read-revision.ts's job.
 */
import { PDFArray, PDFDict, PDFName, PDFNumber, PDFRawStream } from 'pdf-lib';
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import { decodeStructureStream } from './decode-structure-stream.js';
import type { IndirectObjectParser } from './indirect-object-parser.js';
import { isDigit, keywordAt, readUnsignedInt, skipWhitespace } from './pdf-bytes.js';
import { PDF_MAX_GENERATION, PDF_MAX_OBJECT_NUMBER } from './pdf-limits.js';

/** Where one object number lives according to one section [§7.5.4, §7.5.8.3 Table 18]. */
export type XrefEntry =
  | { readonly kind: 'free' }
  | { readonly kind: 'offset'; readonly offset: number; readonly generation: number }
  | { readonly kind: 'compressed'; readonly stream: number; readonly index: number };

export interface XrefSection {
  /** Byte offset of the section (the `xref` keyword, or the xref stream's `N G obj`). */
  readonly at: number;
  readonly isStream: boolean;
  /** The trailer dictionary, or the xref stream's dictionary (which is the trailer [§7.5.8.2]). */
  readonly trailer: PDFDict;
  readonly entries: ReadonlyMap<number, XrefEntry>;
  /** The xref stream object's own number (streams only). */
  readonly streamObjectNumber?: number;
  /** Object numbers this one section lists more than once (readers differ on which entry counts). */
  readonly duplicates: readonly number[];
}

const bad = (reason: string, at: number): KysoError => new KysoError('INVALID_DOCUMENT', { reason, offset: at });

/** Object numbers of a subsection must stay within the PDF limit and the count must be one a file could hold. */
function checkSubsection(first: number, count: number, maxEntries: number, at: number): void {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first + count - 1 > PDF_MAX_OBJECT_NUMBER) {
    throw bad(`cross-reference subsection ${first} ${count} goes past the PDF object-number limit ${PDF_MAX_OBJECT_NUMBER}`, at);
  }
  if (count > maxEntries) throw bad('cross-reference subsection claims more entries than the file can hold', at);
}

/**
 * A classic table at `at` (the `xref` keyword) and its `trailer` dictionary [§7.5.4, §7.5.5]. Entries are read by
 * their tokens, not their 20-byte width, so a table with one-byte line ends (a common writer bug) still reads.
 */
export function parseXrefTable(bytes: Uint8Array, at: number, parser: IndirectObjectParser): XrefSection {
  if (!keywordAt(bytes, at, 'xref')) throw bad('no cross-reference table at this offset', at);
  const entries = new Map<number, XrefEntry>();
  const duplicates: number[] = [];
  let i = skipWhitespace(bytes, at + 4);
  let firstSubsection = true;
  while (!keywordAt(bytes, i, 'trailer')) {
    const first = readUnsignedInt(bytes, i, 8);
    const count = first ? readUnsignedInt(bytes, skipWhitespace(bytes, first.end), 8) : undefined;
    if (!first || !count) throw bad('malformed cross-reference subsection header', i);
    checkSubsection(first.value, count.value, Math.ceil((bytes.length - i) / 18), i);
    i = count.end;
    let base = first.value;
    for (let k = 0; k < count.value; k++) {
      const offset = readUnsignedInt(bytes, skipWhitespace(bytes, i), 12);
      const gen = offset ? readUnsignedInt(bytes, skipWhitespace(bytes, offset.end), 6) : undefined;
      const typeAt = gen ? skipWhitespace(bytes, gen.end) : -1;
      const type = bytes[typeAt];
      if (!offset || !gen || (type !== 0x6e && type !== 0x66) || isDigit(bytes[typeAt + 1])) throw bad('malformed cross-reference entry', i);
      if (gen.value > PDF_MAX_GENERATION) throw bad('generation number above 65535 in the cross-reference table', i);
      // A well-known writer bug numbers the first subsection from 1 while its first line is the free head of
      // object 0 (`0000000000 65535 f`); readers (pdf.js, poppler) renumber it from 0, and so do we.
      if (firstSubsection && k === 0 && base === 1 && type === 0x66 && offset.value === 0 && gen.value === PDF_MAX_GENERATION) base = 0;
      const objectNumber = base + k;
      if (!entries.has(objectNumber)) {
        entries.set(objectNumber, type === 0x6e ? { kind: 'offset', offset: offset.value, generation: gen.value } : { kind: 'free' });
      } else if (duplicates.length < 100) duplicates.push(objectNumber);
      i = typeAt + 1;
    }
    firstSubsection = false;
    i = skipWhitespace(bytes, i);
    if (i >= bytes.length) throw bad('cross-reference table without trailer', at);
  }
  const trailer = parser.parseDirectAt(i + 'trailer'.length);
  if (!(trailer instanceof PDFDict)) throw bad('the trailer is not a dictionary', i);
  return { at, isStream: false, trailer, entries, duplicates };
}

/** A cross-reference stream at `at` [§7.5.8]: /W field widths, /Index subsections (default `[0 Size]`). */
export function parseXrefStream(bytes: Uint8Array, at: number, parser: IndirectObjectParser): XrefSection {
  let parsed;
  try {
    parsed = parser.parseIndirectAt(at);
  } catch (cause) {
    throw new KysoError('INVALID_DOCUMENT', { reason: 'the cross-reference stream cannot be parsed', offset: at }, { cause });
  }
  if (!parsed) throw bad('startxref or /Prev points at neither a cross-reference table nor a stream', at);
  const stream = parsed.object;
  if (!(stream instanceof PDFRawStream) || stream.dict.get(PDFName.of('Type')) !== PDFName.of('XRef')) {
    throw bad('the object at this offset is not a cross-reference stream (/Type /XRef)', at);
  }
  const dict = stream.dict;
  const widths = numbersOf(dict.get(PDFName.of('W')));
  if (!widths || widths.length !== 3 || widths.some((w) => w < 0 || w > 8)) throw bad('bad /W in the cross-reference stream', at);
  const [w0, w1, w2] = widths as [number, number, number];
  const rowWidth = w0 + w1 + w2;
  if (rowWidth === 0) throw bad('bad /W in the cross-reference stream', at);
  const sizeEntry = dict.get(PDFName.of('Size'));
  const size = sizeEntry instanceof PDFNumber ? sizeEntry.asNumber() : NaN;
  const index = dict.has(PDFName.of('Index')) ? numbersOf(dict.get(PDFName.of('Index'))) : [0, size];
  if (!index || index.length % 2 !== 0 || index.some((v) => !Number.isSafeInteger(v) || v < 0)) throw bad('bad /Index in the cross-reference stream', at);
  const data = decodeStructureStream(stream, 'cross-reference stream');
  const entries = new Map<number, XrefEntry>();
  const duplicates: number[] = [];
  let row = 0;
  for (let s = 0; s < index.length; s += 2) {
    const first = index[s]!;
    const count = index[s + 1]!;
    checkSubsection(first, count, Math.floor(data.length / rowWidth) - row, at);
    for (let k = 0; k < count; k++, row++) {
      const base = row * rowWidth;
      // A missing type field means type 1 [§7.5.8.2 Table 17, /W].
      const type = w0 === 0 ? 1 : field(data, base, w0);
      const f2 = field(data, base + w0, w1);
      const f3 = field(data, base + w0 + w1, w2);
      const objectNumber = first + k;
      if (entries.has(objectNumber)) {
        if (duplicates.length < 100) duplicates.push(objectNumber);
        continue;
      }
      // Unknown types are "null objects" [§7.5.8.3]: like free entries.
      if (type === 1) {
        if (f3 > PDF_MAX_GENERATION) throw bad('generation number above 65535 in the cross-reference stream', at);
        entries.set(objectNumber, { kind: 'offset', offset: f2, generation: f3 });
      } else if (type === 2) {
        if (f2 > PDF_MAX_OBJECT_NUMBER) throw bad('object stream number above the PDF limit', at);
        entries.set(objectNumber, { kind: 'compressed', stream: f2, index: f3 });
      } else {
        entries.set(objectNumber, { kind: 'free' });
      }
    }
  }
  return { at, isStream: true, trailer: dict, entries, streamObjectNumber: parsed.objectNumber, duplicates };
}

function field(data: Uint8Array, at: number, width: number): number {
  let value = 0;
  for (let i = 0; i < width; i++) value = value * 256 + data[at + i]!;
  return value;
}

function numbersOf(value: unknown): number[] | undefined {
  if (!(value instanceof PDFArray)) return undefined;
  const out: number[] = [];
  for (const item of value.asArray()) {
    if (!(item instanceof PDFNumber)) return undefined;
    out.push(item.asNumber());
  }
  return out;
}
