/**
 * CMS SignedData / CAdES-BES built around an external Signer [RFC 5652 §5, ETSI EN 319 122-1].
 * The token only ever sees the hash of the DER-encoded signed attributes; no software key signs here.
 * PAdES reuses this with includeSigningTime: false and contentType id-data over the PDF byte range.
 * The signed attributes and the detached SignedData are written as DER directly; pkijs (signed-data-pkijs.ts) is
 * loaded only for enveloped content or a time-stamp token, so a PDF or a detached signature loads no ASN.1
 * library (docs/benchmarks.md "Fifth run: start-up").
 */
import { DIGEST_LENGTH_BYTES, HASH_ALGORITHMS, type HashAlgorithm, type SignatureScheme } from '../../../shared/domain/algorithms.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { Signer } from '../../token/signer.js';
import { resolveScheme } from './algorithm-identifiers.js';
import { hashBytes, signerCertificateFields, signingCertificateV2AttributeDer } from './signing-certificate-v2.js';
import { compareDer, derOid, derTime, derTlv } from './der-encoding.js';
import { detachedSignedDataDer } from './detached-signed-data.js';

/** Content and attribute OIDs [RFC 5652 §4, §11; RFC 3161 App. A]. */
export const CMS_OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
} as const;

export interface BuildCmsSignatureOptions {
  readonly signer: Signer;
  readonly hashAlgorithm: HashAlgorithm;
  /** Defaults to the key's first scheme (RSASSA-PKCS1-v1_5 for RSA, ECDSA for EC). */
  readonly signatureScheme?: SignatureScheme;
  /** The signed bytes. Exactly one of content / messageDigest. */
  readonly content?: Uint8Array;
  /** A digest of the signed bytes computed elsewhere ("server prepares, browser signs"). */
  readonly messageDigest?: Uint8Array;
  /** Put the content inside the SignedData (enveloping). Needs content. Default false (detached). */
  readonly encapsulate?: boolean;
  /** Default true; PAdES sets false (the time goes in the signature dictionary's /M) [ETSI EN 319 142-1 §5.4]. */
  readonly includeSigningTime?: boolean;
  readonly signingTime?: Date;
  /** eContentType OID; default id-data. */
  readonly contentType?: string;
  /** Fetch an RFC 3161 TimeStampToken (DER) over the signature value; it becomes an unsigned attribute. */
  readonly timestamp?: (signatureValue: Uint8Array) => Promise<Uint8Array>;
}

/** Build a CMS ContentInfo(SignedData) with one SignerInfo; returns its DER. */
export async function buildCmsSignature(options: BuildCmsSignatureOptions): Promise<Uint8Array> {
  const { signer, hashAlgorithm } = options;
  if (!HASH_ALGORITHMS.includes(hashAlgorithm)) throw new KysoError('UNSUPPORTED_ALGORITHM', { hashAlgorithm: String(hashAlgorithm) });
  const scheme = resolveScheme(signer.keyType, options.signatureScheme);
  const contentType = options.contentType ?? CMS_OID.data;

  if ((options.content === undefined) === (options.messageDigest === undefined)) {
    throw new KysoError('BAD_REQUEST', { reason: 'give exactly one of content or messageDigest' });
  }
  if (options.encapsulate && options.content === undefined) {
    throw new KysoError('BAD_REQUEST', { reason: 'an enveloping signature needs the content, not only its digest' });
  }
  const messageDigest = options.messageDigest ?? hashBytes(hashAlgorithm, options.content as Uint8Array);
  if (messageDigest.length !== DIGEST_LENGTH_BYTES[hashAlgorithm]) {
    throw new KysoError('INVALID_HASH', { hashAlgorithm, expectedBytes: DIGEST_LENGTH_BYTES[hashAlgorithm], actualBytes: messageDigest.length });
  }

  // Read once per signer (a batch signs every document with the same one), see signing-certificate-v2.ts; a
  // certificate that is not DER is refused here, before the token is asked to sign.
  signerCertificateFields(signer.certificate);

  const sorted = signedAttributesDer({
    contentType, messageDigest, certificate: signer.certificate, hashAlgorithm,
    ...(options.includeSigningTime ?? true ? { signingTime: options.signingTime ?? new Date() } : {}),
  });
  const signedAttrsDer = derTlv(0x31, sorted);
  // The signature covers the explicit SET OF encoding (tag 0x31), not the [0] IMPLICIT one [RFC 5652 §5.4].
  const toBeSigned = hashBytes(hashAlgorithm, signedAttrsDer);
  const signatureValue = await signer.signDigest(toBeSigned, hashAlgorithm, scheme);
  if (!options.encapsulate && !options.timestamp) {
    // The common case (every PDF, kyso sign-cms detached): written from parts kept per signer (detached-signed-data.ts).
    return detachedSignedDataDer({ certificate: signer.certificate, chain: signer.chain, hashAlgorithm, scheme, contentType, signedAttrsDer, signatureValue });
  }

  const timestampToken = options.timestamp ? await options.timestamp(signatureValue) : undefined;
  const { signedDataWithPkijs } = await import('./signed-data-pkijs.js');
  return signedDataWithPkijs({
    certificate: signer.certificate, chain: signer.chain, hashAlgorithm, scheme, contentType, signedAttrsDer, signatureValue,
    attributes: sorted,
    ...(options.encapsulate ? { content: options.content as Uint8Array } : {}),
    ...(timestampToken ? { timestampToken } : {}),
  });
}

/**
 * The signed attributes [RFC 5652 §5.3, §11; RFC 5035; ETSI EN 319 122-1 §5.2], each as its DER, in the order of a
 * DER SET OF [X.690 §11.6]: contentType, messageDigest, signingTime when given (UTCTime up to 2049,
 * GeneralizedTime from 2050 [RFC 5652 §11.3]), signingCertificateV2.
 */
export function signedAttributesDer(p: { contentType: string; messageDigest: Uint8Array; signingTime?: Date; certificate: Uint8Array; hashAlgorithm: HashAlgorithm }): Uint8Array[] {
  const attributes = [contentTypeAttribute(p.contentType), attributeDer(CMS_OID.messageDigest, derTlv(0x04, [p.messageDigest]))];
  if (p.signingTime) attributes.push(attributeDer(CMS_OID.signingTime, derTime(p.signingTime)));
  attributes.push(signingCertificateV2AttributeDer(p.certificate, p.hashAlgorithm));
  return attributes.sort(compareDer);
}

/** Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue } [RFC 5652 §5.3], one value. */
function attributeDer(type: string, value: Uint8Array): Uint8Array {
  return derTlv(0x30, [derOid(type), derTlv(0x31, [value])]);
}

/** contentType is the same for every document of a batch: encoded once per content type. */
const contentTypeAttributes = new Map<string, Uint8Array>();

function contentTypeAttribute(contentType: string): Uint8Array {
  let attribute = contentTypeAttributes.get(contentType);
  if (!attribute) {
    attribute = attributeDer(CMS_OID.contentType, derOid(contentType));
    if (contentTypeAttributes.size < 16) contentTypeAttributes.set(contentType, attribute);
  }
  return attribute;
}
