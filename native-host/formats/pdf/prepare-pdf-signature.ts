/**
 * "Server prepares, browser signs" [ETSI EN 319 142-1 §5.1, ISO 32000-1 §12.8.1]: the portal's server appends the
 * signature's incremental update with an empty /Contents, hashes the byte range and sends only the digest to the
 * person's token; it then puts the returned CMS into /Contents with completePdfSignature. Both steps are
 * stateless: the prepared PDF carries everything completion needs.
 */
import { createHash } from 'node:crypto';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { HashAlgorithm } from '../../../shared/domain/algorithms.js';
import { readPdfStructure } from './read-pdf-structure.js';
import { buildSignatureIncrement, byteRangeText } from './build-signature-increment.js';
import { DEFAULT_PDF_HASH, type PdfSignatureOptions } from './pdf-signature-options.js';
import { nodeHashName } from '../node-hash-name.js';

export interface PreparedPdfSignature {
  /** The input plus the update; /ByteRange filled, /Contents all zeros. */
  readonly preparedPdf: Uint8Array;
  /** Digest of the bytes the ByteRange covers: the CMS messageDigest. */
  readonly byteRangeDigest: Uint8Array;
  readonly hashAlgorithm: HashAlgorithm;
  readonly byteRange: readonly [number, number, number, number];
  /** Bytes of CMS /Contents can hold. */
  readonly placeholderBytes: number;
  /** The time written in /M and on the stamp. */
  readonly signingTime: Date;
}

const DEFAULT_PREPARED_PLACEHOLDER_BYTES = 16 * 1024;

export async function preparePdfSignature(pdfBytes: Uint8Array, options: PdfSignatureOptions = {}): Promise<PreparedPdfSignature> {
  const hashAlgorithm = options.hashAlgorithm ?? DEFAULT_PDF_HASH;
  const signingTime = options.signingTime ?? new Date();
  const placeholderBytes = options.placeholderBytes ?? DEFAULT_PREPARED_PLACEHOLDER_BYTES;
  const structure = await readPdfStructure(pdfBytes);
  const inc = await buildSignatureIncrement(structure, { ...options, signingTime }, placeholderBytes, pdfBytes);

  const out = new Uint8Array(pdfBytes.length + inc.bytes.length);
  out.set(pdfBytes, 0);
  out.set(inc.bytes, pdfBytes.length);
  const contentsStart = pdfBytes.length + inc.contentsAt;
  const contentsEnd = contentsStart + placeholderBytes * 2 + 2;
  const text = byteRangeText(contentsStart, contentsEnd, out.length, inc.byteRangeWidth);
  out.set(new TextEncoder().encode(text), pdfBytes.length + inc.byteRangeAt);

  const hash = createHash(nodeHashName(hashAlgorithm));
  hash.update(out.subarray(0, contentsStart));
  hash.update(out.subarray(contentsEnd));
  return {
    preparedPdf: out,
    byteRangeDigest: new Uint8Array(hash.digest()),
    hashAlgorithm,
    byteRange: [0, contentsStart, contentsEnd, out.length - contentsEnd],
    placeholderBytes,
    signingTime,
  };
}

/**
 * Put a CMS signature into the last prepared signature of `preparedPdf` (a new array; the input is not changed).
 * Fails with PAYLOAD_TOO_LARGE when the CMS does not fit the placeholder, and INVALID_DOCUMENT when the file has
 * no empty signature placeholder.
 */
export function completePdfSignature(preparedPdf: Uint8Array, cmsDer: Uint8Array): Uint8Array {
  const { contentsStart, contentsEnd } = locateEmptyContents(preparedPdf);
  const capacity = (contentsEnd - contentsStart - 2) / 2;
  if (cmsDer.length > capacity) {
    throw new KysoError('PAYLOAD_TOO_LARGE', { reason: 'the CMS signature is larger than the reserved /Contents', cmsBytes: cmsDer.length, placeholderBytes: capacity });
  }
  if (cmsDer.length === 0 || cmsDer[0] !== 0x30) throw new KysoError('BAD_REQUEST', { reason: 'the signature is not a DER CMS ContentInfo' });
  const out = new Uint8Array(preparedPdf);
  out.set(new TextEncoder().encode(Buffer.from(cmsDer).toString('hex')), contentsStart + 1);
  return out;
}

/** Find the last /ByteRange and check it frames a zero-filled hex /Contents (the prepared state). */
export function locateEmptyContents(pdf: Uint8Array): { contentsStart: number; contentsEnd: number } {
  const buffer = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  const at = buffer.lastIndexOf('/ByteRange', undefined, 'latin1');
  const match = at >= 0 ? /^\/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(buffer.toString('latin1', at, at + 120)) : null;
  if (!match) throw new KysoError('INVALID_DOCUMENT', { reason: 'no prepared signature (/ByteRange) found' });
  const contentsStart = Number(match[1]);
  const contentsEnd = Number(match[2]);
  const tail = Number(match[3]);
  const ok = contentsEnd + tail === pdf.length && pdf[contentsStart] === 0x3c && pdf[contentsEnd - 1] === 0x3e
    && /^0*$/.test(buffer.toString('latin1', contentsStart + 1, contentsEnd - 1));
  if (!ok) throw new KysoError('INVALID_DOCUMENT', { reason: 'the prepared signature placeholder is missing, altered or already filled' });
  return { contentsStart, contentsEnd };
}
