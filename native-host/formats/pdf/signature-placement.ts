/**
 * Where a signature goes: the page (1-based) and the widget rectangle in that page's user space. ONE function for
 * signing (build-signature-increment.ts) and for the consent window's preview (host.documentInfo), so the box the
 * person is shown is the box that gets signed — anchors included (found with pdf.js on the same bytes).
 *
 * Everything is decided in DISPLAY coordinates (page-display.ts): the visible area (CropBox ∩ MediaBox) turned by
 * /Rotate, origin at its bottom-left corner as the person sees it. So the default stamp sits in the corner that
 * looks like the bottom-right, an anchor's "below" is below on screen, a caller's rectangle (`--rect`, the SDK's
 * `visible.rect`) is read as display coordinates, and nothing is placed where a viewer crops it away. The result
 * is mapped back to user space for /Rect; the appearance is counter-rotated (appearance/build-appearance.ts).
 */
import { wholeFile } from './xref/file-image.js';
import type { PDFDocument, PDFPage } from 'pdf-lib';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { findTextAnchor, rectFromAnchor, type AnchorBox } from './appearance/find-text-anchor.js';
import { CORNER_MARGIN_PT, DEFAULT_STAMP_SIZE, type PdfRect, type PdfSignatureOptions } from './pdf-signature-options.js';
import { displayRectToUser, fitsDisplay, pageDisplay, userToDisplay, type PageDisplay } from './page-display.js';

export interface SignaturePlacement {
  /** 1-based page number. */
  readonly pageNumber: number;
  readonly page: PDFPage;
  /** The widget's rectangle in user space (zero-size at the origin for an invisible signature). */
  readonly rect: PdfRect;
  /** The page's MediaBox, in the same space. */
  readonly pageBox: PdfRect;
  /** The part of the page viewers show (CropBox ∩ MediaBox), in user space. */
  readonly visibleBox: PdfRect;
  /** The page's /Rotate (0, 90, 180, 270). */
  readonly rotation: number;
  /** The stamp's rectangle as displayed (origin at the displayed page's bottom-left corner). */
  readonly displayRect: PdfRect;
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
  const display = pageDisplay(page);
  const base = { pageNumber, page, pageBox, visibleBox: display.visible, rotation: display.rotation };
  const nothing = { x: 0, y: 0, width: 0, height: 0 };
  if (!visible) return { ...base, rect: nothing, displayRect: nothing, visible: false };
  const displayRect = await resolveDisplayRect(visible, pdfBytes, pageNumber, display);
  if (!fitsDisplay(display, displayRect)) {
    throw new KysoError('BAD_REQUEST', {
      reason: 'the signature rectangle is outside the visible page (display coordinates: origin at the bottom-left of the page as shown, inside its CropBox)',
      page: pageNumber, visibleWidth: round(display.width), visibleHeight: round(display.height),
    });
  }
  return { ...base, rect: displayRectToUser(display, displayRect), displayRect, visible: true };
}

async function resolveDisplayRect(visible: NonNullable<PdfSignatureOptions['visible']>, pdfBytes: Uint8Array, pageNumber: number, display: PageDisplay): Promise<PdfRect> {
  if (visible.rect && visible.anchor) throw new KysoError('BAD_REQUEST', { reason: 'give either a rectangle or an anchor text, not both' });
  const whole = { x: 0, y: 0, width: display.width, height: display.height };
  if (visible.rect) {
    const r = visible.rect;
    if (![r.x, r.y, r.width, r.height].every(Number.isFinite) || r.width <= 0 || r.height <= 0) {
      throw new KysoError('BAD_REQUEST', { reason: 'the rectangle needs finite x, y and a positive width and height' });
    }
    return r;
  }
  if (visible.anchor) {
    // pdf.js needs the whole file: a file read on demand (xref/file-image.ts) is read whole for an anchor.
    const found = await findTextAnchor(wholeFile(pdfBytes), pageNumber, visible.anchor);
    return rectFromAnchor(anchorOnDisplay(found, display), visible.anchor.position ?? 'below', visible.size ?? DEFAULT_STAMP_SIZE, whole);
  }
  const size = visible.size ?? DEFAULT_STAMP_SIZE;
  const x = display.width - CORNER_MARGIN_PT - size.width;
  if (x < 0) throw new KysoError('BAD_REQUEST', { reason: 'the page is narrower than the stamp', page: pageNumber, pageWidth: round(display.width) });
  return { x, y: CORNER_MARGIN_PT, width: size.width, height: size.height };
}

/** The anchor's text run (start and end on its baseline, in user space) as the person sees it. */
function anchorOnDisplay(found: AnchorBox, display: PageDisplay): AnchorBox {
  const direction = found.direction ?? { x: 1, y: 0 };
  const start = userToDisplay(display, { x: found.x, y: found.baseline });
  const end = userToDisplay(display, { x: found.x + direction.x * found.width, y: found.baseline + direction.y * found.width });
  return { x: Math.min(start.x, end.x), baseline: Math.min(start.y, end.y), width: Math.abs(end.x - start.x), height: found.height };
}

const round = (n: number) => Math.round(n * 100) / 100;
