/**
 * Read a revision of a possibly encrypted PDF: its object streams are encrypted as streams [ISO 32000-1 §7.5.7,
 * §7.6.1], so when the trailer names a standard-handler encryption that opens without a password, the revision is
 * read again with them decrypted (also when definitions outside the xref may be stray object streams). The encryption dictionary is never in an object stream, so the first read finds
 * it. A file that cannot be opened so is returned as first read (its object streams then count as unreadable).
 */
import { PDFName, PDFRawStream, type PDFContext } from 'pdf-lib';
import { readRevision, type PdfRevisionView } from '../xref/read-revision.js';
import { openStandardEncryption, type PdfEncryption } from './standard-security-handler.js';

export interface EncryptedRevision {
  readonly view: PdfRevisionView;
  /** Set when the trailer names an encryption that opens without a password. */
  readonly encryption?: PdfEncryption;
}

/** @throws KysoError from openStandardEncryption when `strict` and the encryption cannot be opened. */
export function readPossiblyEncryptedRevision(bytes: Uint8Array, startxref?: number, strict = false): EncryptedRevision {
  const view = readRevision(bytes, startxref);
  if (!view.context.trailerInfo.Encrypt) return { view };
  let encryption: PdfEncryption;
  try {
    encryption = openStandardEncryption(view.context);
  } catch (error) {
    if (strict) throw error;
    return { view };
  }
  // Read again with object streams decrypted when there are any — in the view, or among the definitions no xref
  // points to (a stray object stream's members must be compared with the view, and listed, in clear).
  if (!hasObjectStreams(view.context) && view.unaccountedDefinitions.length === 0) return { view, encryption };
  const reread = readRevision(bytes, startxref, { decryptObjectStream: (data, n, g) => encryption.decrypt(data, encryption.streams, n, g) });
  return { view: reread, encryption };
}

function hasObjectStreams(context: PDFContext): boolean {
  for (const [, object] of context.enumerateIndirectObjects()) {
    if (object instanceof PDFRawStream && object.dict.get(PDFName.of('Type')) === PDFName.of('ObjStm')) return true;
  }
  return false;
}
