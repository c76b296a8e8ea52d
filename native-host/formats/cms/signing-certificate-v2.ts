/**
 * The signingCertificateV2 attribute [RFC 5035 §3]: binds the signature to the signer's certificate so a
 * certificate with the same key cannot be substituted (CAdES-BES requires it [ETSI EN 319 122-1 §5.2.2]).
 * Written as DER from the certificate's own issuer and serial bytes (shared/certificates/certificate-fields.ts),
 * without pkijs: signing a PDF or a detached CMS then loads no ASN.1 library (docs/benchmarks.md "Fifth run").
 */
import { createHash } from 'node:crypto';
import { HASH_OID, type HashAlgorithm } from '../../../shared/domain/algorithms.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { readCertificateFields, type CertificateFields } from '../../../shared/certificates/certificate-fields.js';
import { derOid, derTlv } from './der-encoding.js';
import { nodeHashName } from '../node-hash-name.js';

/** id-aa-signingCertificateV2 [RFC 5035 §3]. */
export const ID_AA_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';

/** Hash bytes with one of our hash algorithms. */
export function hashBytes(hash: HashAlgorithm, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(nodeHashName(hash)).update(data).digest());
}

const fieldsCache = new WeakMap<Uint8Array, CertificateFields>();

/**
 * The fields of a signer's certificate, read once per certificate bytes (a batch signs every document with the
 * same Signer, whose `certificate` is the same Uint8Array throughout). Not a certificate: CERTIFICATE_NOT_USABLE,
 * before the token is asked to sign.
 */
export function signerCertificateFields(der: Uint8Array): CertificateFields {
  let fields = fieldsCache.get(der);
  if (!fields) {
    try {
      fields = readCertificateFields(der);
    } catch (cause) {
      throw new KysoError('CERTIFICATE_NOT_USABLE', { reason: 'certificate is not valid DER' }, { cause });
    }
    fieldsCache.set(der, fields);
  }
  return fields;
}

/**
 * SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies … OPTIONAL }
 * ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT id-sha256, certHash OCTET STRING,
 *                            issuerSerial IssuerSerial OPTIONAL }
 * The whole Attribute { attrType, attrValues SET { SigningCertificateV2 } }, DER.
 */
export function signingCertificateV2AttributeDer(certificateDer: Uint8Array, hash: HashAlgorithm): Uint8Array {
  // The same for every document of a batch (same signer bytes, same hash): built once, then only read.
  let byHash = attributeCache.get(certificateDer);
  if (!byHash) attributeCache.set(certificateDer, (byHash = new Map()));
  let attribute = byHash.get(hash);
  if (!attribute) byHash.set(hash, (attribute = buildAttribute(certificateDer, hash)));
  return attribute;
}

const attributeCache = new WeakMap<Uint8Array, Map<HashAlgorithm, Uint8Array>>();

function buildAttribute(certificateDer: Uint8Array, hash: HashAlgorithm): Uint8Array {
  const essCertId: Uint8Array[] = [];
  // DER forbids encoding a DEFAULT value [X.690 §11.5], so SHA-256 is left out; SHA-2 parameters are absent.
  if (hash !== 'SHA-256') essCertId.push(derTlv(0x30, [derOid(HASH_OID[hash])]));
  essCertId.push(derTlv(0x04, [hashBytes(hash, certificateDer)]));
  essCertId.push(issuerSerialDer(certificateDer));
  const value = derTlv(0x30, [derTlv(0x30, [derTlv(0x30, essCertId)])]);
  return derTlv(0x30, [derOid(ID_AA_SIGNING_CERTIFICATE_V2), derTlv(0x31, [value])]);
}

/**
 * IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber } [RFC 5035 §4], with one
 * directoryName [4] (EXPLICIT, since Name is a CHOICE) [RFC 5280 §4.2.1.6]. XAdES' IssuerSerialV2 is its DER.
 */
export function issuerSerialDer(certificateDer: Uint8Array): Uint8Array {
  const fields = signerCertificateFields(certificateDer);
  return derTlv(0x30, [derTlv(0x30, [derTlv(0xa4, [fields.issuer.der])]), fields.serialNumberDer]);
}
