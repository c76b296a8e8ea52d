/**
 * Find a text on a page and return where it sits, in PDF user space (points, origin bottom-left), using pdf.js's
 * text extraction (pdfjs-dist 4, legacy build for Node). Each text item carries its text matrix: e/f is the
 * baseline origin [ISO 32000-1 §9.4.2]; item width is in user space.
 */
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import type { PdfRect, PdfTextAnchor } from '../pdf-signature-options.js';

export interface AnchorBox {
  /** Start of the match on its baseline, in user space. */
  readonly x: number;
  /** Baseline of the anchor's line. */
  readonly baseline: number;
  readonly width: number;
  readonly height: number;
  /** Unit vector of the text's direction in user space ((1, 0) for ordinary text; turned on rotated pages). */
  readonly direction?: { readonly x: number; readonly y: number };
}

interface TextItemLike { str: string; transform: number[]; width: number; height: number }

export async function findTextAnchor(pdfBytes: Uint8Array, pageNumber: number, anchor: PdfTextAnchor): Promise<AnchorBox> {
  const pdfjs = await loadPdfJs();
  // pdf.js takes ownership of (detaches) the buffer it is given: hand it a copy, never the caller's bytes.
  // verbosity 0 (errors only): pdf.js prints its warnings with console.log, i.e. on STDOUT, which in the native
  // host carries protocol frames only.
  const task = pdfjs.getDocument({ data: new Uint8Array(pdfBytes), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0 });
  try {
    const pdf = await task.promise;
    const page = await pdf.getPage(pageNumber);
    const content = await page.getTextContent();
    const items = content.items.filter((i): i is typeof i & TextItemLike => 'str' in i);
    // Writers split lines into several text items (per word, per kerning run): search the page's characters
    // in reading order with whitespace removed, and map a match back to the items it spans.
    const chars: Array<{ item: TextItemLike; index: number; length: number }> = [];
    let flat = '';
    for (const item of items) {
      const text = normalise(item.str);
      for (let i = 0; i < text.length; i++) {
        if (/\s/.test(text[i]!)) continue;
        chars.push({ item, index: i, length: text.length });
        flat += text[i];
      }
    }
    const wanted = normalise(anchor.text).replace(/\s+/g, '');
    if (wanted.length === 0) throw new KysoError('BAD_REQUEST', { reason: 'the anchor text is empty' });
    const occurrence = anchor.occurrence ?? 1;
    let seen = 0;
    for (let at = flat.indexOf(wanted); at >= 0; at = flat.indexOf(wanted, at + 1)) {
      seen++;
      if (seen !== occurrence) continue;
      const first = chars[at]!;
      const last = chars[at + wanted.length - 1]!;
      // The item's text matrix [a b c d e f]: (e, f) is the baseline origin and (a, b) the text direction; a
      // writer turns it on a /Rotate page so the text reads upright on screen. Offsets run along that direction.
      const [a = 1, b = 0, c = 0, d = 1] = first.item.transform;
      const norm = Math.hypot(a, b) || 1;
      const direction = { x: a / norm, y: b / norm };
      const along = (ch: { item: TextItemLike; index: number; length: number }, end: boolean) => (ch.item.width / Math.max(1, ch.length)) * (ch.index + (end ? 1 : 0));
      const start = { x: (first.item.transform[4] ?? 0) + direction.x * along(first, false), y: (first.item.transform[5] ?? 0) + direction.y * along(first, false) };
      const lastOrigin = { x: last.item.transform[4] ?? 0, y: last.item.transform[5] ?? 0 };
      const endPoint = { x: lastOrigin.x + direction.x * along(last, true), y: lastOrigin.y + direction.y * along(last, true) };
      const width = Math.max(0, (endPoint.x - start.x) * direction.x + (endPoint.y - start.y) * direction.y);
      return { x: start.x, baseline: start.y, width, height: first.item.height || Math.hypot(c, d), direction };
    }
    throw new KysoError('BAD_REQUEST', { reason: 'anchor text not found on the page', anchor: anchor.text.slice(0, 80), page: pageNumber, occurrencesFound: seen });
  } catch (error) {
    if (error instanceof KysoError) throw error;
    throw new KysoError('INVALID_DOCUMENT', { reason: 'the page text could not be read to find the anchor', page: pageNumber }, { cause: error });
  } finally {
    await task.destroy();
  }
}

/**
 * pdf.js in Node runs its "worker" in the same thread, loading `./pdf.worker.mjs` beside itself — a path that
 * does not exist once the host is bundled. Importing the worker module here and publishing it as
 * `globalThis.pdfjsWorker` (the hook pdf.js checks first) makes the bundler include it and pdf.js use it.
 */
export async function loadPdfJs(): Promise<typeof import('pdfjs-dist/legacy/build/pdf.mjs')> {
  const holder = globalThis as { pdfjsWorker?: unknown };
  if (!holder.pdfjsWorker) holder.pdfjsWorker = await import('pdfjs-dist/legacy/build/pdf.worker.mjs');
  return import('pdfjs-dist/legacy/build/pdf.mjs');
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
