/** Options of a PDF signature (PAdES baseline B-B / B-T) and its visible appearance. */
import type { HashAlgorithm } from '../../../shared/domain/algorithms.js';

/**
 * /SubFilter of the signature dictionary. `ETSI.CAdES.detached` is PAdES [ETSI EN 319 142-1 §5.1];
 * `adbe.pkcs7.detached` is the older ISO 32000-1 §12.8.3.3 form some validators still expect.
 */
export type PdfSubFilter = 'ETSI.CAdES.detached' | 'adbe.pkcs7.detached';

/**
 * A rectangle in PDF user space: points (1/72 inch), origin at the bottom-left corner of the page's MediaBox,
 * y upwards — the page as stored, before its /Rotate. On a rotated page the stamp's content is turned to read
 * upright on screen; its box is still given in these unrotated coordinates.
 */
export interface PdfRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Place the stamp next to a text the caller names (e.g. "Nơi nhận" or "{{chu_ky}}"). */
export interface PdfTextAnchor {
  readonly text: string;
  /** Below the anchor's line (default) or to the right of it. */
  readonly position?: 'below' | 'right';
  /** Occurrence to use when the text appears several times on the page (1-based, default the first). */
  readonly occurrence?: number;
}

/** The visible signature required by Decree 30/2020/NĐ-CP: image(s) plus the signing information. */
export interface PdfVisibleSignature {
  /** Page number, 1-based; default the last page (where Vietnamese documents carry the signature block). */
  readonly page?: number;
  /** At most one of rect and anchor; with neither, the stamp goes in the page's bottom-right corner. */
  readonly rect?: PdfRect;
  readonly anchor?: PdfTextAnchor;
  /** Stamp size when placed by anchor or in the corner; default 220 × 70 pt. */
  readonly size?: { readonly width: number; readonly height: number };
  /** The signer's handwritten-signature image (PNG with alpha, or JPEG). */
  readonly signatureImage?: Uint8Array;
  /** The organisation's seal (PNG with alpha, or JPEG); drawn under the signature image. */
  readonly sealImage?: Uint8Array;
  /** Text lines; default built from the certificate: "Ký bởi: …", "Cơ quan: …", "Thời gian ký: …". */
  readonly lines?: readonly string[];
  /** A TrueType font that covers the text (Vietnamese); default the installed font `typeface` resolves to. */
  readonly fontBytes?: Uint8Array;
  /** Without fontBytes: 'serif' (Times New Roman → Liberation Serif → DejaVu Serif) or 'sans' (default, DejaVu Sans). */
  readonly typeface?: 'sans' | 'serif';
  /** Text colour: red (default) or black (Decree 30 copy/appendix marks). */
  readonly textColor?: 'red' | 'black';
}

export interface PdfSignatureOptions {
  readonly hashAlgorithm?: HashAlgorithm;
  readonly subFilter?: PdfSubFilter;
  readonly reason?: string;
  readonly location?: string;
  readonly contactInfo?: string;
  /** The signer's name for /Name and the text; default the certificate's common name. */
  readonly signerName?: string;
  /** Time written to /M and the stamp (the CMS carries no signingTime in PAdES); default now. */
  readonly signingTime?: Date;
  /** Offset of the local time shown, minutes east of UTC; default +420 (Vietnam, UTC+07:00). */
  readonly timeZoneOffsetMinutes?: number;
  /** Bytes reserved for the CMS in /Contents; default estimated from the certificates (and the TSA). */
  readonly placeholderBytes?: number;
  /** Omit for an invisible signature. */
  readonly visible?: PdfVisibleSignature;
  /** The signer's certificate (DER) — gives the default name and organisation for the stamp. */
  readonly signerCertificate?: Uint8Array;
}

export const DEFAULT_PDF_HASH: HashAlgorithm = 'SHA-256';
export const VIETNAM_UTC_OFFSET_MINUTES = 7 * 60;
export const DEFAULT_STAMP_SIZE = { width: 220, height: 70 } as const;
/** Debian's fonts-dejavu-core; covers Latin with Vietnamese diacritics. */
export const DEFAULT_FONT_PATH = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
/** Distance of the default stamp from the page's right and bottom edges. */
export const CORNER_MARGIN_PT = 36;
