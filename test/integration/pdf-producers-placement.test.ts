/**
 * Stamps that show where the person expects them, on rotated and cropped pages (issue 12 §1). For each page the
 * stamp's DISPLAY box is known (the page as shown: CropBox turned by /Rotate). After signing, poppler renders the
 * page (pdftoppm -r 50): changed pixels must exist and lie inside that box; pdfsig must call the signature valid
 * and qpdf --check find no damage; the stamp must be wider than tall on screen (upright, not squeezed into a
 * column). The consent window's box comes from host.documentInfo's summary (summarizePdf), drawn with pdf.js's
 * viewport exactly as extension/ui/consent/preview/pdf-preview.ts does — it must be the same box. Signed as users
 * sign (signPdfFile, test/helpers/pdf-sign-paths.ts); the in-memory signPdf must write the same file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PDFDocument, StandardFonts, degrees } from 'pdf-lib';
import { TestPki, type IssuedCert } from '../helpers/test-pki.js';
import { softwareSigner } from '../helpers/software-signer.js';
import { changedBox, previewBox, renderPage, within, type DisplayBox } from '../helpers/stamp-pixels.js';
import type { SignPdfOptions } from '../../native-host/formats/pdf/sign-pdf.js';
import { expectRefusedOnBothPaths, signPdfAsUsersDo } from '../helpers/pdf-sign-paths.js';
import { summarizePdf } from '../../native-host/documents/pdf-summary.js';
import { CORNER_MARGIN_PT, DEFAULT_STAMP_SIZE } from '../../native-host/formats/pdf/pdf-signature-options.js';
import type { Signer } from '../../native-host/token/signer.js';

const run = promisify(execFile);
let pki: TestPki;
let person: IssuedCert;
let signer: Signer;

beforeAll(async () => {
  pki = await TestPki.create({ label: 'Placement' });
  person = await pki.issue({ subject: '/C=VN/CN=Phạm Thị Đặt' }, 'placement');
  signer = softwareSigner(person.keyPath, person.certPem, [pki.intermediate.certPem], 'RSA');
}, 60_000);
afterAll(async () => { await pki?.dispose(); });

/** A one-page A4 document; `rotate` as /Rotate, `crop` as a CropBox, and a line of text that reads upright on screen. */
async function page(rotate: 0 | 90 | 180 | 270, crop?: [number, number, number, number]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const p = doc.addPage([595, 842]);
  p.setRotation(degrees(rotate));
  if (crop) p.setCropBox(crop[0], crop[1], crop[2] - crop[0], crop[3] - crop[1]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  // The anchor "GIAM DOC", 200 pt from the displayed page's left and 300 pt from its top, written turned so it
  // reads upright once the viewer applies /Rotate.
  const box = crop ?? [0, 0, 595, 842];
  const [x0, y0, x1, y1] = box;
  const at: Record<number, { x: number; y: number }> = {
    0: { x: x0 + 200, y: y1 - 300 }, 90: { x: x0 + 300, y: y0 + 200 }, 180: { x: x1 - 200, y: y0 + 300 }, 270: { x: x1 - 300, y: y1 - 200 },
  };
  p.drawText('GIAM DOC', { ...at[rotate]!, size: 14, font, rotate: degrees(rotate) });
  return doc.save({ useObjectStreams: false });
}

const displaySize = (rotate: number, crop?: [number, number, number, number]) => {
  const [x0, y0, x1, y1] = crop ?? [0, 0, 595, 842];
  return rotate % 180 === 0 ? { width: x1 - x0, height: y1 - y0 } : { width: y1 - y0, height: x1 - x0 };
};
const defaultBox = (size: { width: number }): DisplayBox => ({ x: size.width - CORNER_MARGIN_PT - DEFAULT_STAMP_SIZE.width, y: CORNER_MARGIN_PT, ...DEFAULT_STAMP_SIZE });

async function signAndCheck(name: string, input: Uint8Array, options: SignPdfOptions, expected: DisplayBox): Promise<Uint8Array> {
  // As `kyso sign-pdf` and host.signDocuments sign (signPdfFile); signPdf must write the same file.
  const signed = await signPdfAsUsersDo(pki.dir, input, signer, options);
  const path = join(pki.dir, `${name}.pdf`);
  await writeFile(path, signed);
  const { stdout } = await run('pdfsig', ['-nocert', path]).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
  expect(stdout).toMatch(/Signature Validation: Signature is Valid/);
  expect(stdout).toMatch(/Total document signed/);
  await run('qpdf', ['--check', path]);
  const changed = changedBox(await renderPage(input, 1), await renderPage(signed, 1));
  expect(changed.count, `${name}: the stamp is visible`).toBeGreaterThan(50);
  expect(within(changed.box!, expected), `${name}: changed pixels ${JSON.stringify(changed.box)} inside ${JSON.stringify(expected)}`).toBe(true);
  // Upright and laid out in the box as shown: the drawn stamp spans most of the box's width.
  expect(changed.box!.width).toBeGreaterThan(expected.width * 0.5);
  return signed;
}

describe('stamp placement in display orientation, inside the CropBox', () => {
  for (const rotate of [0, 90, 180, 270] as const) {
    it(`/Rotate ${rotate}: the default stamp shows upright in the displayed bottom-right corner; the preview draws the same box`, async () => {
      const input = await page(rotate);
      const expected = defaultBox(displaySize(rotate));
      await signAndCheck(`rotate-${rotate}`, input, { visible: {} }, expected);
      const preview = await previewBox(input, { visible: {} });
      expect(within(preview, expected, 0.5) && within(expected, preview, 0.5), `preview ${JSON.stringify(preview)}`).toBe(true);
    });
  }

  it('/Rotate 90: an explicit --rect is read in display coordinates', async () => {
    const input = await page(90);
    const rect = { x: 400, y: 300, width: 200, height: 60 };
    await signAndCheck('rotate-90-rect', input, { visible: { rect } }, rect);
  });

  it('/Rotate 270: "below the text" is below the anchor on screen', async () => {
    const input = await page(270);
    const size = displaySize(270);
    // The anchor's baseline is 300 pt from the displayed top; the stamp sits under it, around its centre.
    const signed = await signAndCheck('rotate-270-anchor', input, { visible: { anchor: { text: 'GIAM DOC' } } },
      { x: 100, y: 0, width: 300, height: size.height - 300 });
    expect(signed.length).toBeGreaterThan(input.length);
    const preview = await previewBox(input, { visible: { anchor: { text: 'GIAM DOC' } } });
    expect(preview.y + preview.height).toBeLessThanOrEqual(size.height - 300);
    expect(preview.y + preview.height).toBeGreaterThan(size.height - 330);
  });

  it('a cropped page: the default stamp lands inside the CropBox corner, not in the cut-off MediaBox corner', async () => {
    const crop: [number, number, number, number] = [60, 80, 520, 760];
    const input = await page(0, crop);
    const expected = defaultBox(displaySize(0, crop));
    await signAndCheck('cropped', input, { visible: {} }, expected);
    const preview = await previewBox(input, { visible: {} });
    expect(within(preview, expected, 0.5) && within(expected, preview, 0.5), `preview ${JSON.stringify(preview)}`).toBe(true);
  });

  it('a cropped and rotated (90) page: default corner and an anchor stay inside what viewers show', async () => {
    const crop: [number, number, number, number] = [40, 50, 560, 800];
    const input = await page(90, crop);
    await signAndCheck('cropped-rotated', input, { visible: {} }, defaultBox(displaySize(90, crop)));
    const size = displaySize(90, crop);
    await signAndCheck('cropped-rotated-anchor', input, { visible: { anchor: { text: 'GIAM DOC' } } }, { x: 100, y: 0, width: 300, height: size.height - 300 });
  });

  it('a rectangle outside the visible area (inside the MediaBox, outside the CropBox) is refused with a clear error', async () => {
    const input = await page(0, [60, 80, 520, 760]);
    await expectRefusedOnBothPaths(pki.dir, input, signer, { visible: { rect: { x: 470, y: 20, width: 120, height: 40 } } },
      { code: 'BAD_REQUEST', details: { reason: expect.stringMatching(/outside the visible page/) } });
    await expect(summarizePdf(input, { visible: { rect: { x: 470, y: 20, width: 120, height: 40 } } })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
