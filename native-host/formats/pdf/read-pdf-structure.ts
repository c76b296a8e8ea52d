/**
 * Read what an incremental update needs from an existing PDF: the latest revision's objects (through pdf-lib's
 * parser, which READS xref tables, xref streams and object streams), where the last cross-reference section
 * starts, and whether it is a table or a stream [ISO 32000-1 §7.5.5, §7.5.8]. Nothing here writes.
 */
import { PDFDocument, PDFName, PDFNumber, PDFDict } from 'pdf-lib';
import { KysoError } from '../../../shared/errors/kyso-error.js';

export interface PdfStructure {
  readonly doc: PDFDocument;
  /** Byte offset of the last cross-reference section (the file's final `startxref` value). */
  readonly prevStartXref: number;
  /** The last section is a cross-reference stream: the update must add one too (§7.5.8.4 hybrid rules aside). */
  readonly xrefIsStream: boolean;
  /** /Size of the last trailer, or one past the largest object number seen, whichever is larger. */
  readonly size: number;
  /** Length of the input in bytes. */
  readonly length: number;
  /** The input ends with an end-of-line; otherwise the update starts with one so `%%EOF` stays on its line. */
  readonly endsWithEol: boolean;
}

const PDF_HEADER = '%PDF-';
/** `startxref` must be in the last 1024 bytes [ISO 32000-1 §7.5.5]; tolerate trailing junk a little further. */
const TAIL_SCAN_BYTES = 4096;

export async function readPdfStructure(bytes: Uint8Array): Promise<PdfStructure> {
  const headerWindow = latin1(bytes.subarray(0, 1024));
  if (!headerWindow.includes(PDF_HEADER)) throw new KysoError('INVALID_DOCUMENT', { reason: 'not a PDF (no %PDF- header)' });

  const prevStartXref = findLastStartXref(bytes);
  const at = skipWhitespace(bytes, prevStartXref);
  const keyword = latin1(bytes.subarray(at, at + 4));
  const xrefIsStream = keyword !== 'xref';
  if (xrefIsStream && !/^\d+\s+\d+\s+obj/.test(latin1(bytes.subarray(at, at + 32)))) {
    throw new KysoError('INVALID_DOCUMENT', { reason: 'startxref does not point at a cross-reference section' });
  }

  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { updateMetadata: false, ignoreEncryption: true, throwOnInvalidObject: false });
  } catch (cause) {
    throw new KysoError('INVALID_DOCUMENT', { reason: 'the PDF could not be parsed' }, { cause });
  }
  // An encrypted file would need its strings and streams encrypted in the update with the file key [§7.6];
  // we refuse rather than write a revision readers cannot decrypt.
  if (doc.context.trailerInfo.Encrypt) {
    throw new KysoError('UNSUPPORTED_DOCUMENT', { reason: 'encrypted PDF: remove the password protection before signing' });
  }
  if (!(doc.context.lookup(doc.context.trailerInfo.Root) instanceof PDFDict)) {
    throw new KysoError('INVALID_DOCUMENT', { reason: 'no document catalog (/Root)' });
  }
  try {
    if (doc.getPageCount() < 1) throw new Error('no pages');
  } catch (cause) {
    throw new KysoError('INVALID_DOCUMENT', { reason: 'the page tree is missing or damaged' }, { cause });
  }

  const trailerSize = readTrailerSize(bytes, at, xrefIsStream);
  const size = Math.max(trailerSize, doc.context.largestObjectNumber + 1);
  const last = bytes[bytes.length - 1];
  return { doc, prevStartXref, xrefIsStream, size, length: bytes.length, endsWithEol: last === 0x0a || last === 0x0d };
}

function findLastStartXref(bytes: Uint8Array): number {
  const tailStart = Math.max(0, bytes.length - TAIL_SCAN_BYTES);
  const tail = latin1(bytes.subarray(tailStart));
  const index = tail.lastIndexOf('startxref');
  if (index < 0) throw new KysoError('INVALID_DOCUMENT', { reason: 'no startxref (truncated or not a PDF)' });
  const match = /^startxref\s+(\d+)/.exec(tail.slice(index));
  const offset = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(offset) || offset <= 0 || offset >= bytes.length) {
    throw new KysoError('INVALID_DOCUMENT', { reason: 'startxref offset is outside the file' });
  }
  if (!tail.slice(index).includes('%%EOF')) throw new KysoError('INVALID_DOCUMENT', { reason: 'no %%EOF after startxref (truncated file)' });
  return offset;
}

/** /Size from the trailer dictionary (table) or the xref stream dictionary [§7.5.5 Table 15, §7.5.8.2 Table 17]. */
function readTrailerSize(bytes: Uint8Array, at: number, xrefIsStream: boolean): number {
  let dictStart = at;
  if (!xrefIsStream) {
    const trailerAt = indexOfAscii(bytes, 'trailer', at);
    if (trailerAt < 0) throw new KysoError('INVALID_DOCUMENT', { reason: 'cross-reference table without trailer' });
    dictStart = trailerAt;
  }
  const window = latin1(bytes.subarray(dictStart, Math.min(bytes.length, dictStart + 8192)));
  const end = window.indexOf(xrefIsStream ? 'stream' : 'startxref');
  const match = /\/Size\s+(\d+)/.exec(end > 0 ? window.slice(0, end) : window);
  if (!match) throw new KysoError('INVALID_DOCUMENT', { reason: 'trailer without /Size' });
  return Number(match[1]);
}

function skipWhitespace(bytes: Uint8Array, at: number): number {
  let i = at;
  while (i < bytes.length && [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20].includes(bytes[i]!)) i++;
  return i;
}

function indexOfAscii(bytes: Uint8Array, needle: string, from: number): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(needle, from, 'latin1');
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Shortcut used by writers: a PDFName. */
export const N = (name: string): PDFName => PDFName.of(name);
export const num = (value: number): PDFNumber => PDFNumber.of(value);
