/**
 * What each VGCA file-signing path means, in Vietnamese for the consent window, and the PAdES appearance Decree
 * 30/2020/NĐ-CP Phụ lục I gives it (research vn-signing-domain.md §2). Pure: unit-tested.
 *
 * The signer image (approval) and the organisation seal (issuing) are the ones stored on the options page or set by
 * the admin (stamp-images.ts); without them those stamps are text only. The copy/appendix/incoming marks are black
 * serif text at 10 pt — Times New Roman where the machine has it, else Liberation Serif or DejaVu Serif (the host's
 * appearance/resolve-font.ts); the box is sized so the host's text fitting stops at its 10 pt maximum.
 * Deviation (README "Already using the VGCA or VNPT-CA plugin?"): the copy mark has no organisation name (the
 * certificate is chosen after the stamp's text is fixed).
 */
import * as v from 'valibot';
import type { PdfDocumentOptionsSchema } from '../../shared/protocol/document-schemas.js';
import type { VgcaFilePath, VgcaFileRequest } from './vgca-frames.js';
import type { StampImages } from './stamp-images.js';

export type PdfOptions = v.InferOutput<typeof PdfDocumentOptionsSchema>;

/** Kind of signature, as the consent window and the stamp name it. */
export const VGCA_SIGNATURE_KIND: Readonly<Record<VgcaFilePath, string>> = {
  SignApproved: 'Ký phê duyệt',
  SignIssued: 'Ký ban hành',
  SignCopy: 'Ký sao y',
  SignAppendix: 'Ký phụ lục',
  SignIncome: 'Ký văn bản đến',
  Comment: 'Ký ý kiến',
  SignFile: 'Ký tệp',
  SignPDF: 'Ký tệp PDF',
};

/** A4 portrait in points: Decree 30 Phụ lục I prescribes A4; used when the file's MediaBox cannot be read. */
const A4 = { width: 595.28, height: 841.89 } as const;
const MARGIN_PT = 28;
const MARK_WIDTH_PT = 260;
/** 10 pt × 1.2 line spacing per line + 2 × 2 pt padding (native-host build-appearance.ts): text stays at 10 pt. */
const markHeight = (lines: number) => lines * 12 + 4 + 2;

/** "2026-12-02T10:30:00+07:00": ISO 8601 in Vietnam's time zone, as Phụ lục I requires for the marks. */
export function isoVietnamTime(time: Date): string {
  const t = new Date(time.getTime() + 7 * 3_600_000);
  return `${t.toISOString().slice(0, 19)}+07:00`;
}

/**
 * Width and height of page 1 from the first /MediaBox in the file (a cheap read: the page tree or the first page
 * carries it in the files portals produce); A4 when absent or odd.
 */
export function firstPageSize(pdf: Uint8Array): { width: number; height: number } {
  const head = new TextDecoder('latin1').decode(pdf.subarray(0, Math.min(pdf.length, 2_000_000)));
  const match = /\/MediaBox\s*\[\s*(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*\]/.exec(head);
  if (!match) return A4;
  const [x0, y0, x1, y1] = match.slice(1, 5).map(Number) as [number, number, number, number];
  const width = x1 - x0, height = y1 - y0;
  return width >= 200 && height >= 200 && width <= 14_400 && height <= 14_400 ? { width, height } : A4;
}

/** A mark at the top right of page 1, sized for its lines at 10 pt. */
function topRightMark(pdf: Uint8Array, lines: string[]): PdfOptions['visible'] {
  const page = firstPageSize(pdf);
  const height = markHeight(lines.length);
  return {
    page: 1,
    rect: { x: Math.max(0, page.width - MARGIN_PT - MARK_WIDTH_PT), y: Math.max(0, page.height - MARGIN_PT - height), width: MARK_WIDTH_PT, height },
    lines,
    // Phụ lục I: Times New Roman, upright, 10 pt, black (the host takes Liberation Serif or DejaVu Serif without it).
    typeface: 'serif',
    textColor: 'black',
  };
}

/**
 * The PDF options for one call of a file-signing path. `now` is the time written on marks that show it; `images`
 * the stored signer image and seal (stamp-images.ts): the signer's image on approval, the seal on issuing.
 */
export function pdfOptionsFor(path: VgcaFilePath, request: VgcaFileRequest, pdf: Uint8Array, now: Date, images: StampImages = {}): PdfOptions {
  const number = request.DocNumber?.trim();
  const issued = request.IssuedDate?.trim();
  const time = `Thời gian ký: ${isoVietnamTime(now)}`;
  switch (path) {
    case 'SignCopy':
      // Phụ lục I (bản sao điện tử): top right of page 1, no image, copy form + time (ISO 8601, VN zone).
      return { reason: 'Sao y', visible: topRightMark(pdf, ['sao y', ...(number ? [`số: ${number}`] : []), time]) };
    case 'SignAppendix':
      // Appendix in a separate file: top right of page 1, no image, number/symbol of the main document + time.
      return { reason: 'Phụ lục', visible: topRightMark(pdf, [`phụ lục kèm theo văn bản${number ? ` số ${number}` : ''}`, time]) };
    case 'SignIncome':
      return { reason: 'Văn bản đến', visible: topRightMark(pdf, ['đến', ...(number ? [`số đến: ${number}`] : []), time]) };
    case 'SignIssued':
      // The organisation's signature on issue, with the number and date (seal image: none stored, see header).
      return {
        reason: `Ban hành${number ? ` văn bản số ${number}` : ''}${issued ? ` ngày ${issued.slice(0, 40)}` : ''}`,
        visible: images.seal ? { sealImage: images.seal.data } : {},
      };
    case 'SignApproved':
      // Phụ lục I: the signer's handwritten signature image on the approving signature.
      return { reason: 'Phê duyệt', visible: images.signer ? { signatureImage: images.signer.data } : {} };
    case 'Comment':
      return { reason: 'Ý kiến', visible: {} };
    case 'SignFile':
    case 'SignPDF':
      return { visible: {} };
  }
}

/** The consent window's description: kind of signature and where the signed file goes (≤ 200 chars). */
export function consentDescription(path: VgcaFilePath, uploadTo: URL, extra = ''): string {
  return `${VGCA_SIGNATURE_KIND[path]}${extra} — tải lên: ${uploadTo.origin}${uploadTo.pathname}`.slice(0, 200);
}
