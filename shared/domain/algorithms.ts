/** Hash and signature algorithms Kyso signs with, and the facts each side needs about them. */

export const HASH_ALGORITHMS = ['SHA-256', 'SHA-384', 'SHA-512'] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

/** Digest length in bytes: a hash of any other length is refused before it reaches the token. */
export const DIGEST_LENGTH_BYTES: Readonly<Record<HashAlgorithm, number>> = {
  'SHA-256': 32,
  'SHA-384': 48,
  'SHA-512': 64,
};

/** Dotted OIDs of the hash algorithms [RFC 5754 §2]. */
export const HASH_OID: Readonly<Record<HashAlgorithm, string>> = {
  'SHA-256': '2.16.840.1.101.3.4.2.1',
  'SHA-384': '2.16.840.1.101.3.4.2.2',
  'SHA-512': '2.16.840.1.101.3.4.2.3',
};

/**
 * DER prefix of DigestInfo for RSASSA-PKCS1-v1_5 [RFC 8017 §9.2 note 1]: the token gets
 * prefix ‖ digest with CKM_RSA_PKCS, so any token that can do raw PKCS#1 signs any hash.
 */
export const DIGEST_INFO_PREFIX_HEX: Readonly<Record<HashAlgorithm, string>> = {
  'SHA-256': '3031300d060960864801650304020105000420',
  'SHA-384': '3041300d060960864801650304020205000430',
  'SHA-512': '3051300d060960864801650304020305000440',
};

export const SIGNATURE_SCHEMES = ['RSASSA-PKCS1-v1_5', 'RSA-PSS', 'ECDSA'] as const;
/** How the digest is turned into a signature. ECDSA results are DER-encoded (SEQUENCE { r, s }). */
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

export const KEY_TYPES = ['RSA', 'EC'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** The schemes a key type can produce; the first is the default. */
export const SCHEMES_FOR_KEY: Readonly<Record<KeyType, readonly SignatureScheme[]>> = {
  RSA: ['RSASSA-PKCS1-v1_5', 'RSA-PSS'],
  EC: ['ECDSA'],
};
