/**
 * What the consent window shows about an uploaded PDF, computed by the code that signs it: the page count, the
 * hidden-content warnings (formats/pdf/hidden-content.ts) and the stamp box from placeSignature — the same call
 * buildSignatureIncrement makes, on the same bytes, through the same xref view. An ambiguous PDF is refused here
 * (DOCUMENT_AMBIGUOUS) so the window shows the error before the PIN.
 */
import type { PdfDocumentOptions, PdfSummary } from '../../shared/protocol/document-schemas.js';
import { readPdfStructure } from '../formats/pdf/read-pdf-structure.js';
import { placeSignature, type SignaturePlacement } from '../formats/pdf/signature-placement.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { detectHiddenContent } from '../formats/pdf/hidden-content.js';
import { crossCheckWithViewer } from '../formats/pdf/viewer-cross-check.js';
import { pdfOptions } from './sign-stored-document.js';

const MAX_WARNINGS = 20;
const VIEWER_CROSS_CHECK_MAX_BYTES = 64 * 1024 * 1024;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export async function summarizePdf(bytes: Uint8Array, placement: PdfDocumentOptions | undefined): Promise<PdfSummary> {
  const structure = await readPdfStructure(bytes);
  // Files the window previews (≤ 32 MiB, extension/background/documents/consent-documents.ts) are also opened with
  // pdf.js, the preview's engine, which must resolve the same pages to the same objects.
  if (bytes.length <= VIEWER_CROSS_CHECK_MAX_BYTES) await crossCheckWithViewer(bytes, structure.doc);
  let placed: SignaturePlacement | undefined;
  try {
    placed = await placeSignature(structure.doc, pdfOptions(placement ?? {}), bytes);
  } catch (error) {
    // Without a placement the default stamp is only a guess at what the page will ask for: a default that does not
    // fit (a tiny page) is no reason to refuse the summary. A placement the page DID ask for must fit, or fail here.
    if (placement !== undefined || !(error instanceof KysoError) || error.code !== 'BAD_REQUEST') throw error;
  }
  const warnings = detectHiddenContent(structure.view, bytes).slice(0, MAX_WARNINGS).map((w) => ({
    code: w.code, vi: clip(w.vi, 400), en: clip(w.en, 400), ...(w.detail ? { detail: clip(w.detail, 400) } : {}),
  }));
  return {
    pageCount: structure.doc.getPageCount(),
    warnings,
    ...(placed && placed.visible ? {
      stamp: {
        page: placed.pageNumber,
        // Relative to the MediaBox's corner, so a window drawing the rendered page can place it directly.
        rect: { x: placed.rect.x - placed.pageBox.x, y: placed.rect.y - placed.pageBox.y, width: placed.rect.width, height: placed.rect.height },
        pageSize: { width: placed.pageBox.width, height: placed.pageBox.height },
        // Readers ignore a /Rotate that is not a multiple of 90 [ISO 32000-1 §7.7.3.3 Table 30].
        rotation: (placed.rotation % 90 === 0 ? placed.rotation : 0) as 0 | 90 | 180 | 270,
      },
    } : {}),
  };
}
