/**
 * Check a signature value over bytes with a public key, given the AlgorithmIdentifier as it appears in
 * certificates, OCSP responses, CRLs and CMS SignerInfos. Uses node:crypto, which takes ECDSA signatures in
 * the DER form those structures carry [RFC 3279 §2.2.3].
 */
import { createPublicKey, verify as cryptoVerify, constants } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

const HASH_BY_OID: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** Signature algorithm OID → hash, for algorithms that name their hash [RFC 4055, RFC 5758]. */
const SIGNATURE_HASH_BY_OID: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_RSA_PSS = '1.2.840.113549.1.1.10';

export function hashNameForOid(oid: string): string | undefined {
  return HASH_BY_OID[oid];
}

/** The hash a signature AlgorithmIdentifier uses (for CMS rsaEncryption/ecPublicKey: the digest algorithm's). */
export function signatureHashName(signatureOid: string, digestOid?: string): string | undefined {
  if (signatureOid === OID_RSA_PSS) return undefined;
  return SIGNATURE_HASH_BY_OID[signatureOid] ?? (digestOid ? hashNameForOid(digestOid) : undefined);
}

export class UnsupportedAlgorithmError extends Error {
  override readonly name = 'UnsupportedAlgorithmError';
}

/**
 * @param spki SubjectPublicKeyInfo DER of the signer
 * @param algorithm the signature AlgorithmIdentifier (OID and, for RSA-PSS, its parameters)
 * @param digestOid for CMS, where the signature OID may be plain rsaEncryption/ecPublicKey [RFC 5652 §5.3]
 * @throws UnsupportedAlgorithmError for algorithms we do not know (reported as such, not as "invalid")
 */
export function verifyRawSignature(spki: Uint8Array, algorithm: { oid: string; params?: unknown }, data: Uint8Array, signature: Uint8Array, digestOid?: string): boolean {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  if (algorithm.oid === OID_RSA_PSS) {
    const params = algorithm.params ? new pkijs.RSASSAPSSParams({ schema: algorithm.params }) : new pkijs.RSASSAPSSParams();
    const hash = hashNameForOid(params.hashAlgorithm.algorithmId) ?? 'sha1';
    return cryptoVerify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength }, signature);
  }
  let hash = SIGNATURE_HASH_BY_OID[algorithm.oid];
  if (!hash && (algorithm.oid === OID_RSA_ENCRYPTION || algorithm.oid === OID_EC_PUBLIC_KEY) && digestOid) hash = hashNameForOid(digestOid);
  if (!hash) throw new UnsupportedAlgorithmError(algorithm.oid);
  return cryptoVerify(hash, data, key, signature);
}

/** The DER of a pkijs object's schema. */
export function derOf(object: { toSchema(): asn1js.AsnType }): Uint8Array {
  return new Uint8Array(object.toSchema().toBER(false));
}
