/**
 * Kyso SDK, server side: `import { verifyAuthToken } from './server.js'`. Runs in Node ≥ 20 and browsers (WebCrypto).
 * Hand-written declarations for dist/sdk/server.js; test/unit/auth-server-types.test.ts keeps them equal to the code.
 * verify-signature-result.ts takes its option and result types from here; './kyso.js' is sdk/server/kyso.d.ts in the
 * source tree (so those types are real there, not `any`) and the shipped kyso.d.ts in dist/sdk.
 */
import type { AuthToken, CertificateInfo, HashAlgorithm } from './kyso.js';

export type { AuthToken };
// A value export (not `import type`): a server writes `error instanceof KysoError` (test/integration/sdk-package.test.ts).
export { KysoError } from './kyso.js';

export declare const AUTH_TOKEN_FORMAT: 'kyso-auth:1';
export declare const AUTH_CHALLENGE_MIN_BYTES: number;
export declare const AUTH_CHALLENGE_MAX_BYTES: number;

export interface VerifyAuthTokenOptions {
  /** Your site's origin exactly as the browser writes it, e.g. "https://dichvucong.gov.vn". */
  readonly expectedOrigin: string;
  /** The challenge your server issued for this sign-in (single use). */
  readonly expectedChallenge: string;
  /** DER certificates of the CAs you trust. Without them the chain is not checked: pin the certificate yourself. */
  readonly trustedRoots?: readonly Uint8Array[];
  /** Time for validity checks (default now). */
  readonly at?: Date;
  /**
   * Accept only a certificate meant for authentication (keyUsage digitalSignature without nonRepudiation, or
   * extendedKeyUsage clientAuth); a document-signing certificate is refused with reason certificate-purpose.
   * For tokens that hold a separate authentication certificate. Default false.
   */
  readonly requireAuthenticationCertificate?: boolean;
}

export interface VerifiedSignIn {
  readonly certificate: CertificateInfo;
  /** The checked path, leaf first, base64 DER (empty without trustedRoots). */
  readonly path: readonly string[];
  readonly token: AuthToken;
}

/**
 * Check a sign-in token from `authenticate()`. Resolves with the signer's certificate; rejects with a KysoError
 * AUTH_TOKEN_INVALID whose details.reason is format | origin | challenge | certificate | certificate-validity |
 * certificate-usage | certificate-purpose | signature | untrusted.
 */
export declare function verifyAuthToken(token: unknown, options: VerifyAuthTokenOptions): Promise<VerifiedSignIn>;

export interface VerifySignatureOptions {
  /** The digest YOUR server computed over the data (base64), never the one the page sends back. */
  readonly hash: string;
  readonly hashAlgorithm: HashAlgorithm;
  /** DER certificates of the CAs you trust. Without them the chain is not checked: pin the certificate yourself. */
  readonly trustedRoots?: readonly Uint8Array[];
  /** Accept only this certificate (Kyso certificate id, as listCertificates gives it). */
  readonly expectedCertificateId?: string;
  /** Time for validity checks (default now). */
  readonly at?: Date;
}

export type SignatureRejection =
  | 'format' | 'hash' | 'hash-algorithm' | 'certificate' | 'certificate-validity' | 'certificate-usage'
  | 'unexpected-certificate' | 'signature' | 'untrusted';

export type SignatureCheck =
  | { readonly valid: true; readonly certificate: CertificateInfo; readonly path: readonly string[] }
  | { readonly valid: false; readonly reason: SignatureRejection; readonly why?: string };

/**
 * Check a `signHash()` result (sent to your server by the page) against the digest your server computed:
 * signature, certificate validity and key usage, optionally the path to `trustedRoots` and the expected
 * certificate. Never throws for a bad signature: resolves `{ valid: false, reason }`. Stateless.
 */
export declare function verify(result: unknown, options: VerifySignatureOptions): Promise<SignatureCheck>;
