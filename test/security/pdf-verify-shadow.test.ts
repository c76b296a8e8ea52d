/**
 * Shadow attacks on verification [Mainka, Mladenov, Rohlmann, Schwenk, NDSS 2021]: the attacker prepares a PDF
 * with hidden content, lets the victim sign it, then adds a revision that makes the hidden content visible:
 *   hide              page 1's /Contents re-pointed at a stream that was in the signed file but unused
 *                     (also: only an xref entry re-pointing an object number at the hidden bytes);
 *   replace           an existing object redefined: the font, a form field's value or its appearance;
 *   hide-and-replace  the whole catalog / page tree swapped for a hidden one (object redefined, or trailer /Root).
 * Every variant must be reported on the earlier signature; the document is then not valid, except form filling,
 * which ISO 32000-1 §12.8.2.2 (DocMDP P=2, Kyso's default with no DocMDP) allows and Kyso reports by field name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFArray, PDFDict, PDFName, PDFRef, PDFString } from 'pdf-lib';
import {
  PAGE_CONTENTS, SHADOW_TEXT, appendRevision, codes, createSigningBench, details, edit, lastTrailer, makeContract, objectsOf, streamBody,
  type ContractParts, type SigningBench,
} from './pdf-verify-support.js';

let bench: SigningBench;
let contract: ContractParts;
let signed: Uint8Array;

beforeAll(async () => {
  bench = await createSigningBench();
  contract = await makeContract();
  signed = await bench.sign(contract.pdf, 'org-rsa');
  const report = await bench.verify(signed);
  if (report.status !== 'valid') throw new Error(`fixture not valid: ${JSON.stringify(codes(report))}`);
}, 180_000);
afterAll(async () => { await bench?.dispose(); });

const disallowed = (report: Awaited<ReturnType<SigningBench['verify']>>) => details(report, 0, 'PDF_DISALLOWED_CHANGE').join('\n');

/** The text field "SoTien" and its widget. */
async function amountField(pdf: Uint8Array): Promise<{ field: string; widget: string; body(ref: string): string }> {
  const { doc, body } = await objectsOf(pdf);
  const fields = doc.catalog.lookup(PDFName.of('AcroForm'), PDFDict).lookup(PDFName.of('Fields'), PDFArray).asArray();
  for (const ref of fields) {
    const dict = doc.context.lookup(ref, PDFDict);
    if ((dict.get(PDFName.of('T')) as PDFString | undefined)?.decodeText() !== 'SoTien') continue;
    const kid = dict.lookup(PDFName.of('Kids'), PDFArray).get(0) as PDFRef;
    const text = (r: PDFRef) => `${r.objectNumber} ${r.generationNumber}`;
    return { field: text(ref as PDFRef), widget: text(kid), body };
  }
  throw new Error('no SoTien field');
}

describe('shadow attacks: hidden content made visible after signing', () => {
  it("hide: page 1's /Contents re-pointed at a stream hidden in the signed file → invalid, 'page 1 content replaced'", async () => {
    const { body, page } = await objectsOf(signed);
    const attacked = appendRevision(signed, [{ ref: page(1), body: edit(body(page(1)), PAGE_CONTENTS, `/Contents ${contract.hiddenContentRef} R`) }]);
    const report = await bench.verify(attacked);
    expect(report.status).toBe('invalid');
    expect(disallowed(report)).toMatch(/page 1 content replaced/);
  });

  it("hide through the xref alone: a new xref entry points page 1's content object number at the hidden stream's bytes → not valid", async () => {
    const hiddenNumber = contract.hiddenContentRef.split(' ')[0];
    const offset = Buffer.from(signed).indexOf(`\n${hiddenNumber} 0 obj`, 0, 'latin1') + 1;
    expect(offset).toBeGreaterThan(0);
    const attacked = appendRevision(signed, [], { pointAt: [{ ref: contract.contentRef, offset }] });
    const report = await bench.verify(attacked);
    expect(report.status).toBe('invalid');
    expect(codes(report)[0]!.some((c) => c === 'PDF_DISALLOWED_CHANGE' || c === 'PDF_STRUCTURE_INCONSISTENT')).toBe(true);
  });

  it("replace through a /Length that runs past the signed bytes: bytes appended later become page 1's content → invalid", async () => {
    // Before signing, page 1's content stream says /Length 999999 but ends at `endstream` after a few bytes:
    // readers cut it at `endstream`. Appending bytes so that `endstream` sits exactly at start + 999999 makes the
    // same definition, at the same offset, read as another content stream — no xref entry changes.
    const declared = 999_999;
    const visible = `BT /${contract.fontName} 14 Tf 50 760 Td (${'HOP DONG SO 12/2026 - SO TIEN: 1.100.000 DONG'}) Tj ET`;
    const prepared = appendRevision(contract.pdf, [{ ref: contract.contentRef, body: `<< /Length ${declared} >>\nstream\n${visible}\nendstream` }]);
    const base = await bench.sign(prepared, 'org-rsa');
    const dataStart = Buffer.from(base).lastIndexOf(`${contract.contentRef} obj\n<< /Length ${declared} >>\nstream\n`, undefined, 'latin1')
      + `${contract.contentRef} obj\n<< /Length ${declared} >>\nstream\n`.length;
    const payload = `\nQ q BT /${contract.fontName} 14 Tf 50 700 Td (${SHADOW_TEXT}) Tj ET\n`;
    const padding = dataStart + declared - base.length - payload.length;
    expect(padding).toBeGreaterThan(0);
    const attacked = new Uint8Array(Buffer.concat([Buffer.from(base), Buffer.from(`${' '.repeat(padding)}${payload}endstream\n`, 'latin1')]));
    const report = await bench.verify(attacked);
    expect(report.status).toBe('invalid');
    expect(disallowed(report)).toMatch(/page 1 content changed/);
  });

  it('replace: the font object redefined (another glyph mapping) → invalid, the font named', async () => {
    const fontRef = /\/Font <<\s*\/[^\s]+ (\d+ \d+) R/.exec((await objectsOf(signed)).body((await objectsOf(signed)).page(1)))![1]!;
    const attacked = appendRevision(signed, [{
      ref: fontRef,
      body: '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding /Differences [49 /nine] >> >>',
    }]);
    const report = await bench.verify(attacked);
    expect(report.status).toBe('invalid');
    expect(disallowed(report)).toMatch(/font/);
  });

  it("replace: a form field's value and appearance changed (form filling, allowed by default P=2) → reported by field name", async () => {
    const { field, widget, body } = await amountField(signed);
    const size = lastTrailer(signed).size;
    const attacked = appendRevision(signed, [
      { ref: `${size} 0`, body: streamBody(`/Tx BMC BT /${contract.fontName} 12 Tf 2 6 Td (9.900.000) Tj ET EMC`, '/Type /XObject /Subtype /Form /BBox [0 0 200 24]') },
      { ref: field, body: edit(body(field), /\/V (\([^)]*\)|<[0-9A-Fa-f]*>)/, '/V (9.900.000)') },
      { ref: widget, body: edit(body(widget), /\/AP <<[\s\S]*?\/N \d+ \d+ R[\s\S]*?>>/, `/AP << /N ${size} 0 R >>`) },
    ]);
    const report = await bench.verify(attacked);
    expect(details(report, 0, 'PDF_ALLOWED_CHANGE').join('\n')).toMatch(/field 'SoTien'.*9\.900\.000/);
    expect(report.status).toBe('valid');
  });

  it("replace: a form field's appearance changed while its value stays → invalid (what is shown is not the value)", async () => {
    const { widget, body } = await amountField(signed);
    const size = lastTrailer(signed).size;
    const attacked = appendRevision(signed, [
      { ref: `${size} 0`, body: streamBody(`/Tx BMC BT /${contract.fontName} 12 Tf 2 6 Td (9.900.000) Tj ET EMC`, '/Type /XObject /Subtype /Form /BBox [0 0 200 24]') },
      { ref: widget, body: edit(body(widget), /\/AP <<[\s\S]*?\/N \d+ \d+ R[\s\S]*?>>/, `/AP << /N ${size} 0 R >>`) },
    ]);
    const report = await bench.verify(attacked);
    expect(report.status).toBe('invalid');
    expect(disallowed(report)).toMatch(/SoTien/);
  });

  it('hide-and-replace: the catalog redefined to use a hidden page tree → invalid', async () => {
    const { body, catalogRef } = await objectsOf(signed);
    const attacked = appendRevision(signed, [{ ref: catalogRef, body: edit(body(catalogRef), /\/Pages \d+ \d+ R/, `/Pages ${contract.hiddenPagesRef} R`) }]);
    const report = await bench.verify(attacked);
    expect(report.status).toBe('invalid');
    expect(disallowed(report)).toMatch(/page 1 replaced|catalog entry \/Pages changed/);
  });

  it('hide-and-replace through the trailer alone: /Root re-pointed at a hidden catalog (no object redefined) → invalid', async () => {
    const { body } = await objectsOf(signed);
    // The update redefines nothing: it re-lists the hidden catalog unchanged and changes the trailer's /Root.
    const attacked = appendRevision(signed, [{ ref: contract.hiddenCatalogRef, body: body(contract.hiddenCatalogRef) }], { root: contract.hiddenCatalogRef });
    const report = await bench.verify(attacked);
    expect(report.status).toBe('invalid');
    expect(disallowed(report)).toMatch(/catalog replaced/);
  });
});
