/**
 * What a certificate is meant for, from its key usage and extended key usage, and which certificates a sign-in
 * or a document signature may use when a token holds both kinds.
 *
 * Why: a token that holds a separate authentication certificate (key usage digitalSignature WITHOUT
 * nonRepudiation, or extended key usage clientAuth) keeps sign-in and document signing on different keys, so a
 * document/raw-hash signature can never double as a sign-in token (docs/security.md, "Forged sign-in through a
 * raw-hash signature"). Kyso uses that separation whenever the token offers it: `authenticate` offers only the
 * authentication certificate(s), document signing offers only the others. A token with ONE certificate (the usual
 * Vietnamese token: digitalSignature + nonRepudiation) is used for both; there the raw-hash opt-in is the defence.
 *
 * Rules [RFC 5280 §4.2.1.3 keyUsage, §4.2.1.12 extKeyUsage; ETSI EN 319 412-2 §4.3.2: certificates for
 * electronic signatures carry nonRepudiation (contentCommitment)]:
 *   - nonRepudiation in keyUsage                                         → 'signing'
 *   - else an extKeyUsage that names document signing (emailProtection, documentSigning, Adobe PDF signing)
 *                                                                        → 'signing'
 *   - else extKeyUsage clientAuth                                        → 'authentication'
 *   - else keyUsage present with digitalSignature (and no nonRepudiation) → 'authentication'
 *   - else (no keyUsage: any usage [RFC 5280 §4.2.1.3]; or nothing telling) → 'general' (either job)
 */
import type { CertificateInfo } from '../protocol/common.js';

export type CertificatePurpose = 'authentication' | 'signing' | 'general';

/** What a request will do with the chosen certificate. */
export type SigningUse = 'signIn' | 'documents';

/** Extended key usages (names from describe-certificate.ts) that say "signs documents". */
const DOCUMENT_SIGNING_EKUS: ReadonlySet<string> = new Set(['emailProtection', 'documentSigning', 'pdfAuthenticDocuments']);

export function certificatePurpose(certificate: Pick<CertificateInfo, 'keyUsage' | 'extendedKeyUsage'>): CertificatePurpose {
  if (certificate.keyUsage.includes('nonRepudiation')) return 'signing';
  if (certificate.extendedKeyUsage.some((eku) => DOCUMENT_SIGNING_EKUS.has(eku))) return 'signing';
  if (certificate.extendedKeyUsage.includes('clientAuth')) return 'authentication';
  if (certificate.keyUsage.includes('digitalSignature')) return 'authentication';
  return 'general';
}

/** Why a certificate is greyed out for this use (texts in choose-certificates.ts EXCLUSION_TEXT). */
export type PurposeExclusion = 'authenticationOnly' | 'notForSignIn';

/**
 * Per token (certificates without a token count as one group): for a sign-in, when the token holds a usable
 * authentication certificate, its other certificates are `notForSignIn`; for documents, when the token holds a
 * usable certificate that is not authentication-only, its authentication certificates are `authenticationOnly`.
 * "Usable" = nothing in the certificate's own unusableReasons (expired, no key…): an expired signing
 * certificate does not push the person onto the authentication one, and vice versa.
 */
export function purposeExclusions(certificates: readonly CertificateInfo[], use: SigningUse): Map<string, PurposeExclusion> {
  const groups = new Map<string, CertificateInfo[]>();
  for (const certificate of certificates) {
    const key = certificate.token?.id ?? '';
    groups.set(key, [...(groups.get(key) ?? []), certificate]);
  }
  const excluded = new Map<string, PurposeExclusion>();
  for (const group of groups.values()) {
    const usable = group.filter((c) => c.unusableReasons.length === 0);
    if (use === 'signIn') {
      if (!usable.some((c) => certificatePurpose(c) === 'authentication')) continue;
      for (const c of group) if (certificatePurpose(c) !== 'authentication') excluded.set(c.id, 'notForSignIn');
    } else {
      if (!usable.some((c) => certificatePurpose(c) !== 'authentication')) continue;
      for (const c of group) if (certificatePurpose(c) === 'authentication') excluded.set(c.id, 'authenticationOnly');
    }
  }
  return excluded;
}
