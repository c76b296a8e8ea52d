/**
 * Server-side check of a Kyso sign-in token (`authenticate()` in the page SDK), after Web eID's
 * authtoken validation [web-eid-authtoken-validation-java, "AuthTokenSignatureValidator"]:
 *   1. shape (`kyso-auth:1`), 2. origin is the one the server expects (exact match, the browser put it there),
 *   3. challenge is the one this server issued for this session (the server must make it single-use),
 *   4. the certificate is a well-formed X.509 certificate valid at `at` and allowed to sign (keyUsage),
 *   5. the signature over H(H(origin) ‖ H(challenge)) verifies with the certificate's key,
 *   6. with `trustedRoots`: a path leaf → (token's chain) → one of the roots, each link's signature checked
 *      and each certificate valid at `at`. Without roots the server must pin the certificate itself.
 *   7. with `requireAuthenticationCertificate`: the certificate is meant for authentication (keyUsage
 *      digitalSignature without nonRepudiation, or EKU clientAuth; shared/certificates/certificate-purpose.ts).
 *      For portals whose users' tokens carry a separate authentication certificate: a signature made with the
 *      document-signing key (e.g. a raw-hash signature relayed by a phishing site) then never signs anyone in.
 * Runs in Node ≥ 20 and browsers (WebCrypto only; no DOM, no node: imports). Any failure is a KysoError
 * AUTH_TOKEN_INVALID with `details.reason`: format | origin | challenge | certificate | certificate-validity |
 * certificate-usage | certificate-purpose | signature | untrusted.
 */
import * as v from 'valibot';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { base64ToBytes } from '../../shared/domain/base64.js';
import { describeCertificate } from '../../shared/certificates/describe-certificate.js';
import { certificatePurpose } from '../../shared/certificates/certificate-purpose.js';
import { AuthTokenSchema, authDigestToSign, type AuthToken } from '../../shared/protocol/auth-token.js';
import type { CertificateInfo } from '../../shared/protocol/common.js';
import { verifyDigestSignature } from '../verify/verify-signature.js';
import { trustedPath } from './certificate-path.js';

export interface VerifyAuthTokenOptions {
  /** Your site's origin exactly as the browser writes it, e.g. "https://dichvucong.gov.vn" (scheme, host, port). */
  readonly expectedOrigin: string;
  /** The challenge your server issued for this sign-in (base64, as sent to the page). */
  readonly expectedChallenge: string;
  /** DER certificates of the CAs you trust (e.g. the national root). Without them the chain is not checked. */
  readonly trustedRoots?: readonly Uint8Array[];
  /** Time for validity checks (default now). */
  readonly at?: Date;
  /**
   * Accept only a certificate meant for authentication (keyUsage digitalSignature without nonRepudiation, or
   * extendedKeyUsage clientAuth), refusing document-signing certificates (reason `certificate-purpose`). Turn it
   * on when your users' tokens hold a separate authentication certificate; tokens with one signing certificate
   * would then be refused. Default false.
   */
  readonly requireAuthenticationCertificate?: boolean;
}

export interface VerifiedSignIn {
  /** The signer's certificate, described (subject, Vietnamese identifiers MST/CCCD…, issuer, validity). */
  readonly certificate: CertificateInfo;
  /** The certificates of the checked path, leaf first (only with trustedRoots), base64 DER. */
  readonly path: readonly string[];
  readonly token: AuthToken;
}

function invalid(reason: string, extra: Record<string, string | number | boolean> = {}): KysoError {
  return new KysoError('AUTH_TOKEN_INVALID', { reason, ...extra });
}

export async function verifyAuthToken(token: unknown, options: VerifyAuthTokenOptions): Promise<VerifiedSignIn> {
  const parsed = v.safeParse(AuthTokenSchema, token);
  if (!parsed.success) throw invalid('format');
  const t = parsed.output;
  if (t.origin !== options.expectedOrigin) throw invalid('origin');
  if (t.challenge !== options.expectedChallenge) throw invalid('challenge');

  const at = options.at ?? new Date();
  const der = base64ToBytes(t.certificate);
  let info: CertificateInfo;
  try {
    info = await describeCertificate(der, { at });
  } catch {
    throw invalid('certificate');
  }
  if (info.unusableReasons.includes('expired') || info.unusableReasons.includes('notYetValid')) throw invalid('certificate-validity');
  if (info.unusableReasons.includes('noSigningKeyUsage')) throw invalid('certificate-usage');
  if (options.requireAuthenticationCertificate && certificatePurpose(info) !== 'authentication') throw invalid('certificate-purpose');

  const valid = await verifyDigestSignature({
    certificate: der,
    digest: await authDigestToSign(t.origin, t.challenge, t.hashAlgorithm),
    hashAlgorithm: t.hashAlgorithm,
    scheme: t.signatureAlgorithm,
    signature: base64ToBytes(t.signature),
  });
  if (!valid) throw invalid('signature');

  let path: string[] = [];
  if (options.trustedRoots) {
    const trusted = await trustedPath(der, t.chain, options.trustedRoots, at);
    if (!trusted.ok) throw invalid('untrusted', { why: trusted.why });
    path = trusted.path;
  }
  return { certificate: info, path, token: t };
}
