/**
 * Repairing a damaged cross-reference (native-host/formats/pdf/xref/repair-xref.ts): accepted only when there is
 * nothing for a repairing reader to choose — one definition per object number, one revision, no object streams,
 * no encryption, one catalog. Every other damaged file keeps its refusal.
 */
import { describe, expect, it } from 'vitest';
import { PDFRawStream, PDFRef } from 'pdf-lib';
import { repairXref } from '../../native-host/formats/pdf/xref/repair-xref.js';
import { readPdfStructure } from '../../native-host/formats/pdf/read-pdf-structure.js';
import { HandPdf, onePageDocument, pageBody, rowsOf, textContent } from '../fixtures/pdf/hand-written-pdf.js';

/** A one-page document whose table's offsets are all off by 3 bytes (startxref right). */
function shifted(extra?: (pdf: HandPdf) => void, trailer = '/Size 6 /Root 1 0 R'): Uint8Array {
  const { pdf, offsets } = onePageDocument('repaired text');
  extra?.(pdf);
  pdf.xrefTable(rowsOf(new Map([...offsets].map(([n, o]) => [n, o + 3]))), trailer);
  return pdf.bytes();
}

/** The data of object 4 (the page's content stream) in the repaired view. */
const contentText = (bytes: Uint8Array): string => {
  const result = repairXref(bytes, 'test');
  if (!result.ok) throw new Error(result.refusal);
  const stream = result.view.context.lookup(PDFRef.of(4, 0));
  return Buffer.from((stream as PDFRawStream).contents).toString('latin1');
};

describe('repairXref', () => {
  it('rebuilds a file whose offsets are shifted: every object at its true offset, the trailer\'s catalog, no inconsistencies', () => {
    const bytes = shifted();
    const result = repairXref(bytes, 'offsets shifted');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.view.repairedFrom).toBe('offsets shifted');
    expect(result.view.context.trailerInfo.Root?.toString()).toBe('1 0 R');
    const text = Buffer.from(bytes).toString('latin1');
    for (const [n, where] of result.view.locations) {
      expect(where.kind).toBe('offset');
      if (where.kind === 'offset') expect(text.slice(where.offset)).toMatch(new RegExp(`^${n} 0 obj`));
    }
    expect([...result.view.locations.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(contentText(bytes)).toContain('repaired text');
  });

  it('readPdfStructure signs from the repaired view (and says so), where it refused before', async () => {
    const structure = await readPdfStructure(shifted());
    expect(structure.view.repairedFrom).toMatch(/where no object begins/);
    expect(structure.doc.getPageCount()).toBe(1);
  });

  it('refuses when an object is defined twice (a shadow): the repair would have to choose', () => {
    const bytes = shifted((pdf) => { pdf.stream(6, textContent('hidden')); pdf.object(3, pageBody(2, 6, 5)); });
    expect(repairXref(bytes, 'x')).toMatchObject({ ok: false, ambiguous: true, refusal: expect.stringMatching(/object 3 is defined twice/) });
  });

  it('refuses a file with an incremental update (its meaning is in the damaged xref)', () => {
    const { pdf, offsets } = onePageDocument('first');
    const first = pdf.xrefTable(rowsOf(offsets), '/Size 6 /Root 1 0 R');
    pdf.xrefTable([{ num: 6, offset: pdf.stream(6, textContent('added')) + 2 }], `/Size 7 /Root 1 0 R /Prev ${first}`);
    expect(repairXref(pdf.bytes(), 'x')).toMatchObject({ ok: false, ambiguous: false, refusal: expect.stringMatching(/2 revisions/) });
  });

  it('refuses object streams, encryption, a definition inside another object, and trailers naming different catalogs', () => {
    const objectStream = shifted((pdf) => { pdf.stream(7, `8 0 ${pageBody(2, 4, 5)}`, '/Type /ObjStm /N 1 /First 4'); });
    expect(repairXref(objectStream, 'x')).toMatchObject({ ok: false, refusal: expect.stringMatching(/object streams/) });
    const encrypted = shifted(undefined, '/Size 6 /Root 1 0 R /Encrypt 5 0 R');
    expect(repairXref(encrypted, 'x')).toMatchObject({ ok: false, refusal: expect.stringMatching(/encrypted/) });
    // A stream whose data holds `9 0 obj` (an embedded file, or hidden content a sweep would find).
    const nested = shifted((pdf) => { pdf.stream(6, '9 0 obj\n<< /Type /Page >>\nendobj'); });
    expect(repairXref(nested, 'x')).toMatchObject({ ok: false, ambiguous: true, refusal: expect.stringMatching(/inside the previous object/) });
    const twoRoots = shifted((pdf) => { pdf.object(6, '<< /Type /Catalog /Pages 2 0 R >>'); pdf.raw('trailer\n<< /Size 7 /Root 6 0 R >>\n'); });
    expect(repairXref(twoRoots, 'x')).toMatchObject({ ok: false, ambiguous: true, refusal: expect.stringMatching(/different catalogs/) });
  });
});
