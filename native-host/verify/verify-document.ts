/**
 * `verifyDocument(bytes, options)`: find the format (detect-format.ts: by structure, or the caller's hint) and
 * verify every signature. Bad input becomes a typed KysoError (INVALID_DOCUMENT / UNSUPPORTED_DOCUMENT), never a
 * crash; the input bytes are only read.
 */
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { VerificationReport } from './verification-report.js';
import type { VerifyOptions } from './verify-options.js';
import { detectFormat } from './detect-format.js';
import { verifyCms } from './verify-cms.js';
import { verifyPdf } from './verify-pdf.js';
import { verifyXml } from './verify-xml.js';

export { detectFormat, type DetectedFormat } from './detect-format.js';

export async function verifyDocument(bytes: Uint8Array, options: VerifyOptions): Promise<VerificationReport> {
  const format = detectFormat(bytes, options.format);
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
