/**
 * Kyso SDK, server side: `import { verifyAuthToken } from './server.js'`. Runs in Node ≥ 20 and browsers (WebCrypto).
 * Hand-written declarations for dist/sdk/server.js; test/unit/auth-server-types.test.ts keeps them equal to the code.
 */
import type { AuthToken, CertificateInfo, KysoError } from './kyso.js';

export type { AuthToken };
export { KysoError };

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
