/**
 * Find a text on a page and return where it sits, in PDF user space (points, origin bottom-left), using pdf.js's
 * text extraction (pdfjs-dist 4, legacy build for Node). Each text item carries its text matrix: e/f is the
 * baseline origin [ISO 32000-1 §9.4.2]; item width is in user space.
 */
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import type { PdfRect, PdfTextAnchor } from '../pdf-signature-options.js';

export interface AnchorBox {
  readonly x: number;
  /** Baseline of the anchor's line. */
  readonly baseline: number;
  readonly width: number;
  readonly height: number;
}

interface TextItemLike { str: string; transform: number[]; width: number; height: number }

export async function findTextAnchor(pdfBytes: Uint8Array, pageNumber: number, anchor: PdfTextAnchor): Promise<AnchorBox> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  // pdf.js takes ownership of (detaches) the buffer it is given: hand it a copy, never the caller's bytes.
  const task = pdfjs.getDocument({ data: new Uint8Array(pdfBytes), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0 });
  try {
    const pdf = await task.promise;
    const page = await pdf.getPage(pageNumber);
    const content = await page.getTextContent();
    const wanted = normalise(anchor.text);
    const occurrence = anchor.occurrence ?? 1;
    let seen = 0;
    for (const raw of content.items) {
      if (!('str' in raw)) continue;
      const item = raw as TextItemLike;
      const text = normalise(item.str);
      let from = 0;
      for (;;) {
        const index = text.indexOf(wanted, from);
        if (index < 0) break;
        seen++;
        if (seen === occurrence) {
          const [, , , d = 0, e = 0, f = 0] = item.transform;
          const perChar = text.length > 0 ? item.width / text.length : 0;
          return { x: e + perChar * index, baseline: f, width: perChar * wanted.length, height: item.height || Math.abs(d) };
        }
        from = index + 1;
      }
    }
    throw new KysoError('BAD_REQUEST', { reason: 'anchor text not found on the page', anchor: anchor.text.slice(0, 80), page: pageNumber, occurrencesFound: seen });
  } finally {
    await task.destroy();
  }
}

/**
 * Where the stamp goes relative to the anchor: centred just below its line (as a signature sits under
 * "GIÁM ĐỐC"), or just right of it, vertically centred. Then moved inside `page` if it would stick out.
 */
export function rectFromAnchor(box: AnchorBox, position: 'below' | 'right', size: { width: number; height: number }, page: PdfRect): PdfRect {
  const gap = 4;
  const raw = position === 'right'
    ? { x: box.x + box.width + gap, y: box.baseline + box.height / 2 - size.height / 2 }
    : { x: box.x + box.width / 2 - size.width / 2, y: box.baseline - gap - size.height - box.height * 0.25 };
  const x = Math.min(Math.max(raw.x, page.x), page.x + page.width - size.width);
  const y = Math.min(Math.max(raw.y, page.y), page.y + page.height - size.height);
  return { x, y, width: size.width, height: size.height };
}

/** Compare in NFC so "Ký" typed as precomposed or combining marks matches. */
function normalise(s: string): string {
  return s.normalize('NFC');
}
