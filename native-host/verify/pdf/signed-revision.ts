/**
 * Which revision a signature signs, and whether its /ByteRange is honest [ISO 32000-1 §12.8.1, ETSI EN 319 142-1
 * §5.1]: four non-negative integers [0 b c d], the covered bytes [0, b) and [c, c+d) ending exactly at the end of
 * a revision (after its %%EOF line), the signature dictionary an object OF that revision, and the gap [b, c)
 * exactly that dictionary's own /Contents hex string — inside that dictionary's definition where that revision's
 * cross-reference points. Anything else is signature wrapping or a forgery: PDF_BYTE_RANGE_INVALID.
 */
import { PDFArray, PDFContext, PDFHexString, PDFNumber, PDFRef } from 'pdf-lib';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { IndirectObjectParser } from '../../formats/pdf/xref/indirect-object-parser.js';
import type { PdfRevisionView } from '../../formats/pdf/xref/read-revision.js';
import { reason, type Reason } from '../../trust/reasons.js';
import type { FoundPdfSignature } from './find-pdf-signatures.js';
import { entry, sameObject } from './pdf-object-tools.js';
import type { RevisionViews } from './revision-views.js';

export interface SignedRevision {
  readonly byteRange: readonly [number, number, number, number];
  /** The state the signature covers. */
  readonly view: PdfRevisionView;
  /** Index of the covered revision in `views.marks`. */
  readonly revision: number;
  /** The CMS (or RFC 3161 token) from /Contents, without the zero padding. */
  readonly contents: Uint8Array;
  /** [0, b) followed by [c, c+d). */
  readonly covered: Uint8Array;
}

export type SignedRevisionResult = { readonly ok: true; readonly signed: SignedRevision } | { readonly ok: false; readonly reason: Reason };

const fail = (code: 'PDF_BYTE_RANGE_INVALID' | 'SIGNATURE_INVALID', detail: string): SignedRevisionResult => ({ ok: false, reason: reason(code, detail) });

export function locateSignedRevision(views: RevisionViews, signature: FoundPdfSignature): SignedRevisionResult {
  const { bytes } = views;
  const dict = signature.dict;
  if (!dict) return fail('SIGNATURE_INVALID', 'the signature value is not a dictionary');
  const rangeEntry = entry(dict, 'ByteRange');
  if (!(rangeEntry instanceof PDFArray)) return fail('PDF_BYTE_RANGE_INVALID', 'no /ByteRange array');
  const numbers = rangeEntry.asArray().map((n) => (n instanceof PDFNumber ? n.asNumber() : Number.NaN));
  if (numbers.length !== 4 || !numbers.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    return fail('PDF_BYTE_RANGE_INVALID', `/ByteRange must be four non-negative integers, not ${rangeEntry.toString().slice(0, 120)}`);
  }
  const [a, b, c, d] = numbers as [number, number, number, number];
  if (a !== 0 || b <= 0 || c <= b || c + d > bytes.length) return fail('PDF_BYTE_RANGE_INVALID', `[${numbers.join(' ')}] does not start at 0, is out of order or goes past the end of the file (${bytes.length} bytes)`);
  const contentsValue = entry(dict, 'Contents');
  if (!(contentsValue instanceof PDFHexString)) {
    return fail('SIGNATURE_INVALID', contentsValue === undefined ? 'no /Contents' : '/Contents is not a hex string');
  }

  const end = c + d;
  const revision = views.revisionEndingAt(end);
  if (revision < 0) return fail('PDF_BYTE_RANGE_INVALID', `the signed bytes end at ${end}, which is not the end of a revision (after %%EOF)`);
  const view = views.at(end);
  if (view instanceof KysoError) return fail('PDF_BYTE_RANGE_INVALID', 'the signed revision cannot be read');
  if (!(signature.value instanceof PDFRef)) return fail('PDF_BYTE_RANGE_INVALID', 'the signature dictionary is not an indirect object');

  // The dictionary must be an object of the revision it signs, the very definition that revision's xref points to.
  const ref = signature.value;
  const location = view.locations.get(ref.objectNumber);
  const inView = view.context.lookup(ref);
  if (!location || location.kind !== 'offset' || location.generation !== ref.generationNumber || !sameObject(inView, dict)) {
    return fail('PDF_BYTE_RANGE_INVALID', `the signature dictionary (object ${ref.objectNumber}) is not part of the revision its /ByteRange covers`);
  }
  const definition = IndirectObjectParser.over(bytes.subarray(0, end), PDFContext.create(), () => undefined).parseIndirectAt(location.offset);
  if (!definition || !(definition.start < b && c <= definition.end)) {
    return fail('PDF_BYTE_RANGE_INVALID', 'the excluded range is not inside the signature dictionary');
  }

  // [§12.8.1] the gap is exactly the /Contents value: "<" hex digits ">", right after the /Contents key.
  const gap = Buffer.from(bytes.buffer, bytes.byteOffset + b, c - b).toString('latin1');
  if (!/^<[0-9A-Fa-f\s]*>$/.test(gap)) return fail('PDF_BYTE_RANGE_INVALID', 'the excluded range is not a hex string');
  const before = Buffer.from(bytes.buffer, bytes.byteOffset + definition.start, b - definition.start).toString('latin1');
  if (!/\/Contents[\s\0]*$/.test(before)) return fail('PDF_BYTE_RANGE_INVALID', 'the excluded range is not the value of /Contents');
  const hex = gap.slice(1, -1).replace(/\s+/g, '');
  const fromGap = Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex');
  if (!fromGap.equals(Buffer.from(contentsValue.asBytes()))) {
    return fail('PDF_BYTE_RANGE_INVALID', 'the excluded range is not this signature dictionary\'s own /Contents');
  }

  const covered = new Uint8Array(b + d);
  covered.set(bytes.subarray(0, b), 0);
  covered.set(bytes.subarray(c, end), b);
  return { ok: true, signed: { byteRange: [a, b, c, d], view, revision, contents: trimDer(new Uint8Array(fromGap)), covered } };
}

/** /Contents is zero-padded; keep exactly the DER element's length. */
function trimDer(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x30) return bytes;
  const first = bytes[1]!;
  if (first < 0x80) return bytes.subarray(0, 2 + first);
  const count = first & 0x7f;
  if (count === 0 || count > 4 || bytes.length < 2 + count) return bytes;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + bytes[2 + i]!;
  return bytes.subarray(0, Math.min(bytes.length, 2 + count + length));
}
