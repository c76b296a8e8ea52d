/**
 * A damaged cross-reference (offsets shifted by a careless producer, a wrong `startxref`) rebuilt the way readers
 * repair it [pdf.js XRef.indexObjects, poppler XRef::constructXRef, qpdf's reconstruction]: by scanning the file
 * for `N G obj` definitions. Repair picks one definition per number; when a number has two, readers choose
 * differently (first, last, the one a broken entry happens to hit) — the shadow attacks of PDF Insecurity. So a
 * repaired view is accepted only where there is nothing to choose:
 *   - every object number is defined exactly once, and no definition lies inside another (stream data);
 *   - the file has one revision (an incremental update's meaning — which objects it replaces or frees — is
 *     carried by the very xref that is damaged);
 *   - no object streams (their members' numbers would need the damaged index) and no encryption;
 *   - every trailer in the file names the same catalog.
 * Otherwise the caller refuses as before (DOCUMENT_AMBIGUOUS / INVALID_DOCUMENT). The signing update then carries a
 * COMPLETE new cross-reference with no /Prev (write-incremental-update.ts), so every reader of the signed file
 * reads this view without repairing anything, and the signature covers it.
 */
import { PDFContext, PDFDict, PDFName, PDFNumber, PDFRawStream, PDFRef, type PDFObject } from 'pdf-lib';
import { IndirectObjectParser, type ParsedIndirectObject } from './indirect-object-parser.js';
import { asBuffer, keywordAt, readUnsignedInt, skipWhitespace } from './pdf-bytes.js';
import { PDF_MAX_OBJECT_NUMBER } from './pdf-limits.js';
import { indexOfLatin1 } from './index-of-latin1.js';
import type { PdfRevisionView, XrefLocation } from './read-revision.js';
import { scanObjectHeaders, type ObjectHeader } from './scan-object-headers.js';

export type XrefRepair =
  | { readonly ok: true; readonly view: PdfRevisionView }
  /**
   * Why the file cannot be repaired; `ambiguous`: its definitions themselves conflict (two of one number,
   * one inside another, trailers naming different catalogs), so readers repairing it may show different documents.
   */
  | { readonly ok: false; readonly refusal: string; readonly ambiguous: boolean };

/** Rebuild the view of a file whose cross-reference is damaged; `damage` says what was wrong with it (kept in the view). */
export function repairXref(bytes: Uint8Array, damage: string): XrefRepair {
  const refuse = (refusal: string, ambiguous = false): XrefRepair => ({ ok: false, refusal, ambiguous });
  const headers = scanObjectHeaders(bytes);
  if (headers.length === 0) return refuse('no object definitions found');

  const byNumber = new Map<number, ObjectHeader>();
  for (const header of headers) {
    if (header.objectNumber === 0) return refuse('an object numbered 0 is defined (object 0 is always free)');
    const other = byNumber.get(header.objectNumber);
    if (other) return refuse(`object ${header.objectNumber} is defined twice (offsets ${other.start} and ${header.start}): readers repairing the file may take either`, true);
    byNumber.set(header.objectNumber, header);
  }
  const updates = countRevisions(bytes);
  if (updates > 1) return refuse(`the file has ${updates} revisions: which objects each update replaces or frees is written in the damaged cross-reference`);

  // Indirect /Length values are read from the (unique) definition of that number.
  const lengthOf = (ref: PDFRef): number | undefined => {
    const header = byNumber.get(ref.objectNumber);
    if (!header) return undefined;
    try {
      const found = IndirectObjectParser.over(bytes, PDFContext.create(), () => undefined).parseIndirectAt(header.start);
      return found?.object instanceof PDFNumber ? found.object.asNumber() : undefined;
    } catch {
      return undefined;
    }
  };
  const context = PDFContext.create();
  const parser = IndirectObjectParser.over(bytes, context, lengthOf);
  const locations = new Map<number, XrefLocation>();
  const extents: Array<readonly [number, number]> = [];
  const trailers: Array<{ at: number; dict: PDFDict }> = [];
  let previousEnd = 0;
  for (const header of headers) {
    if (header.start < previousEnd) return refuse(`the definition of object ${header.objectNumber} at offset ${header.start} lies inside the previous object`, true);
    let parsed: ParsedIndirectObject | undefined;
    try {
      parsed = parser.parseIndirectAt(header.start);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !parsed.closed || parsed.objectNumber !== header.objectNumber) return refuse(`object ${header.objectNumber} at offset ${header.start} cannot be read`);
    previousEnd = parsed.end;
    extents.push([parsed.start, parsed.end]);
    const type = parsed.object instanceof PDFRawStream ? parsed.object.dict.get(PDFName.of('Type')) : undefined;
    if (type === PDFName.of('ObjStm')) return refuse('the file has object streams');
    if (type === PDFName.of('XRef')) {
      // A (damaged) cross-reference stream is structure, not content; its dictionary is a trailer [§7.5.8.2].
      trailers.push({ at: parsed.start, dict: (parsed.object as PDFRawStream).dict });
      continue;
    }
    context.assign(PDFRef.of(parsed.objectNumber, parsed.generation), parsed.object);
    locations.set(parsed.objectNumber, { kind: 'offset', offset: parsed.start, generation: parsed.generation });
  }
  trailers.push(...trailerDictionaries(bytes, parser, extents));
  if (trailers.length === 0) return refuse('no trailer found');
  trailers.sort((a, b) => a.at - b.at);

  let root: PDFRef | undefined;
  for (const { dict } of trailers) {
    if (dict.has(PDFName.of('Encrypt'))) return refuse('the file is encrypted');
    const candidate = dict.get(PDFName.of('Root'));
    if (!(candidate instanceof PDFRef)) continue;
    if (root && root !== candidate) return refuse(`its trailers name different catalogs (${root.toString()} and ${candidate.toString()})`, true);
    root = candidate;
  }
  if (!root || !(context.lookup(root) instanceof PDFDict)) return refuse('no trailer names a catalog that is defined');
  const latest = (key: string): PDFObject | undefined => {
    for (let i = trailers.length - 1; i >= 0; i--) { const v = trailers[i]!.dict.get(PDFName.of(key)); if (v) return v; }
    return undefined;
  };
  const info = latest('Info');
  const id = latest('ID');
  context.trailerInfo = { Root: root, Info: info instanceof PDFRef && context.lookup(info) instanceof PDFDict ? info : undefined, Encrypt: undefined, ID: id };

  const size = Math.max(...locations.keys()) + 1;
  if (size > PDF_MAX_OBJECT_NUMBER + 1) return refuse('object numbers above the PDF limit');
  const trailer = context.obj({ Size: size, Root: root, ...(context.trailerInfo.Info ? { Info: context.trailerInfo.Info } : {}), ...(id ? { ID: id } : {}) });
  return {
    ok: true,
    view: {
      context, trailer, startxref: 0, xrefIsStream: false, size, inconsistencies: [], locations, unaccountedDefinitions: [],
      sections: [], end: bytes.length, repairedFrom: damage,
    },
  };
}

/** Revisions the file's bytes lay out: `startxref N` with N ≠ 0 (a linearized file's first-page trailer says 0 [Annex F.3.4]), wherever N points. */
function countRevisions(bytes: Uint8Array): number {
  const buffer = asBuffer(bytes);
  let count = 0;
  for (let from = 0; ;) {
    const at = indexOfLatin1(buffer, 'startxref', from);
    if (at < 0) return count;
    from = at + 9;
    const value = readUnsignedInt(bytes, skipWhitespace(bytes, at + 9));
    if (keywordAt(bytes, at, 'startxref') && value?.value !== 0) count++;
  }
}

/** Every `trailer << … >>` outside the objects' own bytes. */
function trailerDictionaries(bytes: Uint8Array, parser: IndirectObjectParser, extents: ReadonlyArray<readonly [number, number]>): Array<{ at: number; dict: PDFDict }> {
  const buffer = asBuffer(bytes);
  const out: Array<{ at: number; dict: PDFDict }> = [];
  for (let from = 0; ;) {
    const at = buffer.indexOf('trailer', from, 'latin1');
    if (at < 0) return out;
    from = at + 7;
    if (!keywordAt(bytes, at, 'trailer') || extents.some(([s, e]) => at >= s && at < e)) continue;
    try {
      const dict = parser.parseDirectAt(at + 7);
      if (dict instanceof PDFDict) out.push({ at, dict });
    } catch {
      // Not a dictionary: not a trailer.
    }
  }
}
