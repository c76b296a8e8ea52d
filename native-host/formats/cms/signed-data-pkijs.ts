/**
 * The CMS ContentInfo(SignedData) built and encoded by pkijs [RFC 5652 §5]: for enveloped content and for a
 * time-stamp token (an unsigned attribute) — and the reference the direct encoder (detached-signed-data.ts) is
 * tested against. Loaded by build-cms-signature.ts only when one of those is asked for.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { digestAlgorithmIdentifier, signatureAlgorithmIdentifier } from './cms-algorithms.js';
import { certificateForEmbedding, parsedCertificate } from './parsed-certificates.js';
import type { DetachedSignedDataParts } from './detached-signed-data.js';
import { CMS_OID } from './build-cms-signature.js';

/**
 * The same ContentInfo(SignedData) built and encoded by pkijs: for enveloped content and for a time-stamp token
 * (an unsigned attribute) — and the reference the direct encoder is tested against.
 */
export function signedDataWithPkijs(parts: DetachedSignedDataParts & {
  /** The signed attributes' encodings, in DER order (the elements of `signedAttrsDer`). */
  readonly attributes: readonly Uint8Array[];
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
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: parts.attributes.map(parseAttribute), encodedValue: toArrayBuffer(parts.signedAttrsDer) }),
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

function parseAttribute(der: Uint8Array): pkijs.Attribute {
  return new pkijs.Attribute({ schema: asn1js.fromBER(toArrayBuffer(der)).result });
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
