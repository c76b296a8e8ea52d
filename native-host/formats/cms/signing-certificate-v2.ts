/**
 * The signingCertificateV2 attribute [RFC 5035 §3]: binds the signature to the signer's certificate so a
 * certificate with the same key cannot be substituted (CAdES-BES requires it [ETSI EN 319 122-1 §5.2.2]).
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { createHash } from 'node:crypto';
import { HASH_OID, type HashAlgorithm } from '../../../shared/domain/algorithms.js';
import { parsedCertificate } from './parsed-certificates.js';

/** id-aa-signingCertificateV2 [RFC 5035 §3]. */
export const ID_AA_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';

const NODE_HASH: Readonly<Record<HashAlgorithm, string>> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/** Hash bytes with one of our hash algorithms. */
export function hashBytes(hash: HashAlgorithm, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(NODE_HASH[hash]).update(data).digest());
}

/**
 * SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies … OPTIONAL }
 * ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT id-sha256, certHash OCTET STRING,
 *                            issuerSerial IssuerSerial OPTIONAL }
 * IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }
 */
export function signingCertificateV2Attribute(certificateDer: Uint8Array, hash: HashAlgorithm): pkijs.Attribute {
  // The same for every document of a batch (same signer bytes, same hash): built once, then only read.
  let byHash = attributeCache.get(certificateDer);
  if (!byHash) attributeCache.set(certificateDer, (byHash = new Map()));
  let attribute = byHash.get(hash);
  if (!attribute) byHash.set(hash, (attribute = buildSigningCertificateV2Attribute(certificateDer, hash)));
  return attribute;
}

const attributeCache = new WeakMap<Uint8Array, Map<HashAlgorithm, pkijs.Attribute>>();

function buildSigningCertificateV2Attribute(certificateDer: Uint8Array, hash: HashAlgorithm): pkijs.Attribute {
  const certificate = parsedCertificate(certificateDer);
  const essCertId: asn1js.AsnType[] = [];
  // DER forbids encoding a DEFAULT value [X.690 §11.5], so SHA-256 is left out.
  if (hash !== 'SHA-256') essCertId.push(new pkijs.AlgorithmIdentifier({ algorithmId: HASH_OID[hash] }).toSchema());
  essCertId.push(new asn1js.OctetString({ valueHex: hashBytes(hash, certificateDer) }));
  essCertId.push(issuerSerial(certificate));
  const value = new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: essCertId })] })] });
  return new pkijs.Attribute({ type: ID_AA_SIGNING_CERTIFICATE_V2, values: [value] });
}

/**
 * IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber } [RFC 5035 §4], with one
 * directoryName [4] (EXPLICIT, since Name is a CHOICE) [RFC 5280 §4.2.1.6]. XAdES' IssuerSerialV2 is its DER.
 */
export function issuerSerial(certificate: pkijs.Certificate): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [certificate.issuer.toSchema()] })],
      }),
      certificate.serialNumber,
    ],
  });
}
