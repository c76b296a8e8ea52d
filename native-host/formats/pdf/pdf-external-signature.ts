/**
 * "Server prepares, browser signs" when the browser can only sign a digest (the host's `host.signDigest`):
 * the portal's server does the CMS work around one raw signature, statelessly.
 *
 *   1. preparePdfSignature(pdf)                        → preparedPdf (kept by the server)
 *   2. pdfDigestToSign(preparedPdf, signerCert)        → digestToSign: the hash of the CMS signed attributes
 *   3. the browser: host.signDigest(digestToSign)      → signatureValue (RSA block, or DER ECDSA)
 *   4. completePdfWithSignatureValue(preparedPdf, signerCert, signatureValue) → signed PDF
 *
 * Steps 2 and 4 rebuild the same signed attributes: PAdES has no signingTime [ETSI EN 319 142-1 §5.2.1], so
 * contentType, messageDigest (over the prepared byte range) and signingCertificateV2 are fully determined by the
 * prepared PDF and the certificate — no state to keep between the requests. Before anything is written, step 4
 * verifies the finished CMS over the document (pkijs, WebCrypto): a value from another key or another document
 * is refused, never embedded.
 */
import { createHash } from 'node:crypto';
import * as pkijs from 'pkijs';
import { SCHEMES_FOR_KEY, type HashAlgorithm, type KeyType, type SignatureScheme } from '../../../shared/domain/algorithms.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { Signer } from '../../token/signer.js';
import { buildCmsSignature } from '../cms/build-cms-signature.js';
import { completePdfSignature, locateEmptyContents } from './prepare-pdf-signature.js';
import { nodeHashName } from '../node-hash-name.js';
import { DEFAULT_PDF_HASH } from './pdf-signature-options.js';

export interface ExternalSignerCertificate {
  /** The signer's certificate, DER. */
  readonly certificate: Uint8Array;
  /** Issuer certificates to carry in the CMS (leaf's issuer first), DER. */
  readonly chain: readonly Uint8Array[];
  readonly keyType: KeyType;
  /** Default: the key type's first scheme (RSASSA-PKCS1-v1_5, ECDSA). */
  readonly signatureScheme?: SignatureScheme;
}

export interface DigestToSign {
  readonly digestToSign: Uint8Array;
  readonly hashAlgorithm: HashAlgorithm;
  readonly signatureScheme: SignatureScheme;
}

class Captured {
  constructor(readonly digest: Uint8Array) {}
}

function schemeOf(signer: ExternalSignerCertificate): SignatureScheme {
  return signer.signatureScheme ?? SCHEMES_FOR_KEY[signer.keyType][0]!;
}

function byteRange(preparedPdf: Uint8Array): { digestOf: (hash: HashAlgorithm) => Uint8Array; signedBytes: () => Uint8Array } {
  const { contentsStart, contentsEnd } = locateEmptyContents(preparedPdf);
  return {
    digestOf: (hash) => new Uint8Array(createHash(nodeHashName(hash)).update(preparedPdf.subarray(0, contentsStart)).update(preparedPdf.subarray(contentsEnd)).digest()),
    signedBytes: () => Buffer.concat([preparedPdf.subarray(0, contentsStart), preparedPdf.subarray(contentsEnd)]),
  };
}

/** Step 2: what the token must sign for this prepared PDF and certificate. */
export async function pdfDigestToSign(preparedPdf: Uint8Array, signer: ExternalSignerCertificate, hashAlgorithm: HashAlgorithm = DEFAULT_PDF_HASH): Promise<DigestToSign> {
  const messageDigest = byteRange(preparedPdf).digestOf(hashAlgorithm);
  const capturing: Signer = {
    certificate: signer.certificate, chain: signer.chain, keyType: signer.keyType,
    signDigest: async (digest) => { throw new Captured(digest); },
  };
  try {
    await buildCmsSignature({ signer: capturing, hashAlgorithm, signatureScheme: schemeOf(signer), messageDigest, includeSigningTime: false });
  } catch (outcome) {
    if (outcome instanceof Captured) return { digestToSign: outcome.digest, hashAlgorithm, signatureScheme: schemeOf(signer) };
    throw outcome;
  }
  throw new KysoError('INTERNAL_ERROR', { reason: 'the CMS builder did not ask for a signature' });
}

/** Step 4: wrap the token's signature value in the CMS, check it, and put it in the PDF. */
export async function completePdfWithSignatureValue(
  preparedPdf: Uint8Array, signer: ExternalSignerCertificate, signatureValue: Uint8Array,
  options: { hashAlgorithm?: HashAlgorithm; timestamp?: (signatureValue: Uint8Array) => Promise<Uint8Array> } = {},
): Promise<Uint8Array> {
  const hashAlgorithm = options.hashAlgorithm ?? DEFAULT_PDF_HASH;
  const range = byteRange(preparedPdf);
  const replaying: Signer = {
    certificate: signer.certificate, chain: signer.chain, keyType: signer.keyType,
    signDigest: async () => signatureValue,
  };
  const cms = await buildCmsSignature({
    signer: replaying, hashAlgorithm, signatureScheme: schemeOf(signer), messageDigest: range.digestOf(hashAlgorithm), includeSigningTime: false,
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  });
  if (!(await cmsVerifies(cms, range.signedBytes()))) {
    throw new KysoError('BAD_REQUEST', { reason: 'the signature value does not verify with this certificate over this prepared PDF' });
  }
  return completePdfSignature(preparedPdf, cms);
}

async function cmsVerifies(cms: Uint8Array, content: Uint8Array): Promise<boolean> {
  try {
    const info = pkijs.ContentInfo.fromBER(new Uint8Array(cms).buffer);
    const signed = new pkijs.SignedData({ schema: info.content });
    const data = new Uint8Array(content);
    return await signed.verify({ signer: 0, data: data.buffer, checkChain: false });
  } catch {
    return false;
  }
}
