/**
 * signPdfFile (what `kyso sign-pdf` and host.signDocuments run: copy-input + FileImage) writes what the in-memory
 * signPdf writes, for the shapes whose handling lives in the reader and the placement code: a rotated page, a
 * cropped page, a form with /NeedAppearances (its fields redrawn in the update), and damaged cross-references
 * repaired from the file's bytes (shifted offsets, a wrong startxref); a damaged file defining one object twice is
 * refused on both. Same file = equal apart from the random font subset tag and the CMS (test/helpers/
 * pdf-sign-paths.ts). The integration tier checks these files with pdfsig, qpdf and rendered pixels.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PDFBool, PDFDict, PDFName, degrees } from 'pdf-lib';
import { createSoftwarePki } from '../helpers/software-signer.js';
import { expectRefusedOnBothPaths, signPdfAsUsersDo } from '../helpers/pdf-sign-paths.js';
import { ANCHOR, damagedWithTwoDefinitions, damagedXref, pdfLibDocument } from '../fixtures/pdf/producers/make-corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'kyso-sign-paths-'));
const pki = createSoftwarePki();
afterAll(() => { for (const d of [dir, pki.dir]) rmSync(d, { recursive: true, force: true }); });

describe('signPdfFile writes what signPdf writes', () => {
  it('rotated, cropped and /NeedAppearances pages, default stamp and anchor', async () => {
    const files = {
      rotated: await pdfLibDocument(1, (doc) => { doc.getPage(0).setRotation(degrees(270)); }),
      cropped: await pdfLibDocument(1, (doc) => { doc.getPage(0).setCropBox(40, 60, 500, 720); }),
      form: await pdfLibDocument(1, (doc) => {
        const f = doc.getForm().createTextField('hoTen');
        f.addToPage(doc.getPage(0), { x: 50, y: 700, width: 250, height: 24 });
        f.setText('Nguyễn Văn A');
        (doc.catalog.lookup(PDFName.of('AcroForm')) as PDFDict).set(PDFName.of('NeedAppearances'), PDFBool.True);
      }),
    };
    for (const [name, bytes] of Object.entries(files)) {
      for (const visible of [{}, { anchor: { text: ANCHOR } }]) {
        const signed = await signPdfAsUsersDo(dir, bytes, pki.rsa.signer, { visible });
        expect(signed.length, name).toBeGreaterThan(bytes.length);
      }
    }
  });

  it('damaged cross-references: repaired the same way from the file (shifted offsets, wrong startxref); two definitions refused on both', async () => {
    const clean = await pdfLibDocument();
    for (const how of ['shifted offsets', 'wrong startxref'] as const) {
      const damaged = damagedXref(clean, how);
      const signed = await signPdfAsUsersDo(dir, damaged, pki.ec.signer, { visible: {} });
      // After the damaged bytes: a complete rebuilt xref table (from object 0, free), then the signing update.
      const update = Buffer.from(signed.subarray(damaged.length)).toString('latin1');
      expect(/^xref\r?\n0 \d+\r?\n0000000000 65535 f/.test(update), `${how}: a complete xref table in the update`).toBe(true);
    }
    await expectRefusedOnBothPaths(dir, damagedWithTwoDefinitions(clean), pki.rsa.signer, { visible: {} }, { code: 'DOCUMENT_AMBIGUOUS' });
  });
});
