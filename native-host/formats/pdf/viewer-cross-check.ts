/**
 * Safety net under "preview = result": the consent window previews a PDF with pdf.js, Kyso signs from its own xref
 * view (xref/read-revision.ts). Both follow the xref, and files where the xref and the file's other definitions
 * disagree are refused — but should the two resolvers still differ on some file nobody thought of, the person
 * would approve one document and sign another. So before the window is shown, pdf.js (the preview's engine, run
 * here on the same bytes) must find the same number of pages, each at the same object Kyso would write from.
 */
import type { PDFDocument } from 'pdf-lib';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { loadPdfJs } from './appearance/find-text-anchor.js';

/** Pages compared one by one (all pages of any real document; the count is always compared). */
const MAX_PAGES_COMPARED = 2_000;

export async function crossCheckWithViewer(bytes: Uint8Array, doc: PDFDocument): Promise<void> {
  const ours = doc.getPages().map((p) => p.ref);
  const pdfjs = await loadPdfJs();
  // pdf.js detaches the buffer it is given: hand it a copy. verbosity 0: its warnings would go to stdout.
  const task = pdfjs.getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0, stopAtErrors: true });
  const differ = (reason: string): KysoError => new KysoError('DOCUMENT_AMBIGUOUS', { reason: `the preview's PDF reader (pdf.js) ${reason}` });
  try {
    let pdf;
    try {
      pdf = await task.promise;
    } catch (cause) {
      throw new KysoError('DOCUMENT_AMBIGUOUS', { reason: 'the preview\'s PDF reader (pdf.js) cannot open the file Kyso reads' }, { cause });
    }
    if (pdf.numPages !== ours.length) throw differ(`sees ${pdf.numPages} page(s), Kyso ${ours.length}`);
    for (let i = 0; i < Math.min(ours.length, MAX_PAGES_COMPARED); i++) {
      let page;
      try {
        page = await pdf.getPage(i + 1);
      } catch (cause) {
        throw new KysoError('DOCUMENT_AMBIGUOUS', { reason: `the preview's PDF reader (pdf.js) cannot read page ${i + 1}, which Kyso reads` }, { cause });
      }
      const ref = page.ref;
      if (!ref || ref.num !== ours[i]!.objectNumber || ref.gen !== ours[i]!.generationNumber) {
        throw differ(`reads page ${i + 1} from object ${ref ? `${ref.num} ${ref.gen}` : '?'}, Kyso from ${ours[i]!.objectNumber} ${ours[i]!.generationNumber}`);
      }
    }
  } finally {
    await task.destroy();
  }
}
