/**
 * What a revocation check can say. "could-not-check" (the responder was down, answered garbage, or nobody
 * says where to ask) is kept apart from "revoked": a person must never read "revoked" for a network hiccup,
 * nor "good" for a check that did not happen.
 */
export type RevocationResult =
  | { readonly status: 'good'; readonly source: 'ocsp' | 'crl'; readonly url: string; readonly thisUpdate: string; readonly nextUpdate?: string }
  | { readonly status: 'revoked'; readonly source: 'ocsp' | 'crl'; readonly url: string; readonly revokedAt: string; readonly reason?: RevocationReason }
  | { readonly status: 'unknown'; readonly source: 'ocsp'; readonly url: string }
  | { readonly status: 'could-not-check'; readonly why: string; readonly attempts: readonly { readonly url: string; readonly error: string }[] }
  | { readonly status: 'not-checked' };

/** CRLReason [RFC 5280 §5.3.1]. */
export const REVOCATION_REASONS = [
  'unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation',
  'certificateHold', 'unused7', 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export function revocationReasonName(code: number | undefined): RevocationReason | undefined {
  return code === undefined ? undefined : REVOCATION_REASONS[code];
}

/** An answer from one source, or why that source gave none. */
export class RevocationSourceError extends Error {
  override readonly name = 'RevocationSourceError';
}
