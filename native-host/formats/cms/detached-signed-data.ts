/**
 * The DER of a detached CMS ContentInfo(SignedData) with one SignerInfo [RFC 5652 §3, §5.1, §5.3], written
 * straight from already-encoded parts. Every part that is the same for a whole batch — the signer's
 * IssuerAndSerialNumber, the algorithm identifiers, the certificates — is encoded once per signer and kept; per
 * document only the signed attributes and the signature value are new. pkijs' SignedData.toSchema().toBER()
 * re-encoded all of it for every document (the issuer's Name parsed again from its bytes, each certificate set
 * rebuilt), ~1 ms per document, more than the token's own C_Sign.
 *
 * The bytes are the ones pkijs writes for the same parts (test/unit/cms-detached-der.test.ts compares the two);
 * build-cms-signature.ts uses pkijs where it must (enveloped content, a time-stamp token as an unsigned attribute).
 * No ASN.1 library here: a PDF or detached CMS signature loads none (docs/benchmarks.md "Fifth run: start-up").
 */
import type { HashAlgorithm, SignatureScheme } from '../../../shared/domain/algorithms.js';
import { digestAlgorithmDer, signatureAlgorithmDer } from './algorithm-identifiers.js';
import { signerCertificateFields } from './signing-certificate-v2.js';
import { derOid, derTlv } from './der-encoding.js';

/** id-signedData [RFC 5652 §5.1]; id-data [§4]. */
const ID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const ID_DATA = '1.2.840.113549.1.7.1';

export interface DetachedSignedDataParts {
  readonly certificate: Uint8Array;
  readonly chain: readonly Uint8Array[];
  readonly hashAlgorithm: HashAlgorithm;
  readonly scheme: SignatureScheme;
  /** eContentType OID. */
  readonly contentType: string;
  /** The signed attributes as signed: the DER SET OF (tag 0x31), its elements already in DER order. */
  readonly signedAttrsDer: Uint8Array;
  readonly signatureValue: Uint8Array;
}

export function detachedSignedDataDer(parts: DetachedSignedDataParts): Uint8Array {
  const digestAlgorithm = digestAlgorithmDer(parts.hashAlgorithm);
  // In the SignerInfo the attributes are [0] IMPLICIT: the same contents under tag 0xA0 [RFC 5652 §5.3].
  const signedAttrs = parts.signedAttrsDer.slice();
  signedAttrs[0] = 0xa0;
  const signerInfo = derTlv(0x30, [
    INTEGER_1, // version 1: the signer is named by IssuerAndSerialNumber [§5.3]
    issuerAndSerialNumberDer(parts.certificate),
    digestAlgorithm,
    signedAttrs,
    signatureAlgorithmDer(parts.scheme, parts.hashAlgorithm),
    derTlv(0x04, [parts.signatureValue]),
  ]);
  const signedData = derTlv(0x30, [
    // 1 for id-data with only X.509 certificates and version-1 SignerInfos, else 3 [§5.1]; as pkijs decides.
    parts.contentType === ID_DATA ? INTEGER_1 : INTEGER_3,
    derTlv(0x31, [digestAlgorithm]),
    derTlv(0x30, [derOid(parts.contentType)]), // encapContentInfo without eContent: detached [§5.2]
    derTlv(0xa0, [parts.certificate, ...parts.chain]), // certificates [0] IMPLICIT SET OF, in the signer's order, as pkijs writes them
    derTlv(0x31, [signerInfo]),
  ]);
  return derTlv(0x30, [derOid(ID_SIGNED_DATA), derTlv(0xa0, [signedData])]);
}

const INTEGER_1 = Uint8Array.of(0x02, 0x01, 0x01);
const INTEGER_3 = Uint8Array.of(0x02, 0x01, 0x03);

/** Per certificate bytes (a WeakMap, as signing-certificate-v2.ts): the sid, the certificate's own issuer and serial. */
const sids = new WeakMap<Uint8Array, Uint8Array>();
function issuerAndSerialNumberDer(certificate: Uint8Array): Uint8Array {
  let der = sids.get(certificate);
  if (!der) {
    const fields = signerCertificateFields(certificate);
    der = derTlv(0x30, [fields.issuer.der, fields.serialNumberDer]);
    sids.set(certificate, der);
  }
  return der;
}
