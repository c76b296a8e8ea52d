/**
 * Render the page that will carry the signature with pdf.js (legacy build, its worker bundled by vite as an
 * extension asset — no remote code, no eval) and outline the stamp rectangle. Only loaded for PDF requests.
 */
import { getDocument, GlobalWorkerOptions } from 'pdfjs-dist/legacy/build/pdf.mjs';
import workerUrl from 'pdfjs-dist/legacy/build/pdf.worker.min.mjs?url';

const PREVIEW_WIDTH_PX = 460;
/** Where the host puts a stamp given no rect (native-host/formats/pdf: bottom-right corner, 36 pt margin, 220 × 70 pt). */
const CORNER_MARGIN_PT = 36;
const DEFAULT_STAMP = { width: 220, height: 70 };

export interface PdfRect { readonly x: number; readonly y: number; readonly width: number; readonly height: number }

export async function renderPdfPage(bytes: Uint8Array, pageNumber: number | undefined, rect: PdfRect | undefined): Promise<HTMLCanvasElement> {
  GlobalWorkerOptions.workerSrc = workerUrl;
  const pdf = await getDocument({ data: bytes, isEvalSupported: false, verbosity: 0 }).promise;
  try {
    const number = Math.min(Math.max(pageNumber ?? pdf.numPages, 1), pdf.numPages);
    const page = await pdf.getPage(number);
    const base = page.getViewport({ scale: 1 });
    const viewport = page.getViewport({ scale: PREVIEW_WIDTH_PX / base.width });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(viewport.width);
    canvas.height = Math.round(viewport.height);
    canvas.dataset['page'] = String(number);
    const context = canvas.getContext('2d')!;
    await page.render({ canvasContext: context, viewport, canvas } as Parameters<typeof page.render>[0]).promise;
    // The stamp box, converted from PDF user space (points, bottom-left origin, before /Rotate) to the canvas.
    const [x0, y0, x1, y1] = page.view as [number, number, number, number];
    const box = rect ?? { x: x1 - CORNER_MARGIN_PT - DEFAULT_STAMP.width, y: y0 + CORNER_MARGIN_PT, ...DEFAULT_STAMP };
    void x0; void y1;
    const [ax, ay, bx, by] = viewport.convertToViewportRectangle([box.x, box.y, box.x + box.width, box.y + box.height]) as [number, number, number, number];
    context.strokeStyle = '#d00000';
    context.lineWidth = 3;
    context.setLineDash([6, 4]);
    context.strokeRect(Math.min(ax, bx), Math.min(ay, by), Math.abs(bx - ax), Math.abs(by - ay));
    canvas.dataset['stampRect'] = [Math.min(ax, bx), Math.min(ay, by), Math.abs(bx - ax), Math.abs(by - ay)].map((n) => Math.round(n)).join(',');
    return canvas;
  } finally {
    void pdf.destroy();
  }
}
