/**
 * Verify every signature of a PDF [ISO 32000-1 §12.8, ETSI EN 319 142-1]: the ByteRange must start at 0 and
 * leave out exactly the /Contents hex string; the CMS in /Contents must verify over the two covered ranges;
 * a signature whose range stops before the end of the file has later revisions after it (reported unless a
 * later signature covers the whole file); ETSI.RFC3161 document timestamps are checked as timestamps.
 * Signature dictionaries are found through pdf-lib's object parser, not by searching the bytes.
 */
import 'reflect-metadata';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFRef, PDFString } from 'pdf-lib';
import * as pkijs from 'pkijs';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { reason, type Reason } from '../trust/reasons.js';
import { documentReport, guardSignature, statusFromReasons, type SignatureReport, type VerificationReport } from './verification-report.js';
import { parseSignedData, verifySignerInfo, verifyTimestampToken, signedDataCertificates, assessSigner } from './verify-cms-signer.js';
import type { VerifyOptions } from './verify-options.js';

interface FoundSignature {
  readonly name?: string;
  readonly byteRange: number[];
  readonly subFilter?: string;
  readonly claimedTime?: Date;
}

export async function verifyPdf(bytes: Uint8Array, options: VerifyOptions): Promise<VerificationReport> {
  const found = await findSignatures(bytes);
  const wholeEnds = found.filter((f) => validRange(f.byteRange, bytes.length) && f.byteRange[2]! + f.byteRange[3]! === bytes.length);
  const reports: SignatureReport[] = [];
  for (const signature of found) reports.push(await guardSignature('pdf', signature.name, () => verifyOne(bytes, signature, wholeEnds.length > 0, options)));
  return documentReport('pdf', reports, 'PDF_NO_SIGNATURES');
}

async function findSignatures(bytes: Uint8Array): Promise<FoundSignature[]> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: false });
  } catch (cause) {
    throw new KysoError('INVALID_DOCUMENT', { what: 'PDF could not be parsed' }, { cause });
  }
  const fieldNames = new Map<string, string>();
  const signatures: { ref: PDFRef; dict: PDFDict }[] = [];
  for (const [ref, object] of doc.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict)) continue;
    const value = object.get(PDFName.of('V'));
    const title = object.get(PDFName.of('T'));
    if (value instanceof PDFRef && (title instanceof PDFString || title instanceof PDFHexString)) fieldNames.set(value.toString(), title.decodeText());
    if (object.get(PDFName.of('ByteRange')) instanceof PDFArray && object.get(PDFName.of('Contents'))) signatures.push({ ref, dict: object });
  }
  return signatures.map(({ ref, dict }) => {
    const range = dict.get(PDFName.of('ByteRange')) as PDFArray;
    const byteRange = range.asArray().map((n) => (n instanceof PDFNumber ? n.asNumber() : Number.NaN));
    const subFilter = dict.get(PDFName.of('SubFilter'));
    const m = dict.get(PDFName.of('M'));
    const claimedTime = m instanceof PDFString || m instanceof PDFHexString ? parsePdfDate(m.decodeText()) : undefined;
    const name = fieldNames.get(ref.toString());
    return {
      byteRange,
      ...(name !== undefined ? { name } : {}),
      ...(subFilter instanceof PDFName ? { subFilter: subFilter.decodeText() } : {}),
      ...(claimedTime ? { claimedTime } : {}),
    };
  });
}

function validRange(range: readonly number[], length: number): boolean {
  if (range.length !== 4 || !range.every((n) => Number.isSafeInteger(n) && n >= 0)) return false;
  const [a, b, c, d] = range as [number, number, number, number];
  return a === 0 && b > 0 && c > b && c + d <= length;
}

async function verifyOne(bytes: Uint8Array, found: FoundSignature, someSignatureCoversAll: boolean, options: VerifyOptions): Promise<SignatureReport> {
  const name = found.name !== undefined ? { name: found.name } : {};
  const empty = { chain: { status: 'not-built' as const, path: [] }, revocation: { status: 'not-checked' as const } };
  const bad = (r: Reason): SignatureReport => ({ status: 'invalid', format: 'pdf', ...empty, reasons: [r], ...name });
  if (!validRange(found.byteRange, bytes.length)) return bad(reason('PDF_BYTE_RANGE_INVALID', JSON.stringify(found.byteRange)));
  const [, b, c, d] = found.byteRange as [number, number, number, number];
  // [ISO 32000-1 §12.8.1] the gap is exactly the /Contents value: "<" hex digits ">".
  const gap = bytes.subarray(b, c);
  const gapText = Buffer.from(gap).toString('latin1');
  if (!/^<[0-9A-Fa-f\s]*>$/.test(gapText)) return bad(reason('PDF_BYTE_RANGE_INVALID', 'the excluded range is not the /Contents hex string'));
  const hex = gapText.slice(1, -1).replace(/\s+/g, '');
  const contents = trimDer(new Uint8Array(Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex')));
  const covered = new Uint8Array(b + d);
  covered.set(bytes.subarray(0, b), 0);
  covered.set(bytes.subarray(c, c + d), b);
  const coversWholeDocument = c + d === bytes.length;
  const laterReasons = !coversWholeDocument && !someSignatureCoversAll ? [reason('PDF_MODIFIED_AFTER_SIGNING', `${bytes.length - (c + d)} bytes after this signature`)] : [];

  const signed = parseSignedData(contents);
  if (!signed || signed.signerInfos.length === 0) return bad(reason('SIGNATURE_INVALID', 'the /Contents is not a CMS SignedData'));

  if (found.subFilter === 'ETSI.RFC3161') {
    // Document timestamp [ETSI EN 319 142-1 §5.4]: the token's imprint is the hash of the covered bytes.
    const timestamp = await verifyTimestampToken(contents, covered, options);
    const certs = signedDataCertificates(signed);
    const reasons: Reason[] = [...timestamp.reasons, ...laterReasons];
    const tsaCert = certs[0];
    const assessed = tsaCert ? await assessSigner(tsaCert, certs, { isTimestamp: true }, { ...options, checkRevocation: false }) : undefined;
    return {
      status: statusFromReasons(reasons), format: 'pdf', ...(assessed ? { signer: assessed.signer, chain: assessed.chain } : { chain: empty.chain }),
      revocation: { status: 'not-checked' }, timestamp, reasons, coversWholeDocument, ...name,
    };
  }
  if (found.subFilter === 'adbe.pkcs7.sha1') return { ...bad(reason('UNSUPPORTED_ALGORITHM', 'adbe.pkcs7.sha1')), status: 'indeterminate', coversWholeDocument };

  const report = await verifySignerInfo(signed, signed.signerInfos[0] as pkijs.SignerInfo, covered, options, {
    format: 'pdf', ...(found.claimedTime ? { externalSigningTime: found.claimedTime } : {}), ...name,
  });
  const reasons = [...report.reasons, ...laterReasons];
  return { ...report, status: statusFromReasons(reasons), reasons, coversWholeDocument };
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

/** PDF date "D:YYYYMMDDHHmmSS+07'00'" [ISO 32000-1 §7.9.4]. */
function parsePdfDate(text: string): Date | undefined {
  const m = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?'?/.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', sign, oh = '00', om = '00'] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const offset = (Number(oh) * 60 + Number(om)) * 60_000;
  const time = sign === '+' ? utc - offset : sign === '-' ? utc + offset : utc;
  return Number.isNaN(time) ? undefined : new Date(time);
}
