/**
 * `verifyDocument(bytes, options)`: detect the format (PDF, XML, CMS in DER or PEM) and verify every signature.
 * Bad input becomes a typed KysoError (INVALID_DOCUMENT / UNSUPPORTED_DOCUMENT), never a crash; the input
 * bytes are only read.
 */
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { VerificationReport } from './verification-report.js';
import type { VerifyOptions } from './verify-options.js';
import { verifyCms } from './verify-cms.js';
import { verifyPdf } from './verify-pdf.js';
import { verifyXml } from './verify-xml.js';

export type DetectedFormat = 'pdf' | 'xml' | 'cms';

export function detectFormat(bytes: Uint8Array): DetectedFormat {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  if (head.includes('%PDF-')) return 'pdf';
  if (/-----BEGIN (PKCS7|CMS|PKCS #7 SIGNED DATA)-----/.test(head)) return 'cms';
  const trimmed = head.replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  if (trimmed.startsWith('<')) return 'xml';
  if (bytes[0] === 0x30) return 'cms';
  throw new KysoError('UNSUPPORTED_DOCUMENT', { what: 'not PDF, XML or CMS' });
}

export async function verifyDocument(bytes: Uint8Array, options: VerifyOptions): Promise<VerificationReport> {
  const format = detectFormat(bytes);
  try {
    switch (format) {
      case 'pdf': return await verifyPdf(bytes, options);
      case 'xml': return await verifyXml(bytes, options);
      case 'cms': return await verifyCms(bytes, options);
    }
  } catch (error) {
    // Whatever a parser throws on a damaged file is a damaged file, not an internal error.
    if (error instanceof KysoError) throw error;
    throw new KysoError('INVALID_DOCUMENT', { what: `${format} could not be read` }, { cause: error });
  }
}
