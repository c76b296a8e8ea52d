/**
 * The document as readers see it: objects resolved through the cross-reference chain that starts at `startxref`
 * [ISO 32000-1 §7.5.4 tables, §7.5.5 trailer, §7.5.6 incremental updates (/Prev), §7.5.7 object streams,
 * §7.5.8 cross-reference streams, §7.5.8.4 hybrid files (/XRefStm)] — the way pdf.js, poppler and Acrobat resolve
 * an object, and NOT the way pdf-lib's loader does (every `N G obj` in file order, the last one winning, the xref
 * ignored). Each object is parsed where its entry points, with pdf-lib's object parser.
 *
 * The view also reports what makes a file ambiguous (`inconsistencies`): a definition no section points to while
 * the xref points to another, an entry that does not point at its object, a /Prev loop. Such a file looks
 * different to a reader that follows the xref and to one that sweeps the file (pdf-lib, a repairing reader):
 * the "shadow" attacks of PDF Insecurity (Mainka, Mladenov, Rohlmann, Schwenk, NDSS 2021).
 */
import { PDFContext, PDFDict, PDFName, PDFNumber, PDFRawStream, PDFRef, type PDFObject } from 'pdf-lib';
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import { IndirectObjectParser } from './indirect-object-parser.js';
import { lastStartXref, listRevisions } from './list-revisions.js';
import { isObjectStream, readObjectStream, type ObjectStreamContents } from './object-stream.js';
import { asBuffer, keywordAt, skipWhitespace } from './pdf-bytes.js';
import { ensureFilled, fileImageOf } from './file-image.js';
import { MAX_XREF_SECTIONS, PDF_MAX_OBJECT_NUMBER } from './pdf-limits.js';
import { scanObjectHeaders } from './scan-object-headers.js';
import { parseXrefStream, parseXrefTable, type XrefEntry, type XrefSection } from './xref-section.js';

export { listRevisions } from './list-revisions.js';
export type { XrefEntry } from './xref-section.js';

/** An in-use entry: where an object of the view was read from. */
export type XrefLocation = Exclude<XrefEntry, { kind: 'free' }>;

export interface UnaccountedDefinition {
  readonly objectNumber: number;
  readonly generation: number;
  /** Offset of the `N G obj` header. */
  readonly offset: number;
  /** The xref resolves this object number to another definition (a shadow); false: the number is free or unused. */
  readonly conflicts: boolean;
}

export interface PdfRevisionView {
  /** A pdf-lib context holding exactly the objects the xref chain from `startxref` resolves to (tables, xref streams, /Prev, hybrid /XRefStm, object streams; newest section wins), trailerInfo (Root, Info, Encrypt, ID) set from the newest trailer. */
  readonly context: PDFContext;
  readonly trailer: PDFDict;
  readonly startxref: number;
  readonly xrefIsStream: boolean;
  /** Trailer /Size (bounded to 8,388,607). */
  readonly size: number;
  /** Facts that make the file ambiguous: object definitions no xref section points to while the xref points to another definition, xref entries that do not point at 'N G obj' of that number, /Prev loops... Empty for a clean file. */
  readonly inconsistencies: readonly string[];
  /** Where each object of the view was read from (in-use entries only). */
  readonly locations: ReadonlyMap<number, XrefLocation>;
  /** `N G obj` definitions (outside the view's own objects) that no section of the chain points to. */
  readonly unaccountedDefinitions: readonly UnaccountedDefinition[];
  /** Offsets of the chain's cross-reference sections, newest first (a hybrid file's /XRefStm streams included after their table). */
  readonly sections: readonly number[];
  /** End of this revision: just after its `%%EOF` line (the file's length for the newest revision). */
  readonly end: number;
  /**
   * Set when the file's cross-reference is damaged and this view was rebuilt from its object definitions
   * (repair-xref.ts): what was wrong. `locations` then lists every object at its true offset.
   */
  readonly repairedFrom?: string;
}

export interface ReadRevisionOptions {
  /**
   * For an encrypted file: decrypt an object stream's data before decoding it (object streams are encrypted as
   * streams; their members' strings are not encrypted again [ISO 32000-1 §7.5.7, §7.6.1]).
   */
  readonly decryptObjectStream?: (data: Uint8Array, objectNumber: number, generation: number) => Uint8Array;
}

/** Resolve the revision whose cross-reference section starts at `startxref` (default: the file's last startxref). Throws KysoError('INVALID_DOCUMENT', …) on an unreadable structure. */
export function readRevision(bytes: Uint8Array, startxref?: number, options: ReadRevisionOptions = {}): PdfRevisionView {
  const plain = (stream: PDFRawStream, objectNumber: number, generation: number): PDFRawStream =>
    options.decryptObjectStream ? PDFRawStream.of(stream.dict, options.decryptObjectStream(stream.contents, objectNumber, generation)) : stream;
  ensureFilled(bytes, 0, 1024);
  if (asBuffer(bytes.subarray(0, 1024)).indexOf('%PDF-', 0, 'latin1') < 0) {
    throw new KysoError('INVALID_DOCUMENT', { reason: 'not a PDF (no %PDF- header)' });
  }
  const start = startxref ?? lastStartXref(bytes);
  if (!Number.isSafeInteger(start) || start <= 0 || start >= bytes.length) {
    throw new KysoError('INVALID_DOCUMENT', { reason: 'startxref offset is outside the file' });
  }
  const context = PDFContext.create();
  const inconsistencies: string[] = [];
  let lengthOf: (ref: PDFRef) => number | undefined = () => undefined;
  const parser = IndirectObjectParser.over(bytes, context, (ref) => lengthOf(ref));

  const chain = readChain(bytes, start, parser, inconsistencies);
  const newest = chain.sections[0]!;
  const resolved = chain.resolved;

  // Indirect /Length values are read through the view, into a scratch context (a length is a plain number).
  lengthOf = (ref) => {
    const entry = resolved.get(ref.objectNumber);
    if (entry?.kind !== 'offset') return undefined;
    try {
      const found = IndirectObjectParser.over(bytes, PDFContext.create(), () => undefined).parseIndirectAt(entry.offset);
      return found?.objectNumber === ref.objectNumber && found.object instanceof PDFNumber ? found.object.asNumber() : undefined;
    } catch {
      return undefined;
    }
  };

  const locations = new Map<number, XrefLocation>();
  const extents: Array<[number, number]> = [];
  for (const [objectNumber, entry] of resolved) {
    if (entry.kind !== 'offset') continue;
    const parsed = parseAt(parser, bytes, objectNumber, entry.offset, inconsistencies);
    if (!parsed) continue;
    if (parsed.objectNumber !== objectNumber || parsed.generation !== entry.generation) {
      inconsistencies.push(`the cross-reference entry for object ${objectNumber} ${entry.generation} points at offset ${entry.offset}, where object ${parsed.objectNumber} ${parsed.generation} is defined`);
      continue;
    }
    context.assign(PDFRef.of(objectNumber, entry.generation), parsed.object);
    locations.set(objectNumber, entry);
    extents.push([parsed.start, parsed.end]);
  }

  const objectStreams = new Map<number, ObjectStreamContents | undefined>();
  const objectStreamOf = (streamNumber: number): ObjectStreamContents | undefined => {
    if (objectStreams.has(streamNumber)) return objectStreams.get(streamNumber);
    let contents: ObjectStreamContents | undefined;
    const where = locations.get(streamNumber);
    const stream = where?.kind === 'offset' ? context.lookup(PDFRef.of(streamNumber, where.generation)) : undefined;
    if (stream instanceof PDFRawStream && isObjectStream(stream)) {
      try {
        contents = readObjectStream(plain(stream, streamNumber, where?.kind === 'offset' ? where.generation : 0), streamNumber);
      } catch (error) {
        inconsistencies.push(`object stream ${streamNumber} cannot be read: ${reasonOf(error)}`);
      }
    } else {
      inconsistencies.push(`object stream ${streamNumber}, named by the cross-reference, is not an object stream in use`);
    }
    objectStreams.set(streamNumber, contents);
    return contents;
  };
  for (const [objectNumber, entry] of resolved) {
    if (entry.kind !== 'compressed') continue;
    const contents = objectStreamOf(entry.stream);
    if (!contents) continue;
    const member = contents.members[entry.index];
    if (!member || member.objectNumber !== objectNumber) {
      inconsistencies.push(`the cross-reference puts object ${objectNumber} at index ${entry.index} of object stream ${entry.stream}, which holds ${member ? `object ${member.objectNumber}` : 'no such index'}`);
      continue;
    }
    try {
      context.assign(PDFRef.of(objectNumber, 0), parser.parseInside(contents.data, member.at));
      locations.set(objectNumber, entry);
    } catch (error) {
      inconsistencies.push(`object ${objectNumber} in object stream ${entry.stream} cannot be parsed: ${reasonOf(error)}`);
    }
  }

  const end = startxref === undefined ? bytes.length : revisionEnd(bytes, start);
  const unaccountedDefinitions = findUnaccounted(bytes, end, chain.accounted, resolved, extents, inconsistencies, plain);
  // Members of every object stream in the view must be the ones some section points to.
  for (const [streamNumber, where] of locations) {
    if (where.kind !== 'offset') continue;
    const object = context.lookup(PDFRef.of(streamNumber, where.generation));
    if (!(object instanceof PDFRawStream) || !isObjectStream(object)) continue;
    const contents = objectStreamOf(streamNumber);
    contents?.members.forEach((member, index) => {
      const current = resolved.get(member.objectNumber);
      if (current && current.kind !== 'free' && !chain.accounted.has(compressedKey(member.objectNumber, streamNumber, index))) {
        inconsistencies.push(`object ${member.objectNumber} is also defined in object stream ${streamNumber} (index ${index}), which no cross-reference section points to, while the cross-reference points to another definition`);
      }
    });
  }

  const trailer = newest.trailer;
  const size = trailerSize(trailer);
  context.trailerInfo = {
    Root: trailer.get(PDFName.of('Root')),
    Info: trailer.get(PDFName.of('Info')),
    Encrypt: trailer.get(PDFName.of('Encrypt')),
    ID: trailer.get(PDFName.of('ID')),
  };
  if (!(context.trailerInfo.Root instanceof PDFRef)) throw new KysoError('INVALID_DOCUMENT', { reason: 'the trailer has no /Root reference' });
  return {
    context, trailer, startxref: start, xrefIsStream: newest.isStream, size,
    inconsistencies, locations, unaccountedDefinitions, sections: chain.sections.map((s) => s.at), end,
  };
}

interface Chain {
  /** Sections newest first. */
  readonly sections: XrefSection[];
  /** Object number → the entry of the newest section that has one (free entries included: they delete). */
  readonly resolved: Map<number, XrefEntry>;
  /** Every definition some section points to: `n@offset` and `n#stream.index`. */
  readonly accounted: Set<string>;
}

const offsetKey = (objectNumber: number, offset: number): string => `${objectNumber}@${offset}`;
const compressedKey = (objectNumber: number, stream: number, index: number): string => `${objectNumber}#${stream}.${index}`;

/** Follow /Prev from `start`; in a hybrid file, a table's /XRefStm stream comes after the table and before /Prev [§7.5.8.4]. */
function readChain(bytes: Uint8Array, start: number, parser: IndirectObjectParser, inconsistencies: string[]): Chain {
  const sections: XrefSection[] = [];
  const resolved = new Map<number, XrefEntry>();
  const accounted = new Set<string>();
  const seen = new Set<number>();
  let next: number | undefined = start;
  while (next !== undefined) {
    const at: number = next;
    next = undefined;
    if (seen.has(at)) { inconsistencies.push(`/Prev loop: the cross-reference section at offset ${at} is reached twice`); break; }
    seen.add(at);
    if (sections.length >= MAX_XREF_SECTIONS) throw new KysoError('INVALID_DOCUMENT', { reason: 'too many cross-reference sections', limit: MAX_XREF_SECTIONS });
    let section: XrefSection;
    try {
      section = readSectionAt(bytes, at, parser);
    } catch (error) {
      if (sections.length === 0) throw error;
      inconsistencies.push(`the previous cross-reference section at offset ${at} cannot be read: ${reasonOf(error)}`);
      break;
    }
    sections.push(section);
    reportDuplicates(section, inconsistencies);
    const revisionEntries = new Map(section.entries);
    const xrefStm = section.isStream ? undefined : intEntry(section.trailer, 'XRefStm');
    if (xrefStm !== undefined) {
      if (seen.has(xrefStm)) inconsistencies.push(`/XRefStm loop at offset ${xrefStm}`);
      else {
        seen.add(xrefStm);
        try {
          const hidden = parseXrefStream(bytes, xrefStm, parser);
          sections.push(hidden);
          reportDuplicates(hidden, inconsistencies);
          // The table first, then the stream for the numbers the table does not list [§7.5.8.4]. A number the table
          // lists as FREE stays free: pdf.js and poppler do not look it up in /XRefStm (checked on a hand-written
          // file: both then miss the object), so neither may Kyso.
          // Readers that do (the standard reads as if they should) would see an object the others do not: ambiguous.
          for (const [n, e] of hidden.entries) {
            if (!revisionEntries.has(n)) revisionEntries.set(n, e);
            else if (revisionEntries.get(n)!.kind === 'free' && e.kind !== 'free' && n !== 0) {
              inconsistencies.push(`object ${n} is free in the cross-reference table at offset ${at} but in use in its /XRefStm stream: readers disagree on it`);
            }
          }
        } catch (error) {
          inconsistencies.push(`the /XRefStm cross-reference stream at offset ${xrefStm} cannot be read: ${reasonOf(error)}`);
        }
      }
    }
    for (const [n, e] of revisionEntries) {
      if (!resolved.has(n)) resolved.set(n, e);
      if (e.kind === 'offset') {
        ensureFilled(bytes, e.offset, e.offset + ENTRY_WINDOW_BYTES);
        accounted.add(offsetKey(n, skipWhitespace(bytes, e.offset)));
      }
      else if (e.kind === 'compressed') accounted.add(compressedKey(n, e.stream, e.index));
    }
    if (section.streamObjectNumber !== undefined) accounted.add(offsetKey(section.streamObjectNumber, skipWhitespace(bytes, section.at)));
    const prev = intEntry(section.trailer, 'Prev');
    if (prev !== undefined) {
      if (prev <= 0 || prev >= bytes.length) inconsistencies.push(`/Prev ${prev} points outside the file`);
      else next = prev;
    }
  }
  return { sections, resolved, accounted };
}

/** One section listing a number twice: pdf.js keeps the first entry; a reader keeping the last would see another object. */
function reportDuplicates(section: XrefSection, inconsistencies: string[]): void {
  if (section.duplicates.length === 0) return;
  inconsistencies.push(`the cross-reference section at offset ${section.at} lists object(s) ${section.duplicates.slice(0, 10).join(', ')} more than once`);
}

function readSectionAt(bytes: Uint8Array, at: number, parser: IndirectObjectParser): XrefSection {
  ensureSection(bytes, at);
  const where = skipWhitespace(bytes, at);
  try {
    return keywordAt(bytes, where, 'xref') ? parseXrefTable(bytes, where, parser) : parseXrefStream(bytes, where, parser);
  } catch (error) {
    if (error instanceof KysoError) throw error;
    throw new KysoError('INVALID_DOCUMENT', { reason: 'the cross-reference section cannot be parsed', offset: at }, { cause: error });
  }
}

/** White space before an object's header that an entry's offset may point at, read with it from a FileImage. */
const ENTRY_WINDOW_BYTES = 256;

/**
 * Over a FileImage, read a cross-reference section before parsing it: a table up to its trailer dictionary (its
 * entries are 20 bytes each, so this is the table's own size), a stream through the object parser (which reads
 * its object). Nothing to do for in-memory bytes.
 */
function ensureSection(bytes: Uint8Array, at: number): void {
  const image = fileImageOf(bytes);
  if (!image) return;
  image.ensure(at, at + ENTRY_WINDOW_BYTES);
  if (!keywordAt(bytes, skipWhitespace(bytes, at), 'xref')) return;
  const trailerAt = image.indexOf('trailer', at);
  image.ensure(at, (trailerAt < 0 ? image.length : trailerAt) + TRAILER_WINDOW_BYTES);
}

/** A trailer dictionary's bytes, read after the `trailer` keyword. */
const TRAILER_WINDOW_BYTES = 64 * 1024;

function parseAt(parser: IndirectObjectParser, bytes: Uint8Array, objectNumber: number, offset: number, inconsistencies: string[]) {
  if (offset <= 0 || offset >= bytes.length) {
    inconsistencies.push(`the cross-reference entry for object ${objectNumber} points outside the file (offset ${offset})`);
    return undefined;
  }
  try {
    const parsed = parser.parseIndirectAt(offset);
    if (!parsed) inconsistencies.push(`the cross-reference entry for object ${objectNumber} points at offset ${offset}, where no object begins`);
    return parsed;
  } catch (error) {
    inconsistencies.push(`object ${objectNumber} at offset ${offset} cannot be parsed: ${reasonOf(error)}`);
    return undefined;
  }
}

/**
 * Definitions in [0, end) that no section points to. Headers inside the view's own objects (stream data such as
 * an embedded file) are not definitions. One whose number the view resolves elsewhere is a shadow.
 */
type PlainStream = (stream: PDFRawStream, objectNumber: number, generation: number) => PDFRawStream;

function findUnaccounted(bytes: Uint8Array, end: number, accounted: Set<string>, resolved: Map<number, XrefEntry>, extents: Array<[number, number]>, inconsistencies: string[], plain: PlainStream): UnaccountedDefinition[] {
  const sorted = [...extents].sort((a, b) => a[0] - b[0]);
  const out: UnaccountedDefinition[] = [];
  let k = 0;
  let reach = -1; // the furthest end among extents that start before the current header
  for (const header of scanObjectHeaders(bytes, end)) {
    while (k < sorted.length && sorted[k]![0] < header.start) { reach = Math.max(reach, sorted[k]![1]); k++; }
    if (header.start < reach) continue;
    if (accounted.has(offsetKey(header.objectNumber, header.start))) continue;
    const current = resolved.get(header.objectNumber);
    const conflicts = current !== undefined && current.kind !== 'free';
    out.push({ objectNumber: header.objectNumber, generation: header.generation, offset: header.start, conflicts });
    if (conflicts) {
      const there = current.kind === 'offset' ? `offset ${current.offset}` : `object stream ${current.stream}`;
      inconsistencies.push(`object ${header.objectNumber} ${header.generation} is defined at offset ${header.start}, which no cross-reference section points to, while the cross-reference points to another definition (${there})`);
    }
    checkOrphanObjectStream(bytes, header.start, header.objectNumber, header.generation, accounted, resolved, inconsistencies, plain);
  }
  return out;
}

/** A stray object stream can redefine objects too (pdf-lib's loader would read its members). */
function checkOrphanObjectStream(bytes: Uint8Array, at: number, streamNumber: number, generation: number, accounted: Set<string>, resolved: Map<number, XrefEntry>, inconsistencies: string[], plain: PlainStream): void {
  let object: PDFObject | undefined;
  try {
    object = IndirectObjectParser.over(bytes, PDFContext.create(), () => undefined).parseIndirectAt(at)?.object;
  } catch {
    return;
  }
  if (!(object instanceof PDFRawStream) || !isObjectStream(object)) return;
  let contents: ObjectStreamContents;
  try {
    contents = readObjectStream(plain(object, streamNumber, generation), streamNumber);
  } catch {
    return;
  }
  contents.members.forEach((member, index) => {
    const current = resolved.get(member.objectNumber);
    if (current && current.kind !== 'free' && !accounted.has(compressedKey(member.objectNumber, streamNumber, index))) {
      inconsistencies.push(`object ${member.objectNumber} is also defined in an object stream at offset ${at} that no cross-reference section points to, while the cross-reference points to another definition`);
    }
  });
}

/** The end of the revision whose section is at `start`: after its `%%EOF`; the whole file for the newest. */
function revisionEnd(bytes: Uint8Array, start: number): number {
  const marks = listRevisions(bytes);
  let index = -1;
  marks.forEach((m, i) => { if (m.startxref === start) index = i; });
  if (index < 0 || index === marks.length - 1) return bytes.length;
  return marks[index]!.end;
}

/** Trailer /Size: an integer from 1 to one past the PDF's largest object number [§7.5.5 Table 15, Annex C]. */
function trailerSize(trailer: PDFDict): number {
  const value = trailer.get(PDFName.of('Size'));
  const size = value instanceof PDFNumber ? value.asNumber() : NaN;
  if (!Number.isSafeInteger(size) || size < 1) throw new KysoError('INVALID_DOCUMENT', { reason: 'trailer without a valid /Size' });
  if (size > PDF_MAX_OBJECT_NUMBER + 1) {
    throw new KysoError('INVALID_DOCUMENT', { reason: `trailer /Size ${size} is above the PDF limit of ${PDF_MAX_OBJECT_NUMBER} objects`, size });
  }
  return size;
}

function intEntry(dict: PDFDict, key: string): number | undefined {
  const value = dict.get(PDFName.of(key));
  if (!(value instanceof PDFNumber)) return undefined;
  const n = value.asNumber();
  return Number.isSafeInteger(n) ? n : -1;
}

function reasonOf(error: unknown): string {
  if (error instanceof KysoError) return String(error.details?.['reason'] ?? error.code);
  return error instanceof Error ? error.message.split('\n')[0]!.slice(0, 200) : String(error);
}
