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
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as v from 'valibot';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { base64ToBytes } from '../../shared/domain/base64.js';
import { describeCertificate } from '../../shared/certificates/describe-certificate.js';
import { certificatePurpose } from '../../shared/certificates/certificate-purpose.js';
import { AuthTokenSchema, authDigestToSign, type AuthToken } from '../../shared/protocol/auth-token.js';
import type { CertificateInfo } from '../../shared/protocol/common.js';
import { verifyDigestSignature } from '../verify/verify-signature.js';

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

const MAX_PATH_LENGTH = 10;

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

  const path = options.trustedRoots ? await checkPath(der, t.chain, options.trustedRoots, at) : [];
  return { certificate: info, path, token: t };
}

/** Leaf → intermediates (from the token, untrusted hints) → a trusted root [RFC 5280 §6.1, simplified: names, signatures, validity, CA flag]. */
async function checkPath(leafDer: Uint8Array, chain: readonly string[], roots: readonly Uint8Array[], at: Date): Promise<string[]> {
  const parse = (bytes: Uint8Array) => {
    try { return new x509.X509Certificate(bytes as Uint8Array<ArrayBuffer>); } catch { return undefined; }
  };
  const anchors = roots.map(parse).filter((c): c is x509.X509Certificate => c !== undefined);
  if (anchors.length === 0) throw invalid('untrusted', { why: 'no usable trusted root' });
  const intermediates = chain.map((b64) => parse(base64ToBytes(b64))).filter((c): c is x509.X509Certificate => c !== undefined);

  let current = parse(leafDer)!;
  const path = [current];
  for (let depth = 0; depth < MAX_PATH_LENGTH; depth++) {
    for (const anchor of anchors) {
      if (anchor.subject === current.issuer && await signedBy(current, anchor)) return path.map((c) => c.toString('base64'));
    }
    const next = await findIssuer(current, intermediates, path);
    if (!next) throw invalid('untrusted', { why: 'no path to a trusted root' });
    if (!(next.notBefore <= at && at <= next.notAfter)) throw invalid('untrusted', { why: 'intermediate not valid at this time' });
    const constraints = next.getExtension(x509.BasicConstraintsExtension);
    if (!constraints?.ca) throw invalid('untrusted', { why: 'issuer is not a CA' });
    path.push(next);
    current = next;
  }
  throw invalid('untrusted', { why: 'path too long' });
}

async function findIssuer(cert: x509.X509Certificate, candidates: readonly x509.X509Certificate[], used: readonly x509.X509Certificate[]) {
  for (const candidate of candidates) {
    if (used.some((u) => u.equal(candidate))) continue;
    if (candidate.subject === cert.issuer && await signedBy(cert, candidate)) return candidate;
  }
  return undefined;
}

async function signedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  try {
    return await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}
