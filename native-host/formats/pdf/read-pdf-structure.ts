/**
 * Read what an incremental update needs from an existing PDF: the objects of the latest revision AS READERS
 * RESOLVE THEM — through `startxref`, the cross-reference tables and streams, /Prev and object streams
 * (xref/read-revision.ts) — where the last cross-reference section starts, and whether it is a table or a stream
 * [ISO 32000-1 §7.5.5, §7.5.8]. A file whose objects read differently depending on how they are resolved (a
 * definition no xref points to, entries that miss their objects) is refused with DOCUMENT_AMBIGUOUS: signing it
 * could sign content the person never saw. Nothing here writes.
 */
import { PDFCatalog, PDFDocument, PDFName, PDFNumber, PDFDict, PDFRef, type PDFContext } from 'pdf-lib';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { PdfRevisionView } from './xref/read-revision.js';
import { repairXref } from './xref/repair-xref.js';
import { ensureFilled, wholeFile } from './xref/file-image.js';
import { crossCheckWithViewer } from './viewer-cross-check.js';
import { refuseUnlessSigningAllowed, type PdfEncryption } from './encryption/standard-security-handler.js';
import { readPossiblyEncryptedRevision } from './encryption/read-encrypted-revision.js';

export interface PdfStructure {
  /** A pdf-lib document over the xref view's objects (never pdf-lib's own sweep of the file). */
  readonly doc: PDFDocument;
  /** The cross-reference view `doc` is built on. */
  readonly view: PdfRevisionView;
  /** Byte offset of the last cross-reference section (the file's final `startxref` value). */
  readonly prevStartXref: number;
  /** The last section is a cross-reference stream: the update must add one too (§7.5.8.4 hybrid rules aside). */
  readonly xrefIsStream: boolean;
  /** /Size of the last trailer, or one past the largest object number in use, whichever is larger. */
  readonly size: number;
  /** Length of the input in bytes. */
  readonly length: number;
  /** The input ends with an end-of-line; otherwise the update starts with one so `%%EOF` stays on its line. */
  readonly endsWithEol: boolean;
  /** The file's encryption, for a file that opens without a password and allows signing. */
  readonly encryption?: PdfEncryption;
}

const PDF_HEADER = '%PDF-';
/** pdf.js confirms a repaired view (viewer-cross-check.ts); host.documentInfo cross-checks files up to the same size. */
const REPAIR_CROSS_CHECK_MAX_BYTES = 64 * 1024 * 1024;
/** `startxref` must be in the last 1024 bytes [ISO 32000-1 §7.5.5]; tolerate trailing junk a little further. */
const TAIL_SCAN_BYTES = 4096;

export async function readPdfStructure(bytes: Uint8Array): Promise<PdfStructure> {
  // Over a FileImage (xref/file-image.ts) only what is read is loaded: the header and the tail first.
  ensureFilled(bytes, 0, 1024);
  ensureFilled(bytes, bytes.length - TAIL_SCAN_BYTES, bytes.length);
  const headerWindow = latin1(bytes.subarray(0, 1024));
  if (!headerWindow.includes(PDF_HEADER)) throw new KysoError('INVALID_DOCUMENT', { reason: 'not a PDF (no %PDF- header)' });

  const prevStartXref = findLastStartXref(bytes);
  // An encrypted file that opens without a password and allows signing is signed with its own key [§7.6]
  // (encryption/): its object streams are read decrypted, and the update's strings and streams are encrypted
  // like the rest. Others are refused, saying why.
  let read: { view: PdfRevisionView; encryption?: PdfEncryption } | KysoError;
  try {
    if (prevStartXref === undefined) throw new KysoError('INVALID_DOCUMENT', { reason: 'startxref offset is outside the file' });
    read = readPossiblyEncryptedRevision(bytes, prevStartXref, true);
  } catch (error) {
    // Only a damaged cross-reference is worth a repair; a refused encryption stays refused.
    if (!(error instanceof KysoError) || error.code !== 'INVALID_DOCUMENT') throw error;
    read = error;
  }
  let repairedBytes: Uint8Array | undefined;
  if (read instanceof KysoError || read.view.inconsistencies.length > 0) {
    const repaired = repairedOrRefused(bytes, read);
    repairedBytes = repaired.bytes;
    read = repaired;
  }
  const { view, encryption } = read;
  if (encryption) refuseUnlessSigningAllowed(encryption);
  const doc = documentOver(view.context);
  try {
    if (doc.getPageCount() < 1) throw new Error('no pages');
  } catch (cause) {
    throw new KysoError('INVALID_DOCUMENT', { reason: 'the page tree is missing or damaged' }, { cause });
  }
  if (repairedBytes) await crossCheckWithViewer(repairedBytes, doc);

  const size = Math.max(view.size, view.context.largestObjectNumber + 1);
  const last = bytes[bytes.length - 1];
  return {
    doc, view, prevStartXref: prevStartXref ?? 0, xrefIsStream: view.xrefIsStream, size, length: bytes.length, endsWithEol: last === 0x0a || last === 0x0d,
    ...(encryption ? { encryption } : {}),
  };
}

/**
 * A pdf-lib PDFDocument over an existing context. pdf-lib only builds documents by parsing bytes its own way
 * (PDFDocument.load) or from nothing; its constructor, which takes a context, is private in the typings only.
 */
function documentOver(context: PDFContext): PDFDocument {
  const rootRef = context.trailerInfo.Root;
  const root = context.lookup(rootRef);
  if (!(rootRef instanceof PDFRef) || !(root instanceof PDFDict)) throw new KysoError('INVALID_DOCUMENT', { reason: 'no document catalog (/Root)' });
  // pdf-lib types a catalog by its /Type; readers do not require it [§7.7.2], so type it by its place.
  if (!(root instanceof PDFCatalog)) {
    const entries = new Map(root.entries());
    context.assign(rootRef, PDFCatalog.fromMapWithContext(entries, context));
  }
  const Document = PDFDocument as unknown as new (context: PDFContext, ignoreEncryption: boolean, updateMetadata: boolean) => PDFDocument;
  try {
    return new Document(context, true, false);
  } catch (cause) {
    throw new KysoError('INVALID_DOCUMENT', { reason: 'no document catalog (/Root)' }, { cause });
  }
}

/**
 * A damaged cross-reference is rebuilt when nothing about the rebuilt view is a reader's choice (xref/repair-xref.ts);
 * otherwise the file is refused as it was read: DOCUMENT_AMBIGUOUS (entries that miss their objects, shadows) or
 * the reading error.
 */
function repairedOrRefused(bytes: Uint8Array, read: { view: PdfRevisionView } | KysoError): { view: PdfRevisionView; bytes: Uint8Array } {
  const damage = read instanceof KysoError ? String(read.details?.['reason'] ?? 'unreadable cross-reference') : read.view.inconsistencies[0]!;
  const ambiguous = (refusal: string): KysoError => new KysoError('DOCUMENT_AMBIGUOUS', {
    reason: damage.slice(0, 300), repair: refusal.slice(0, 300),
    ...(read instanceof KysoError ? {} : { inconsistencies: read.view.inconsistencies.length }),
  });
  // A repaired view is signed only when pdf.js, the preview's engine, which repairs the file its own way, reads the
  // same pages from the same objects (viewer-cross-check.ts, run by the caller on the whole file). Files too large
  // for that check are not repaired.
  if (bytes.length > REPAIR_CROSS_CHECK_MAX_BYTES) {
    if (read instanceof KysoError) throw read;
    throw ambiguous(`a damaged file over ${REPAIR_CROSS_CHECK_MAX_BYTES / 1024 / 1024} MiB is not repaired`);
  }
  const whole = wholeFile(bytes);
  const repair = repairXref(whole, damage);
  if (repair.ok) return { view: repair.view, bytes: whole };
  if (read instanceof KysoError && !repair.ambiguous) throw read;
  throw ambiguous(repair.refusal);
}

/** The last startxref's value; undefined when it points outside the file (a damaged file, maybe repairable). */
function findLastStartXref(bytes: Uint8Array): number | undefined {
  const tailStart = Math.max(0, bytes.length - TAIL_SCAN_BYTES);
  const tail = latin1(bytes.subarray(tailStart));
  const index = tail.lastIndexOf('startxref');
  if (index < 0) throw new KysoError('INVALID_DOCUMENT', { reason: 'no startxref (truncated or not a PDF)' });
  const match = /^startxref\s+(\d+)/.exec(tail.slice(index));
  const offset = match ? Number(match[1]) : NaN;
  if (!tail.slice(index).includes('%%EOF')) throw new KysoError('INVALID_DOCUMENT', { reason: 'no %%EOF after startxref (truncated file)' });
  if (!Number.isSafeInteger(offset) || offset <= 0 || offset >= bytes.length) return undefined;
  return offset;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Shortcut used by writers: a PDFName. */
export const N = (name: string): PDFName => PDFName.of(name);
export const num = (value: number): PDFNumber => PDFNumber.of(value);
