/**
 * AlgorithmIdentifiers a CMS SignerInfo carries, as DER: the digest algorithm, and the signature algorithm that
 * matches the key type and scheme the Signer used. Written directly (der-encoding.ts), without pkijs, so that
 * signing a PDF or a detached CMS does not load it (docs/benchmarks.md "Fifth run: start-up"); cms-algorithms.ts
 * hands the same bytes to pkijs where pkijs builds the structure.
 */
import { HASH_OID, SCHEMES_FOR_KEY, DIGEST_LENGTH_BYTES, type HashAlgorithm, type KeyType, type SignatureScheme } from '../../../shared/domain/algorithms.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { DER_NULL, derOid, derTlv } from './der-encoding.js';

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

/** The scheme to use for a key: the one asked for if the key can produce it, else the key's default. */
export function resolveScheme(keyType: KeyType, requested: SignatureScheme | undefined): SignatureScheme {
  const allowed = SCHEMES_FOR_KEY[keyType];
  if (requested === undefined) return allowed[0] as SignatureScheme;
  if (!allowed.includes(requested)) {
    throw new KysoError('UNSUPPORTED_ALGORITHM', { keyType, scheme: requested });
  }
  return requested;
}

const cache = new Map<string, Uint8Array>();
function once(key: string, build: () => Uint8Array): Uint8Array {
  let der = cache.get(key);
  if (!der) cache.set(key, (der = build()));
  return der;
}

/**
 * The digest AlgorithmIdentifier. Parameters are absent for SHA-2 [RFC 5754 §2: "implementations MUST
 * generate SHA2 AlgorithmIdentifiers with absent parameters"].
 */
export function digestAlgorithmDer(hash: HashAlgorithm): Uint8Array {
  return once(`d:${hash}`, () => derTlv(0x30, [derOid(HASH_OID[hash])]));
}

/** The signatureAlgorithm of a SignerInfo [RFC 5652 §5.3]. */
export function signatureAlgorithmDer(scheme: SignatureScheme, hash: HashAlgorithm): Uint8Array {
  return once(`s:${scheme}:${hash}`, () => {
    switch (scheme) {
      case 'RSASSA-PKCS1-v1_5':
        // Parameters MUST be NULL for the PKCS#1 v1.5 signature OIDs [RFC 4055 §5].
        return derTlv(0x30, [derOid(RSA_PKCS1_OID[hash]), DER_NULL]);
      case 'ECDSA':
        // Parameters MUST be absent for ecdsa-with-SHA2 [RFC 5758 §3.2].
        return derTlv(0x30, [derOid(ECDSA_OID[hash])]);
      case 'RSA-PSS': {
        // RSASSA-PSS-params with the same hash for MGF1 and salt = hash length [RFC 4055 §3.1], which is what the
        // Signer port promises; the trailer field is its default (1) and so left out [X.690 §11.5].
        const hashId = derTlv(0x30, [derOid(HASH_OID[hash]), DER_NULL]);
        const params = derTlv(0x30, [
          derTlv(0xa0, [hashId]),
          derTlv(0xa1, [derTlv(0x30, [derOid(MGF1_OID), hashId])]),
          derTlv(0xa2, [derTlv(0x02, [Uint8Array.of(DIGEST_LENGTH_BYTES[hash])])]),
        ]);
        return derTlv(0x30, [derOid(RSASSA_PSS_OID), params]);
      }
    }
  });
}
