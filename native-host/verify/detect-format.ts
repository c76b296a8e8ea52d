/**
 * Which format a document to verify is in, read from its structure rather than from a magic string anywhere in
 * its head: an attached CMS (.p7m) whose content is a PDF carries "%PDF-" in its first KiB, and so may an XML
 * invoice that quotes "%PDF-1.7" in a text field; both are what they are, not PDFs.
 *   CMS  DER: an ASN.1 SEQUENCE whose first element is the signedData OID [RFC 5652 §3, §5.1]; or PEM armour.
 *   XML  the first non-blank character (after a BOM) is '<' [XML 1.0 §2.1]; well-formedness is checked by the
 *        XML verifier, which reports a document that does not parse.
 *   PDF  "%PDF-" within the first 1024 bytes, as readers accept it [ISO 32000-1 §7.5.2 and Implementation note],
 *        AND a file trailer: "startxref" or "trailer" near the end [ISO 32000-1 §7.5.5]. A file that begins with
 *        "%PDF-" is taken as a (maybe damaged) PDF either way.
 * A format the caller names (VerifyOptions.format, `kyso verify --format`) is preferred over detection.
 */
import { KysoError } from '../../shared/errors/kyso-error.js';

export type DetectedFormat = 'pdf' | 'xml' | 'cms';
export const DETECTED_FORMATS: readonly DetectedFormat[] = ['pdf', 'xml', 'cms'];

/** DER of OBJECT IDENTIFIER 1.2.840.113549.1.7.2 (id-signedData). */
const SIGNED_DATA_OID = Uint8Array.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]);
const PEM_CMS = /-----BEGIN (PKCS7|CMS|PKCS #7 SIGNED DATA)-----/;
/** How far from the end the trailer keywords are looked for: incremental updates, linearization hints and junk after %%EOF. */
const TRAILER_WINDOW_BYTES = 64 * 1024;

export function detectFormat(bytes: Uint8Array, hint?: DetectedFormat): DetectedFormat {
  if (hint) return hint;
  if (isDerSignedData(bytes) || isTruncatedDerSequence(bytes)) return 'cms';
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  if (PEM_CMS.test(head)) return 'cms';
  if (head.replace(/^(\uFEFF|\xEF\xBB\xBF)/, '').trimStart().startsWith('<')) return 'xml';
  if (isPdf(bytes, head)) return 'pdf';
  throw new KysoError('UNSUPPORTED_DOCUMENT', { what: 'not PDF, XML or CMS' });
}

/** A BER/DER SEQUENCE (definite or indefinite length) whose first element is the signedData OID. */
export function isDerSignedData(bytes: Uint8Array): boolean {
  if (bytes.length < 2 + SIGNED_DATA_OID.length || bytes[0] !== 0x30) return false;
  const first = bytes[1]!;
  // Short form, indefinite (0x80), or long form with 1–4 length bytes [X.690 §8.1.3].
  const lengthBytes = first < 0x80 ? 0 : first === 0x80 ? 0 : first - 0x80;
  if (lengthBytes > 4) return false;
  const at = 2 + lengthBytes;
  return SIGNED_DATA_OID.every((b, i) => bytes[at + i] === b);
}

/** A SEQUENCE that ends before its first element could be read: a cut-off CMS, which the CMS reader calls damaged. */
function isTruncatedDerSequence(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x30 || bytes.length < 2) return bytes[0] === 0x30;
  const first = bytes[1]!;
  const lengthBytes = first <= 0x80 ? 0 : first - 0x80;
  return lengthBytes <= 4 && bytes.length < 2 + lengthBytes + SIGNED_DATA_OID.length;
}

function isPdf(bytes: Uint8Array, head: string): boolean {
  const at = head.indexOf('%PDF-');
  if (at < 0) return false;
  // A file that begins with the header is a PDF even when its trailer is lost: the PDF reader then says it is damaged.
  if (head.slice(0, at).trim() === '') return true;
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - TRAILER_WINDOW_BYTES))).toString('latin1');
  return /startxref|trailer/.test(tail);
}
