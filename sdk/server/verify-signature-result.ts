/**
 * Server-side check of what `signHash()` returned to the page: the page SDK already checked it, but the portal's
 * server must not trust the page (a tampered page can send anything). The server passes the digest IT computed
 * from its own copy of the data, never the one the page sends back.
 *   1. shape (SignatureResult), 2. hash algorithm is the one expected, 3. the certificate is well-formed, valid
 *   at `at` and allowed to sign (keyUsage), 4. the signature over the server's digest verifies with its key,
 *   5. with `trustedRoots`: a path to one of them, 6. with `expectedCertificateId`: it is that certificate.
 * Pure: no state, no network, so every instance of a horizontally scaled server answers the same way.
 * Answers a result, never throws for a bad signature: `{ valid: false, reason }`.
 */
import * as v from 'valibot';
import { base64ToBytes } from '../../shared/domain/base64.js';
import { DIGEST_LENGTH_BYTES } from '../../shared/domain/algorithms.js';
import { describeCertificate } from '../../shared/certificates/describe-certificate.js';
import { SignatureResultSchema, type CertificateInfo } from '../../shared/protocol/common.js';
import { verifyDigestSignature } from '../verify/verify-signature.js';
import { trustedPath } from './certificate-path.js';
// The public types are declared once, in the hand-written declaration shipped as dist/sdk/server.d.ts.
import type { SignatureCheck, SignatureRejection, VerifySignatureOptions } from './server-public.js';

export type { SignatureCheck, SignatureRejection, VerifySignatureOptions };

const reject = (reason: SignatureRejection, why?: string): SignatureCheck => (why ? { valid: false, reason, why } : { valid: false, reason });

export async function verify(result: unknown, options: VerifySignatureOptions): Promise<SignatureCheck> {
  const parsed = v.safeParse(SignatureResultSchema, result);
  if (!parsed.success) return reject('format');
  const r = parsed.output;
  let digest: Uint8Array;
  try {
    digest = base64ToBytes(options.hash);
  } catch {
    return reject('hash');
  }
  if (digest.length !== DIGEST_LENGTH_BYTES[options.hashAlgorithm]) return reject('hash');
  if (r.hashAlgorithm !== options.hashAlgorithm) return reject('hash-algorithm');

  const at = options.at ?? new Date();
  const der = base64ToBytes(r.certificate);
  let info: CertificateInfo;
  try {
    info = await describeCertificate(der, { at });
  } catch {
    return reject('certificate');
  }
  if (info.unusableReasons.includes('expired') || info.unusableReasons.includes('notYetValid')) return reject('certificate-validity');
  if (info.unusableReasons.includes('noSigningKeyUsage')) return reject('certificate-usage');
  if (options.expectedCertificateId && info.id !== options.expectedCertificateId) return reject('unexpected-certificate');

  const valid = await verifyDigestSignature({
    certificate: der, digest, hashAlgorithm: r.hashAlgorithm, scheme: r.signatureAlgorithm, signature: base64ToBytes(r.signature),
  });
  if (!valid) return reject('signature');

  if (!options.trustedRoots) return { valid: true, certificate: info, path: [] };
  const trusted = await trustedPath(der, r.chain, options.trustedRoots, at);
  return trusted.ok ? { valid: true, certificate: info, path: trusted.path } : reject('untrusted', trusted.why);
}
