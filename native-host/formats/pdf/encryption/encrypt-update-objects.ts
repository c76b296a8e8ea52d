/**
 * Encrypt the objects a signing update adds to an encrypted file [ISO 32000-1 §7.6.1]: every string and every
 * stream's data, with the key of the indirect object they belong to. Existing objects the update rewrites keep
 * their strings as read — still encrypted with their own (unchanged) object number. The signature dictionary's
 * /Contents is never encrypted (§7.6.1), so the signature dictionary is written separately (encryptedText).
 */
import { PDFArray, PDFDict, PDFHexString, PDFRawStream, PDFStream, PDFString, type PDFContext, type PDFObject, type PDFRef } from 'pdf-lib';
import type { PdfEncryption } from './standard-security-handler.js';

export function encryptNewObject(context: PDFContext, ref: PDFRef, encryption: PdfEncryption): void {
  const object = context.lookup(ref);
  const n = ref.objectNumber;
  const g = ref.generationNumber;
  if (object instanceof PDFStream) {
    const data = object.getContents();
    const dict = object.dict;
    encryptStrings(dict, encryption, n, g);
    context.assign(ref, PDFRawStream.of(dict, encryption.encryptStream(data, n, g)));
    return;
  }
  if (object) {
    const replaced = encryptStrings(object, encryption, n, g);
    if (replaced !== object) context.assign(ref, replaced);
  }
}

/** `text` as an encrypted hex string (UTF-16BE with BOM, or PDFDocEncoding via pdf-lib's choice), for hand-written objects. */
export function encryptedText(text: string, encryption: PdfEncryption, objectNumber: number): string {
  return hexOf(encryption.encryptString(PDFHexString.fromText(text).asBytes(), objectNumber, 0));
}

/** A literal byte string (e.g. a PDF date) as an encrypted hex string. */
export function encryptedBytes(bytes: Uint8Array, encryption: PdfEncryption, objectNumber: number): string {
  return hexOf(encryption.encryptString(bytes, objectNumber, 0));
}

function hexOf(bytes: Uint8Array): string {
  return `<${Buffer.from(bytes).toString('hex')}>`;
}

function encryptStrings(object: PDFObject, encryption: PdfEncryption, n: number, g: number): PDFObject {
  if (object instanceof PDFString || object instanceof PDFHexString) return PDFHexString.of(Buffer.from(encryption.encryptString(object.asBytes(), n, g)).toString('hex'));
  if (object instanceof PDFDict) {
    for (const [key, value] of object.entries()) {
      const replaced = encryptStrings(value, encryption, n, g);
      if (replaced !== value) object.set(key, replaced);
    }
  } else if (object instanceof PDFArray) {
    for (let i = 0; i < object.size(); i++) {
      const value = object.get(i);
      const replaced = encryptStrings(value, encryption, n, g);
      if (replaced !== value) object.set(i, replaced);
    }
  }
  return object;
}
