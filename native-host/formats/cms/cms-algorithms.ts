/**
 * AlgorithmIdentifiers a CMS SignerInfo carries: the digest algorithm and the signature algorithm that matches
 * the key type and scheme the Signer used.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { HASH_OID, SCHEMES_FOR_KEY, DIGEST_LENGTH_BYTES, type HashAlgorithm, type KeyType, type SignatureScheme } from '../../../shared/domain/algorithms.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';

/** sha{256,384,512}WithRSAEncryption [RFC 4055 §5]. */
const RSA_PKCS1_OID: Readonly<Record<HashAlgorithm, string>> = {
  'SHA-256': '1.2.840.113549.1.1.11',
  'SHA-384': '1.2.840.113549.1.1.12',
  'SHA-512': '1.2.840.113549.1.1.13',
};
/** ecdsa-with-SHA{256,384,512} [RFC 5758 §3.2]. */
const ECDSA_OID: Readonly<Record<HashAlgorithm, string>> = {
  'SHA-256': '1.2.840.10045.4.3.2',
  'SHA-384': '1.2.840.10045.4.3.3',
  'SHA-512': '1.2.840.10045.4.3.4',
};
/** id-RSASSA-PSS and id-mgf1 [RFC 4055 §3.1]. */
const RSASSA_PSS_OID = '1.2.840.113549.1.1.10';
const MGF1_OID = '1.2.840.113549.1.1.8';

/**
 * The digest AlgorithmIdentifier. Parameters are absent for SHA-2 [RFC 5754 §2: "implementations MUST
 * generate SHA2 AlgorithmIdentifiers with absent parameters"].
 */
export function digestAlgorithmIdentifier(hash: HashAlgorithm): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({ algorithmId: HASH_OID[hash] });
}

/** The scheme to use for a key: the one asked for if the key can produce it, else the key's default. */
export function resolveScheme(keyType: KeyType, requested: SignatureScheme | undefined): SignatureScheme {
  const allowed = SCHEMES_FOR_KEY[keyType];
  if (requested === undefined) return allowed[0] as SignatureScheme;
  if (!allowed.includes(requested)) {
    throw new KysoError('UNSUPPORTED_ALGORITHM', { keyType, scheme: requested });
  }
  return requested;
}

/** The signatureAlgorithm of a SignerInfo [RFC 5652 §5.3]. */
export function signatureAlgorithmIdentifier(scheme: SignatureScheme, hash: HashAlgorithm): pkijs.AlgorithmIdentifier {
  switch (scheme) {
    case 'RSASSA-PKCS1-v1_5':
      // Parameters MUST be NULL for the PKCS#1 v1.5 signature OIDs [RFC 4055 §5].
      return new pkijs.AlgorithmIdentifier({ algorithmId: RSA_PKCS1_OID[hash], algorithmParams: new asn1js.Null() });
    case 'ECDSA':
      // Parameters MUST be absent for ecdsa-with-SHA2 [RFC 5758 §3.2].
      return new pkijs.AlgorithmIdentifier({ algorithmId: ECDSA_OID[hash] });
    case 'RSA-PSS': {
      // RSASSA-PSS-params with the same hash for MGF1 and salt = hash length [RFC 4055 §3.1], which is what the
      // Signer port promises.
      const hashId = new pkijs.AlgorithmIdentifier({ algorithmId: HASH_OID[hash], algorithmParams: new asn1js.Null() });
      const params = new pkijs.RSASSAPSSParams({
        hashAlgorithm: hashId,
        maskGenAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: MGF1_OID, algorithmParams: hashId.toSchema() }),
        saltLength: DIGEST_LENGTH_BYTES[hash],
      });
      return new pkijs.AlgorithmIdentifier({ algorithmId: RSASSA_PSS_OID, algorithmParams: params.toSchema() });
    }
  }
}
