/**
 * Which certificates the consent window offers for one signing request, and which of them are greyed out and
 * why. The host lists every certificate with a key; the portal's filter (issuer, key usage, validity, subject
 * identifier, expected signer) is applied HERE with the same rules as the host (shared/certificates/
 * choose-certificates.ts), so the person sees a certificate that does not fit with the reason instead of not
 * seeing it at all. Used by every signing handler (signHash, the document operations and authenticate).
 * Where a token holds both an authentication and a signing certificate, each use gets its own
 * (shared/certificates/certificate-purpose.ts); the other is greyed out with the reason.
 */
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { HOST_QUICK_REQUEST_TIMEOUT_MS } from '../../../shared/limits.js';
import {
  checkExpectedSigner, filterCertificates, type ExclusionReason,
} from '../../../shared/certificates/choose-certificates.js';
import { purposeExclusions, type SigningUse } from '../../../shared/certificates/certificate-purpose.js';
import type { CertificateFilter, CertificateInfo, TokenInfo } from '../../../shared/protocol/common.js';
import type { NativeHostClient } from '../native/host-client.js';
import { markLatest } from '../timing-marks.js';

export interface SigningCandidates {
  readonly tokens: readonly TokenInfo[];
  /** Every certificate offered, usable ones first. */
  readonly certificates: readonly CertificateInfo[];
  /** Certificate id → why the portal's filter excludes it (absent or empty: usable as far as the filter goes). */
  readonly exclusions: Readonly<Record<string, readonly ExclusionReason[]>>;
}

export interface CandidateRequest {
  readonly filter?: CertificateFilter | undefined;
  /** The portal named the certificate: only it is offered. */
  readonly certificateId?: string | undefined;
  /** What the signature is for (default 'documents': signHash and document signing). */
  readonly use?: SigningUse;
  readonly signal: AbortSignal;
}

type Host = Pick<NativeHostClient, 'request'>;

/** Reasons that come from the portal's filter: a certificate failing one was not asked for. */
const FILTER_REASONS: ReadonlySet<ExclusionReason> = new Set(['missingKeyUsage', 'issuerMismatch', 'identifierMismatch', 'unexpectedSigner']);

/**
 * Both host listings, asked at once: they are two round trips to the host that the consent window waits for
 * (docs/benchmarks.md "Fifth run: consent window"), and the host answers requests concurrently. The token list
 * decides: with no token the certificate answer (or its error) is not used. Whoever calls this has already had
 * the site question answered (router.ts consentToSign): asking both at once changes nothing of what a site that
 * was not allowed can learn, since it causes neither.
 */
async function listTokensAndCertificates(host: Host, request: CandidateRequest): Promise<{ tokens: TokenInfo[]; certificates: CertificateInfo[] }> {
  const quick = { timeoutMs: HOST_QUICK_REQUEST_TIMEOUT_MS, signal: request.signal };
  // Only the key filter goes to the host: the rest greys out rather than hides.
  const withPrivateKey = request.filter?.withPrivateKey;
  const tokens = host.request('host.listTokens', {}, quick);
  const certificates = host.request('host.listCertificates', withPrivateKey !== undefined ? { filter: { withPrivateKey } } : {}, quick);
  // Its failure is reported below only when the token list is used; never an unhandled rejection.
  certificates.catch(() => undefined);
  const listed = (await tokens).tokens;
  if (listed.length === 0) return { tokens: listed, certificates: [] };
  const { certificates: all } = await certificates;
  markLatest('kyso:host-listed');
  return { tokens: listed, certificates: all };
}

/** The tokens and certificates now, judged against the filter. Never throws for "nothing plugged in". */
export async function listSigningCandidates(host: Host, request: CandidateRequest): Promise<SigningCandidates> {
  const { tokens, certificates: all } = await listTokensAndCertificates(host, request);
  if (tokens.length === 0) return { tokens, certificates: [], exclusions: {} };
  const named = request.certificateId ? all.filter((c) => c.id === request.certificateId) : all;
  const choices = filterCertificates(named, request.filter ?? {});
  // Judged on the whole token, not only on what the portal named: a named signing certificate is still not the
  // one to sign in with when the token holds an authentication certificate.
  const byPurpose = purposeExclusions(all, request.use ?? 'documents');
  const exclusions: Record<string, ExclusionReason[]> = {};
  for (const choice of choices) {
    // Only what the certificate's own unusableReasons do not already say.
    const own: readonly string[] = choice.certificate.unusableReasons;
    const extra = choice.excludedBecause.filter((r) => !own.includes(r));
    const purpose = byPurpose.get(choice.certificate.id);
    if (purpose) extra.push(purpose);
    if (extra.length > 0) exclusions[choice.certificate.id] = extra;
  }
  return { tokens, certificates: choices.map((c) => c.certificate), exclusions };
}

/**
 * The first listing of a signing request: refuses before any window when nothing can be offered.
 * A named certificate that is not the expected signer is UNEXPECTED_SIGNER here, so no PIN is ever asked.
 */
export async function loadSigningCandidates(host: Host, request: CandidateRequest): Promise<SigningCandidates> {
  const candidates = await listSigningCandidates(host, request);
  if (candidates.tokens.length === 0) throw new KysoError('TOKEN_NOT_PRESENT');
  const expected = request.filter?.expectedSigner;
  if (request.certificateId && expected) {
    const named = candidates.certificates.find((c) => c.id === request.certificateId);
    if (named) checkExpectedSigner(named, expected);
  }
  // A named certificate outside its validity period — the computer's clock is wrong, or it expired — is refused
  // here, before any window asks for a PIN that could only make a signature no verifier accepts.
  const named = request.certificateId ? candidates.certificates.find((c) => c.id === request.certificateId) : undefined;
  const outOfValidity = named?.unusableReasons.filter((r) => r === 'expired' || r === 'notYetValid') ?? [];
  if (named && outOfValidity.length > 0) {
    throw new KysoError('CERTIFICATE_NOT_USABLE', { certificateId: named.id, reasons: outOfValidity.join(','), notBefore: named.notBefore, notAfter: named.notAfter, clock: new Date().toISOString() });
  }
  // Keep the old contract: a certificate the filter rules out is "not found" unless something else fits.
  const fitting = candidates.certificates.filter((c) => !isFilteredOut(candidates, c, request.filter));
  // A token that shows its certificates only after login may hold the one: the window opens so the person can
  // reveal them with the PIN (consent window, reveal-certificates.ts) and then choose.
  if (fitting.length === 0 && !hidesUnlistedCertificates(candidates)) throw new KysoError('CERTIFICATE_NOT_FOUND');
  return candidates;
}

/** Some token shows its certificates only after login and none of them is listed yet (not revealed). */
function hidesUnlistedCertificates(candidates: SigningCandidates): boolean {
  return candidates.tokens.some((t) => t.certificatesAfterLogin === true && !candidates.certificates.some((c) => c.token?.id === t.id));
}

/** Whether the portal's filter (not merely the certificate's own state) rules this certificate out. */
export function isFilteredOut(candidates: SigningCandidates, certificate: CertificateInfo, filter: CertificateFilter | undefined): boolean {
  const reasons = [...certificate.unusableReasons, ...(candidates.exclusions[certificate.id] ?? [])];
  if (filter?.validNow && reasons.some((r) => r === 'expired' || r === 'notYetValid')) return true;
  return reasons.some((r) => FILTER_REASONS.has(r));
}

/**
 * Guard the approve step: the chosen certificate must be offered, usable and the expected signer — checked in
 * the background before the host is asked, and the host checks the expected signer again itself.
 */
export function checkChosenCertificate(candidates: SigningCandidates, certificateId: string, filter: CertificateFilter | undefined): CertificateInfo {
  const certificate = candidates.certificates.find((c) => c.id === certificateId);
  if (!certificate) throw new KysoError('CERTIFICATE_NOT_FOUND');
  if (filter?.expectedSigner) checkExpectedSigner(certificate, filter.expectedSigner);
  const reasons = [...certificate.unusableReasons, ...(candidates.exclusions[certificateId] ?? [])];
  if (reasons.length > 0) throw new KysoError('CERTIFICATE_NOT_USABLE', { certificateId, reasons: [...new Set(reasons)].join(',') });
  return certificate;
}

/** The certificate part of a SignConsent (consent-broker.ts), with hot-plug refresh and the approve guard. */
export interface SigningCertificates extends SigningCandidates {
  /** For the consent window's polling: the lists now (the previous ones when the host fails once). */
  refreshCertificates(): Promise<SigningCandidates>;
  /**
   * Wrap the host call that signs: the chosen certificate is checked against the latest listing and the
   * expected signer first (UNEXPECTED_SIGNER / CERTIFICATE_NOT_USABLE without asking the host).
   */
  guardApprove<T>(approve: (certificateId: string, pin: string | undefined) => Promise<T>): (certificateId: string, pin: string | undefined) => Promise<T>;
}

export async function prepareSigningCertificates(host: Host, request: CandidateRequest): Promise<SigningCertificates> {
  let current = await loadSigningCandidates(host, request);
  return {
    ...current,
    refreshCertificates: async () => {
      current = await listSigningCandidates(host, request).catch(() => current);
      return current;
    },
    guardApprove: (approve) => (certificateId, pin) => {
      checkChosenCertificate(current, certificateId, request.filter);
      return approve(certificateId, pin);
    },
  };
}
