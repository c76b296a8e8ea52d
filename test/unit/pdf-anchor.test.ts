/** Finding the anchor text with pdf.js: split text items, repeated text, missing text, placement inside the page. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument } from 'pdf-lib';
import { findTextAnchor, rectFromAnchor } from '../../native-host/formats/pdf/appearance/find-text-anchor.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { DEJAVU } from '../fixtures/pdf/generate-fixtures.js';

async function page(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const font = await doc.embedFont(readFileSync(DEJAVU), { subset: true });
  const p = doc.addPage([595, 842]);
  // One phrase written as two separate text runs, as many writers do.
  p.drawText('Nơi', { x: 100, y: 500, size: 12, font });
  p.drawText('nhận:', { x: 100 + font.widthOfTextAtSize('Nơi ', 12), y: 500, size: 12, font });
  p.drawText('TM. ỦY BAN NHÂN DÂN', { x: 350, y: 400, size: 12, font });
  p.drawText('TM. ỦY BAN NHÂN DÂN', { x: 350, y: 200, size: 12, font });
  return doc.save();
}

describe('findTextAnchor', () => {
  it('finds a phrase split over text items, at the first item\'s position', async () => {
    const pdf = await page();
    const copy = new Uint8Array(pdf);
    const box = await findTextAnchor(pdf, 1, { text: 'Nơi nhận' });
    expect(box.x).toBeCloseTo(100, 0);
    expect(box.baseline).toBeCloseTo(500, 0);
    expect(box.width).toBeGreaterThan(30);
    expect(Buffer.compare(pdf, copy)).toBe(0); // the caller's bytes are not detached or changed
  });

  it('picks the requested occurrence, and reports a missing one as BAD_REQUEST with the count found', async () => {
    const pdf = await page();
    expect((await findTextAnchor(pdf, 1, { text: 'ỦY BAN NHÂN DÂN', occurrence: 2 })).baseline).toBeCloseTo(200, 0);
    const error = await findTextAnchor(pdf, 1, { text: 'ỦY BAN NHÂN DÂN', occurrence: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KysoError);
    expect((error as KysoError).code).toBe('BAD_REQUEST');
    expect((error as KysoError).details).toMatchObject({ occurrencesFound: 2 });
  });

  it('keeps an anchored stamp inside the page', () => {
    const pageBox = { x: 0, y: 0, width: 595, height: 842 };
    const r = rectFromAnchor({ x: 560, baseline: 30, width: 30, height: 12 }, 'below', { width: 220, height: 70 }, pageBox);
    expect(r.x + r.width).toBeLessThanOrEqual(595);
    expect(r.y).toBeGreaterThanOrEqual(0);
  });
});
