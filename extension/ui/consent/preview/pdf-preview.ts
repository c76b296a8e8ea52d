/**
 * PDF pages for the consent window with pdf.js (legacy build, its worker bundled by vite as an extension asset —
 * no remote code, no eval): open once, render any page, outline the stamp rectangle on the stamp's page. Only
 * loaded for requests with a PDF.
 */
import { getDocument, GlobalWorkerOptions, type PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import workerUrl from 'pdfjs-dist/legacy/build/pdf.worker.min.mjs?url';

const PREVIEW_WIDTH_PX = 460;
/** Where hosts without a `stamp` answer put a stamp given no rect (native-host/formats/pdf: bottom-right, 36 pt margin, 220 × 70 pt). */
const CORNER_MARGIN_PT = 36;
const DEFAULT_STAMP = { width: 220, height: 70 };

export interface PdfRect { readonly x: number; readonly y: number; readonly width: number; readonly height: number }
/** A rectangle in the page's user space (the host's, issue 9 §1), or 'corner' for an older host's default place. */
export type StampBox = PdfRect | 'corner';

export interface PdfPages {
  readonly pageCount: number;
  /** Render page `pageNumber` (1-based) at `zoom` × the preview width (default 1); outline `stamp` on it when given. */
  render(pageNumber: number, stamp: StampBox | undefined, zoom?: number): Promise<HTMLCanvasElement>;
}

export async function openPdf(bytes: Uint8Array): Promise<PdfPages> {
  GlobalWorkerOptions.workerSrc = workerUrl;
  const pdf: PDFDocumentProxy = await getDocument({ data: bytes, isEvalSupported: false, verbosity: 0 }).promise;
  // Kept open while the window is: paging re-renders from it. The window closes with the request.
  return { pageCount: pdf.numPages, render: (pageNumber, stamp, zoom = 1) => renderPage(pdf, pageNumber, stamp, zoom) };
}

async function renderPage(pdf: PDFDocumentProxy, pageNumber: number, stamp: StampBox | undefined, zoom: number): Promise<HTMLCanvasElement> {
  const number = Math.min(Math.max(pageNumber, 1), pdf.numPages);
  const page = await pdf.getPage(number);
  const base = page.getViewport({ scale: 1 });
  const viewport = page.getViewport({ scale: (PREVIEW_WIDTH_PX * zoom) / base.width });
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(viewport.width);
  canvas.height = Math.round(viewport.height);
  canvas.dataset['page'] = String(number);
  const context = canvas.getContext('2d')!;
  await page.render({ canvasContext: context, viewport, canvas } as Parameters<typeof page.render>[0]).promise;
  if (stamp) {
    // From PDF user space (points, bottom-left origin, before /Rotate) to the canvas; pdf.js applies /Rotate.
    const [, y0, x1] = page.view as [number, number, number, number];
    const box = stamp === 'corner' ? { x: x1 - CORNER_MARGIN_PT - DEFAULT_STAMP.width, y: y0 + CORNER_MARGIN_PT, ...DEFAULT_STAMP } : stamp;
    const [ax, ay, bx, by] = viewport.convertToViewportRectangle([box.x, box.y, box.x + box.width, box.y + box.height]) as [number, number, number, number];
    context.strokeStyle = '#d00000';
    context.lineWidth = 3;
    context.setLineDash([6, 4]);
    context.strokeRect(Math.min(ax, bx), Math.min(ay, by), Math.abs(bx - ax), Math.abs(by - ay));
    canvas.dataset['stampRect'] = [Math.min(ax, bx), Math.min(ay, by), Math.abs(bx - ax), Math.abs(by - ay)].map((n) => Math.round(n)).join(',');
  }
  return canvas;
}
