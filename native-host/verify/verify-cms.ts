/** Verify a CMS / PKCS#7 signature file (DER or PEM; attached, or detached with the content given). */
import * as pkijs from 'pkijs';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { documentReport, guardSignature, type VerificationReport } from './verification-report.js';
import { encapsulatedContent, parseSignedData, signedDataCertificates, verifySignerInfo } from './verify-cms-signer.js';
import { revocationValuesOf } from '../formats/cms/revocation-values.js';
import { EmbeddedValidationData } from './embedded-validation-data.js';
import { signatureLevel } from './signature-level.js';
import type { VerifyOptions } from './verify-options.js';
import { reason } from '../trust/reasons.js';
import { detectFormat } from './detect-format.js';

const PEM_CMS = /-----BEGIN (?:PKCS7|CMS|PKCS #7 SIGNED DATA)-----([\s\S]+?)-----END (?:PKCS7|CMS|PKCS #7 SIGNED DATA)-----/;

export function cmsDerFromBytes(bytes: Uint8Array): Uint8Array {
  const head = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 64 * 1024 * 1024))).toString('latin1');
  const pem = PEM_CMS.exec(head);
  if (pem) return new Uint8Array(Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64'));
  return bytes;
}

export async function verifyCms(bytes: Uint8Array, options: VerifyOptions): Promise<VerificationReport> {
  const der = cmsDerFromBytes(bytes);
  const signed = parseSignedData(der);
  if (!signed) throw new KysoError('INVALID_DOCUMENT', { what: 'not a CMS SignedData' });
  // CAdES-B-LT: OCSP responses and CRLs in the SignedData answer revocation first, offline (embedded-validation-data.ts).
  const values = revocationValuesOf(der);
  const withValues = values.ocspResponses.length + values.crls.length > 0
    ? { ...options, embedded: new EmbeddedValidationData(signedDataCertificates(signed), values.ocspResponses, values.crls) } : options;
  const attached = encapsulatedContent(signed);
  // Detached signatures need the original file; an attached one carries it (a given --content must then match it).
  const content = attached ?? options.content;
  const reports = [];
  for (const signerInfo of signed.signerInfos as pkijs.SignerInfo[]) {
    const report = await guardSignature('cms', undefined, () => verifySignerInfo(signed, signerInfo, content, withValues, { format: 'cms' }));
    const level = signatureLevel(report);
    reports.push(level ? { ...report, level } : report);
  }
  const report = documentReport('cms', reports, 'SIGNER_CERT_MISSING');
  // An attached .p7m of a PDF: the CMS signature is what is verified; say what the signed content is, so the
  // reader knows to open (and, if it is signed too, verify) the PDF inside.
  if (attached && isPdfContent(attached)) return { ...report, reasons: [...report.reasons, reason('CMS_CONTENT_IS_PDF', `${attached.length} bytes`)] };
  return report;
}

function isPdfContent(content: Uint8Array): boolean {
  try {
    return detectFormat(content) === 'pdf';
  } catch {
    return false;
  }
}
