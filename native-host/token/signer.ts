/**
 * The Signer port: everything that produces a signature (a PKCS#11 token, a software key in tests of the
 * format builders) looks like this. Format builders (CMS, PAdES, XAdES) depend only on this interface:
 * the token only ever sees a digest.
 */
import type { HashAlgorithm, KeyType, SignatureScheme } from '../../shared/domain/algorithms.js';

export interface Signer {
  /** The signer's certificate, DER. */
  readonly certificate: Uint8Array;
  /** Issuer certificates known for it (leaf's issuer first), DER. */
  readonly chain: readonly Uint8Array[];
  readonly keyType: KeyType;
  /**
   * Sign a digest the caller computed. RSASSA-PKCS1-v1_5 wraps it in DigestInfo; ECDSA returns the
   * DER-encoded SEQUENCE { r, s } [RFC 3279 §2.2.3]; RSA-PSS uses MGF1 with the same hash and salt = hash length.
   */
  signDigest(digest: Uint8Array, hashAlgorithm: HashAlgorithm, scheme?: SignatureScheme): Promise<Uint8Array>;
}
