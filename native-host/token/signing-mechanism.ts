/**
 * Which PKCS#11 mechanism signs a digest for each scheme, and what data the token gets.
 * Only raw mechanisms are used (CKM_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_ECDSA): the host hashes, the token
 * signs the digest, so one code path serves every hash and every token (SoftHSM 2.6 has no CKM_ECDSA_SHA256).
 */
import pkcs11js from 'pkcs11js';
import { DIGEST_INFO_PREFIX_HEX, type HashAlgorithm, type SignatureScheme } from '../../shared/domain/algorithms.js';

const HASH_MECHANISM: Readonly<Record<HashAlgorithm, number>> = {
  'SHA-256': pkcs11js.CKM_SHA256,
  'SHA-384': pkcs11js.CKM_SHA384,
  'SHA-512': pkcs11js.CKM_SHA512,
};

const MGF1: Readonly<Record<HashAlgorithm, number>> = {
  'SHA-256': pkcs11js.CKG_MGF1_SHA256,
  'SHA-384': pkcs11js.CKG_MGF1_SHA384,
  'SHA-512': pkcs11js.CKG_MGF1_SHA512,
};

export interface SigningInput {
  readonly mechanism: pkcs11js.Mechanism;
  /** The bytes handed to C_Sign. */
  readonly data: Uint8Array;
}

export function signingInput(scheme: SignatureScheme, hash: HashAlgorithm, digest: Uint8Array): SigningInput {
  switch (scheme) {
    case 'RSASSA-PKCS1-v1_5': {
      // CKM_RSA_PKCS pads DigestInfo = prefix ‖ digest itself [PKCS#11 2.40 §2.1.6, RFC 8017 §9.2].
      const prefix = Buffer.from(DIGEST_INFO_PREFIX_HEX[hash], 'hex');
      const data = new Uint8Array(prefix.length + digest.length);
      data.set(prefix, 0);
      data.set(digest, prefix.length);
      return { mechanism: { mechanism: pkcs11js.CKM_RSA_PKCS }, data };
    }
    case 'RSA-PSS':
      // MGF1 with the same hash and salt length = hash length: the profile CMS and PAdES expect [RFC 4055 §3.1].
      return {
        mechanism: {
          mechanism: pkcs11js.CKM_RSA_PKCS_PSS,
          parameter: { type: pkcs11js.CK_PARAMS_RSA_PSS, hashAlg: HASH_MECHANISM[hash], mgf: MGF1[hash], saltLen: digest.length } as pkcs11js.RsaPSS,
        },
        data: digest,
      };
    case 'ECDSA':
      return { mechanism: { mechanism: pkcs11js.CKM_ECDSA }, data: digest };
  }
}

/** The CKM_* a scheme signs with (to check the token offers it before logging in). */
export function mechanismTypeOf(scheme: SignatureScheme): number {
  return scheme === 'RSASSA-PKCS1-v1_5' ? pkcs11js.CKM_RSA_PKCS : scheme === 'RSA-PSS' ? pkcs11js.CKM_RSA_PKCS_PSS : pkcs11js.CKM_ECDSA;
}
