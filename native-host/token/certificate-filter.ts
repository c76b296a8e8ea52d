/**
 * Apply a CertificateFilter (shared schema) to described certificates, with the same rules as the picker
 * (shared/certificates/choose-certificates.ts). Certificates that merely cannot sign now (expired, no signing
 * usage) are kept unless the filter asks for `validNow`: the picker shows them greyed out with the reason.
 */
import type { CertificateFilter, CertificateInfo } from '../../shared/protocol/common.js';
import { filterCertificates, type ExclusionReason } from '../../shared/certificates/choose-certificates.js';

/** Reasons that come from the filter itself: a certificate failing one of them was not asked for. */
const FILTER_REASONS: ReadonlySet<ExclusionReason> = new Set(['missingKeyUsage', 'issuerMismatch', 'identifierMismatch', 'unexpectedSigner']);

export function matchesFilter(cert: CertificateInfo, filter: CertificateFilter = {}, at: Date = new Date()): boolean {
  const [choice] = filterCertificates([cert], filter, at);
  if (!choice) return false;
  for (const reason of choice.excludedBecause) {
    if (FILTER_REASONS.has(reason)) return false;
    if (reason === 'noPrivateKey') return false; // only reported when withPrivateKey is not false
    if (filter.validNow && (reason === 'expired' || reason === 'notYetValid')) return false;
  }
  return true;
}
