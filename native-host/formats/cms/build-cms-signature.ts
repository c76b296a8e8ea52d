/**
 * CMS SignedData / CAdES-BES built around an external Signer [RFC 5652 §5, ETSI EN 319 122-1].
 * The token only ever sees the hash of the DER-encoded signed attributes; no software key signs here.
 * PAdES reuses this with includeSigningTime: false and contentType id-data over the PDF byte range.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { DIGEST_LENGTH_BYTES, HASH_ALGORITHMS, type HashAlgorithm, type SignatureScheme } from '../../../shared/domain/algorithms.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { Signer } from '../../token/signer.js';
import { digestAlgorithmIdentifier, resolveScheme, signatureAlgorithmIdentifier } from './cms-algorithms.js';
import { hashBytes, signingCertificateV2Attribute } from './signing-certificate-v2.js';
import { certificateForEmbedding, parsedCertificate } from './parsed-certificates.js';
import { compareDer, derTlv } from './der-encoding.js';
import { detachedSignedDataDer, type DetachedSignedDataParts } from './detached-signed-data.js';

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

  // Parsed once per signer (a batch signs every document with the same one), see parsed-certificates.ts; a
  // certificate that is not DER is refused here, before the token is asked to sign.
  parsedCertificate(signer.certificate);

  // Signed attributes [RFC 5652 §5.3, §11; RFC 5035; ETSI EN 319 122-1 §5.2].
  const attributes: pkijs.Attribute[] = [
    contentTypeAttribute(contentType),
    new pkijs.Attribute({ type: CMS_OID.messageDigest, values: [new asn1js.OctetString({ valueHex: messageDigest })] }),
  ];
  if (options.includeSigningTime ?? true) {
    // UTCTime up to 2049, GeneralizedTime from 2050 [RFC 5652 §11.3].
    const time = options.signingTime ?? new Date();
    const timeValue = time.getUTCFullYear() < 2050 ? new asn1js.UTCTime({ valueDate: time }) : new asn1js.GeneralizedTime({ valueDate: time });
    attributes.push(new pkijs.Attribute({ type: CMS_OID.signingTime, values: [timeValue] }));
  }
  attributes.push(encodedOnce(signingCertificateV2Attribute(signer.certificate, hashAlgorithm)));

  // SET OF must be DER-sorted by the encodings of its elements [X.690 §11.6]; asn1js does not sort, so we do.
  const sorted = sortByDer(attributes);
  const signedAttrsDer = derTlv(0x31, sorted.map((a) => a.der));
  // The signature covers the explicit SET OF encoding (tag 0x31), not the [0] IMPLICIT one [RFC 5652 §5.4].
  const toBeSigned = hashBytes(hashAlgorithm, signedAttrsDer);
  const signatureValue = await signer.signDigest(toBeSigned, hashAlgorithm, scheme);
  if (!options.encapsulate && !options.timestamp) {
    // The common case (every PDF, kyso sign-cms detached): written from parts kept per signer (detached-signed-data.ts).
    return detachedSignedDataDer({ certificate: signer.certificate, chain: signer.chain, hashAlgorithm, scheme, contentType, signedAttrsDer, signatureValue });
  }

  const timestampToken = options.timestamp ? await options.timestamp(signatureValue) : undefined;
  return signedDataWithPkijs({
    certificate: signer.certificate, chain: signer.chain, hashAlgorithm, scheme, contentType, signedAttrsDer, signatureValue,
    attributes: sorted.map((a) => a.attribute),
    ...(options.encapsulate ? { content: options.content as Uint8Array } : {}),
    ...(timestampToken ? { timestampToken } : {}),
  });
}

/**
 * The same ContentInfo(SignedData) built and encoded by pkijs: for enveloped content and for a time-stamp token
 * (an unsigned attribute) — and the reference the direct encoder is tested against.
 */
export function signedDataWithPkijs(parts: DetachedSignedDataParts & {
  /** The signed attributes, in DER order (their encodings are `signedAttrsDer`). */
  readonly attributes: readonly pkijs.Attribute[];
  /** Enveloped content. */
  readonly content?: Uint8Array;
  /** RFC 3161 TimeStampToken (DER) over the signature value [RFC 3161 App. A; ETSI EN 319 122-1 §5.3]. */
  readonly timestampToken?: Uint8Array;
}): Uint8Array {
  const { hashAlgorithm, scheme, contentType } = parts;
  const leaf = parsedCertificate(parts.certificate);
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: leaf.issuer, serialNumber: leaf.serialNumber }),
    digestAlgorithm: digestAlgorithmIdentifier(hashAlgorithm),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: [...parts.attributes], encodedValue: toArrayBuffer(parts.signedAttrsDer) }),
    signatureAlgorithm: signatureAlgorithmIdentifier(scheme, hashAlgorithm),
    // ECDSA: the DER SEQUENCE { r, s } goes in as is [RFC 5753 §7.2]; RSA: the raw signature block.
    signature: new asn1js.OctetString({ valueHex: parts.signatureValue }),
  });

  if (parts.timestampToken) {
    const parsed = asn1js.fromBER(toArrayBuffer(parts.timestampToken));
    if (parsed.offset === -1) throw new KysoError('INTERNAL_ERROR', { reason: 'time-stamp token is not valid DER' });
    signerInfo.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({
      type: 1,
      attributes: [new pkijs.Attribute({ type: CMS_OID.signatureTimeStampToken, values: [parsed.result] })],
    });
  }

  const signedData = new pkijs.SignedData({
    // version 3 when eContentType is not id-data, else 1 (only IssuerAndSerialNumber, only X.509 certs) [RFC 5652 §5.1].
    version: contentType === CMS_OID.data ? 1 : 3,
    digestAlgorithms: [digestAlgorithmIdentifier(hashAlgorithm)],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: contentType,
      ...(parts.content ? { eContent: new asn1js.OctetString({ valueHex: parts.content }) } : {}),
    }),
    certificates: [parts.certificate, ...parts.chain].map(certificateForEmbedding),
    signerInfos: [signerInfo],
  });
  const contentInfo = new pkijs.ContentInfo({ contentType: CMS_OID.signedData, content: signedData.toSchema(true) });
  return new Uint8Array(contentInfo.toSchema().toBER(false));
}

interface EncodedAttribute {
  readonly attribute: pkijs.Attribute;
  readonly der: Uint8Array;
}

function sortByDer(attributes: readonly pkijs.Attribute[]): EncodedAttribute[] {
  return attributes
    .map((attribute) => ({ attribute, der: constantAttributeDer.get(attribute) ?? new Uint8Array(attribute.toSchema().toBER(false)) }))
    .sort((a, b) => compareDer(a.der, b.der));
}

/**
 * Encodings of the attributes that are the same for every document signed with the same certificate, hash and
 * content type — contentType and signingCertificateV2 (whose issuer Name pkijs would parse again from its bytes on
 * every encoding) — keyed by the attribute objects, which are kept and only read.
 */
const constantAttributeDer = new WeakMap<pkijs.Attribute, Uint8Array>();

function encodedOnce(attribute: pkijs.Attribute): pkijs.Attribute {
  if (!constantAttributeDer.has(attribute)) constantAttributeDer.set(attribute, new Uint8Array(attribute.toSchema().toBER(false)));
  return attribute;
}

const contentTypeAttributes = new Map<string, pkijs.Attribute>();

function contentTypeAttribute(contentType: string): pkijs.Attribute {
  let attribute = contentTypeAttributes.get(contentType);
  if (!attribute) {
    attribute = new pkijs.Attribute({ type: CMS_OID.contentType, values: [new asn1js.ObjectIdentifier({ value: contentType })] });
    if (contentTypeAttributes.size < 16) contentTypeAttributes.set(contentType, attribute);
  }
  return encodedOnce(attribute);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
