/**
 * Strings of an encrypted file as the person reads them [ISO 32000-1 §7.6.1: every string of an indirect object
 * is encrypted with that object's key]. Used where Kyso must READ values to redraw them — a /NeedAppearances
 * form's /V, /DA and /Opt (form-appearances.ts) — on the objects the signing update rewrites anyway; those are
 * encrypted again with their own number when written (encryptNewObject), so nothing leaves in clear.
 */
import { PDFArray, PDFDict, PDFHexString, PDFString, type PDFContext, type PDFObject, type PDFRef } from 'pdf-lib';
import type { PdfEncryption } from './standard-security-handler.js';

/** Decrypt, in place, every string of the indirect object `ref` (its dictionary, arrays, a stream's dictionary). Throws when a string does not decrypt (bad AES padding). */
export function decryptObjectStrings(context: PDFContext, ref: PDFRef, encryption: PdfEncryption): void {
  const object = context.lookup(ref);
  if (!object) return;
  const plain = (value: PDFObject): PDFObject => decryptStrings(value, encryption, ref.objectNumber, ref.generationNumber);
  const dict = 'dict' in object && object.dict instanceof PDFDict ? object.dict : object;
  const replaced = plain(dict);
  if (replaced !== dict) context.assign(ref, replaced);
}

function decryptStrings(object: PDFObject, encryption: PdfEncryption, n: number, g: number): PDFObject {
  if (object instanceof PDFString || object instanceof PDFHexString) {
    return PDFHexString.of(Buffer.from(encryption.decrypt(object.asBytes(), encryption.strings, n, g)).toString('hex'));
  }
  if (object instanceof PDFDict) {
    for (const [key, value] of object.entries()) {
      const replaced = decryptStrings(value, encryption, n, g);
      if (replaced !== value) object.set(key, replaced);
    }
  } else if (object instanceof PDFArray) {
    for (let i = 0; i < object.size(); i++) {
      const value = object.get(i);
      const replaced = decryptStrings(value, encryption, n, g);
      if (replaced !== value) object.set(i, replaced);
    }
  }
  return object;
}
