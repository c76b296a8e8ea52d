/**
 * Add a document time-stamp to a PDF as an incremental update [ETSI EN 319 142-1 §5.4.3; ISO 32000-2 §12.8.5]:
 * an invisible signature field whose value is /Type /DocTimeStamp, /SubFilter /ETSI.RFC3161, and whose /Contents
 * is an RFC 3161 TimeStampToken over the byte range — the whole file except that /Contents, so everything before
 * it (signatures, the DSS) is sealed at the TSA's time. PAdES B-LTA is a DSS followed by this; renewing an
 * archive (`kyso extend`) adds another pair before the last time-stamp's algorithms or certificates weaken.
 */
import { KysoError } from '../../../../shared/errors/kyso-error.js';
import { requestTimestamp, type TimestampOptions } from '../../timestamp/request-timestamp.js';
import { readPdfStructure } from '../read-pdf-structure.js';
import { buildSignatureIncrement, byteRangeText } from '../build-signature-increment.js';
import { PLACEHOLDER_MARGIN_BYTES } from '../placeholder-size.js';

/** Room for a token with its TSA's certificates (about two RSA-4096 certificates); a larger token is re-requested with room for it. */
const DOCUMENT_TIMESTAMP_PLACEHOLDER_BYTES = 8 * 1024;

export async function appendDocumentTimestamp(pdf: Uint8Array, tsa: TimestampOptions): Promise<Uint8Array> {
  let placeholderBytes = DOCUMENT_TIMESTAMP_PLACEHOLDER_BYTES;
  for (let attempt = 0; attempt < 2; attempt++) {
    const structure = await readPdfStructure(pdf);
    const inc = await buildSignatureIncrement(structure, {}, placeholderBytes, pdf, true);
    const out = new Uint8Array(pdf.length + inc.bytes.length);
    out.set(pdf, 0);
    out.set(inc.bytes, pdf.length);
    const contentsStart = pdf.length + inc.contentsAt;
    const contentsEnd = contentsStart + placeholderBytes * 2 + 2;
    out.set(new TextEncoder().encode(byteRangeText(contentsStart, contentsEnd, out.length, inc.byteRangeWidth)), pdf.length + inc.byteRangeAt);
    const covered = new Uint8Array(contentsStart + (out.length - contentsEnd));
    covered.set(out.subarray(0, contentsStart), 0);
    covered.set(out.subarray(contentsEnd), contentsStart);
    const token = await requestTimestamp(covered, tsa);
    if (token.length > placeholderBytes) {
      placeholderBytes = token.length + PLACEHOLDER_MARGIN_BYTES;
      continue;
    }
    out.set(new TextEncoder().encode(Buffer.from(token).toString('hex')), contentsStart + 1);
    return out;
  }
  throw new KysoError('INTERNAL_ERROR', { reason: 'the time-stamp token kept outgrowing its placeholder' });
}
