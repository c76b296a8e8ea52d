/**
 * Forms with /NeedAppearances true (issue 12 §1): poppler (and Adobe Reader) redraw such forms themselves and do
 * not show a signature widget's own appearance. Signing draws the fields' appearance streams in the signing update
 * and clears the flag (native-host/formats/pdf/form-appearances.ts). Checked as a user would: poppler renders the
 * stamp in its box and the filled values in their fields, pdfsig calls the signature valid over the whole
 * document, qpdf --check finds no damage, `verify` agrees, and a second signature keeps the first valid.
 * Signed as users sign (signPdfFile, test/helpers/pdf-sign-paths.ts); the in-memory signPdf must write the same
 * file (for the encrypted forms: the same layout, AES output differs by its random IVs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PDFBool, PDFDict, PDFDocument, PDFName, StandardFonts } from 'pdf-lib';
import fontkit from '@pdf-lib/fontkit';
import { TestPki, type IssuedCert } from '../helpers/test-pki.js';
import { softwareSigner } from '../helpers/software-signer.js';
import { changedBox, maskOut, renderPage, within, RENDER_DPI, type DisplayBox, type Raster } from '../helpers/stamp-pixels.js';
import { signPdf } from '../../native-host/formats/pdf/sign-pdf.js';
import { signPdfAsUsersDo } from '../helpers/pdf-sign-paths.js';
import { CORNER_MARGIN_PT, DEFAULT_STAMP_SIZE } from '../../native-host/formats/pdf/pdf-signature-options.js';
import { TrustStore } from '../../native-host/trust/index.js';
import { verifyDocument } from '../../native-host/verify/index.js';
import type { Signer } from '../../native-host/token/signer.js';

const run = promisify(execFile);
let pki: TestPki;
let person: IssuedCert;
let signer: Signer;
const FIELD = { x: 50, y: 700, width: 300, height: 24 };
const CHECKBOX = { x: 50, y: 650, width: 16, height: 16 };
const STAMP: DisplayBox = { x: 595 - CORNER_MARGIN_PT - DEFAULT_STAMP_SIZE.width, y: CORNER_MARGIN_PT, ...DEFAULT_STAMP_SIZE };

beforeAll(async () => {
  pki = await TestPki.create({ label: 'Forms' });
  person = await pki.issue({ subject: '/C=VN/CN=Ngô Văn Mẫu' }, 'forms');
  signer = softwareSigner(person.keyPath, person.certPem, [pki.intermediate.certPem], 'RSA');
}, 60_000);
afterAll(async () => { await pki?.dispose(); });

/** A filled form as form tools leave it: values set, no appearance streams, /NeedAppearances true. */
async function filledForm(value: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const page = doc.addPage([595, 842]);
  page.drawText('TO KHAI', { x: 50, y: 780, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
  const form = doc.getForm();
  const name = form.createTextField('hoTen');
  name.addToPage(page, FIELD);
  name.setText(value);
  const agree = form.createCheckBox('dongY');
  agree.addToPage(page, CHECKBOX);
  agree.check();
  (doc.catalog.lookup(PDFName.of('AcroForm')) as PDFDict).set(PDFName.of('NeedAppearances'), PDFBool.True);
  // Remove the text field's appearance, as a tool that only sets /V and relies on the flag does.
  for (const widget of name.acroField.getWidgets()) widget.dict.delete(PDFName.of('AP'));
  return doc.save({ useObjectStreams: false, updateFieldAppearances: false });
}

/** Pixels clearly not white (text, lines) inside a box given in page points. */
const darkPixels = (r: Raster, box: DisplayBox) => {
  const s = RENDER_DPI / 72;
  let n = 0;
  for (let y = Math.floor((842 - box.y - box.height) * s); y < Math.ceil((842 - box.y) * s); y++) {
    for (let x = Math.floor(box.x * s); x < Math.ceil((box.x + box.width) * s); x++) {
      const i = (y * r.width + x) * 3;
      if (Math.min(r.rgb[i]!, r.rgb[i + 1]!, r.rgb[i + 2]!) < 160) n++;
    }
  }
  return n;
};

async function check(name: string, signed: Uint8Array, signatures: number): Promise<void> {
  const path = join(pki.dir, `${name}.pdf`);
  await writeFile(path, signed);
  const { stdout } = await run('pdfsig', ['-nocert', path]).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
  expect(stdout.match(/Signature Validation: Signature is Valid/g)?.length, stdout).toBe(signatures);
  expect(stdout).toMatch(/Total document signed/);
  await run('qpdf', ['--check', path]);
  const report = await verifyDocument(signed, { trust: new TrustStore([new x509.X509Certificate(pki.root.certDer as Uint8Array<ArrayBuffer>)]), checkRevocation: false });
  expect(report.status).toBe('valid');
  expect(report.signatures).toHaveLength(signatures);
  const acroForm = (await PDFDocument.load(signed, { updateMetadata: false, ignoreEncryption: true })).catalog.lookup(PDFName.of('AcroForm'), PDFDict);
  expect(acroForm.get(PDFName.of('NeedAppearances'))).toBeUndefined();
}

describe('signing a form with /NeedAppearances true', () => {
  for (const [label, value] of [['Latin', 'Nguyen Van A'], ['Vietnamese', 'Nguyễn Thị Ánh Dương']] as const) {
    it(`${label} value: poppler shows the stamp in its box and the value in its field; pdfsig valid; flag cleared`, async () => {
      const input = await filledForm(value);
      const signed = await signPdfAsUsersDo(pki.dir, input, signer, { visible: {} });
      await check(`form-${label}`, signed, 1);
      const before = await renderPage(input, 1);
      const after = await renderPage(signed, 1);
      // The value is drawn in its field (by our appearance stream now, not by the viewer).
      expect(darkPixels(after, FIELD)).toBeGreaterThan(20);
      // The stamp is visible, inside its box; whatever else changed is inside the fields (the viewer's own drawing
      // of them before signing vs the appearance streams after).
      expect(darkPixels(after, STAMP)).toBeGreaterThan(50);
      const changed = changedBox(maskOut(before, [FIELD, CHECKBOX]), maskOut(after, [FIELD, CHECKBOX]));
      expect(changed.count).toBeGreaterThan(50);
      expect(within(changed.box!, STAMP), JSON.stringify(changed.box)).toBe(true);
    });
  }

  it('a second signature on the signed form keeps the first valid (pdfsig and verify)', async () => {
    const once = await signPdfAsUsersDo(pki.dir, await filledForm('Nguyen Van B'), signer, { visible: {} });
    const twice = await signPdfAsUsersDo(pki.dir, once, signer, { visible: { rect: { x: 50, y: 300, width: 220, height: 70 } } });
    await check('form-twice', twice, 2);
  });

  // Issue 12: an owner-password-only form (it opens without a password, allows form filling) has its values
  // encrypted; they are decrypted with the document key to be drawn, and the rewritten objects encrypted again.
  for (const objectStreams of ['disable', 'generate'] as const) {
    it(`owner-password form (qpdf AES-256 --modify=form, object streams ${objectStreams}): the fields are drawn with their real (decrypted) values, flag cleared, pdfsig valid`, async () => {
      const value = 'Nguyễn Thị Ánh Dương';
      const plain = await filledForm(value);
      const plainPath = join(pki.dir, `form-plain-${objectStreams}.pdf`);
      const encryptedPath = join(pki.dir, `form-encrypted-${objectStreams}.pdf`);
      await writeFile(plainPath, plain);
      await run('qpdf', [`--object-streams=${objectStreams}`, '--encrypt', '', 'owner', '256', '--modify=form', '--', plainPath, encryptedPath]);
      const encrypted = new Uint8Array(await readFile(encryptedPath));
      const signed = await signPdfAsUsersDo(pki.dir, encrypted, signer, { visible: {} });
      await check(`form-encrypted-${objectStreams}`, signed, 1);
      // The field shows what the same form signed unencrypted shows: the value, not its ciphertext.
      const reference = await renderPage(await signPdf(plain, signer, { visible: {} }), 1);
      const after = await renderPage(signed, 1);
      expect(darkPixels(after, FIELD)).toBeGreaterThan(20);
      expect(differingPixels(reference, after, FIELD), 'field drawn as in the unencrypted form').toBeLessThan(10);
      expect(darkPixels(after, STAMP)).toBeGreaterThan(50);
    });
  }
});

/** Pixels that differ clearly between two renderings inside a box given in page points. */
function differingPixels(a: Raster, b: Raster, box: DisplayBox): number {
  const s = RENDER_DPI / 72;
  let n = 0;
  for (let y = Math.floor((842 - box.y - box.height) * s); y < Math.ceil((842 - box.y) * s); y++) {
    for (let x = Math.floor(box.x * s); x < Math.ceil((box.x + box.width) * s); x++) {
      const i = (y * a.width + x) * 3;
      if (Math.max(Math.abs(a.rgb[i]! - b.rgb[i]!), Math.abs(a.rgb[i + 1]! - b.rgb[i + 1]!), Math.abs(a.rgb[i + 2]! - b.rgb[i + 2]!)) > 40) n++;
    }
  }
  return n;
}
