/**
 * Where a signature goes: the page (1-based) and the widget rectangle in that page's user space. ONE function for
 * signing (build-signature-increment.ts) and for the consent window's preview (host.documentInfo), so the box the
 * person is shown is the box that gets signed — anchors included (found with pdf.js on the same bytes).
 */
import type { PDFDocument, PDFPage } from 'pdf-lib';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { findTextAnchor, rectFromAnchor } from './appearance/find-text-anchor.js';
import { CORNER_MARGIN_PT, DEFAULT_STAMP_SIZE, type PdfRect, type PdfSignatureOptions } from './pdf-signature-options.js';

export interface SignaturePlacement {
  /** 1-based page number. */
  readonly pageNumber: number;
  readonly page: PDFPage;
  /** The widget's rectangle in user space (zero-size at the origin for an invisible signature). */
  readonly rect: PdfRect;
  /** The page's MediaBox, in the same space. */
  readonly pageBox: PdfRect;
  /** The page's /Rotate (0, 90, 180, 270). */
  readonly rotation: number;
  readonly visible: boolean;
}

/** Page and rectangle for `options.visible` (or an invisible signature on page 1); BAD_REQUEST when they do not fit. */
export async function placeSignature(doc: PDFDocument, options: Pick<PdfSignatureOptions, 'visible'>, pdfBytes: Uint8Array): Promise<SignaturePlacement> {
  const pages = doc.getPages();
  const visible = options.visible;
  const pageNumber = visible?.page ?? (visible ? pages.length : 1);
  if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > pages.length) {
    throw new KysoError('BAD_REQUEST', { reason: 'page out of range', page: pageNumber, pageCount: pages.length });
  }
  const page = pages[pageNumber - 1]!;
  const pageBox = page.getMediaBox();
  const rotation = ((page.getRotation().angle % 360) + 360) % 360;
  if (!visible) return { pageNumber, page, rect: { x: 0, y: 0, width: 0, height: 0 }, pageBox, rotation, visible: false };
  const rect = await resolveRect(visible, pdfBytes, pageNumber, pageBox);
  const box = pageBox;
  if (rect.x < box.x || rect.y < box.y || rect.x + rect.width > box.x + box.width + 0.5 || rect.y + rect.height > box.y + box.height + 0.5) {
    throw new KysoError('BAD_REQUEST', { reason: 'the signature rectangle is outside the page', page: pageNumber, pageWidth: box.width, pageHeight: box.height });
  }
  return { pageNumber, page, rect, pageBox, rotation, visible: true };
}

async function resolveRect(visible: NonNullable<PdfSignatureOptions['visible']>, pdfBytes: Uint8Array, pageNumber: number, box: PdfRect): Promise<PdfRect> {
  if (visible.rect && visible.anchor) throw new KysoError('BAD_REQUEST', { reason: 'give either a rectangle or an anchor text, not both' });
  if (visible.rect) {
    const r = visible.rect;
    if (![r.x, r.y, r.width, r.height].every(Number.isFinite) || r.width <= 0 || r.height <= 0) {
      throw new KysoError('BAD_REQUEST', { reason: 'the rectangle needs finite x, y and a positive width and height' });
    }
    return r;
  }
  if (visible.anchor) {
    const found = await findTextAnchor(pdfBytes, pageNumber, visible.anchor);
    return rectFromAnchor(found, visible.anchor.position ?? 'below', visible.size ?? DEFAULT_STAMP_SIZE, box);
  }
  const size = visible.size ?? DEFAULT_STAMP_SIZE;
  const x = box.x + box.width - CORNER_MARGIN_PT - size.width;
  const y = box.y + CORNER_MARGIN_PT;
  if (x < box.x) throw new KysoError('BAD_REQUEST', { reason: 'the page is narrower than the stamp', page: pageNumber, pageWidth: box.width });
  return { x, y, width: size.width, height: size.height };
}
