/** Trust: the store, chain building and validation, OCSP/CRL revocation. */
export { TrustStore, parseCertificates } from './trust-store.js';
export { evaluateTrust, type TrustOptions, type TrustResult } from './evaluate-trust.js';
export { checkRevocation, RevocationCache, PROCESS_REVOCATION_CACHE } from './check-revocation.js';
export { AiaFetcher } from './aia-fetcher.js';
export type { RevocationResult } from './revocation-status.js';
export { REASONS, reason, type Reason, type ReasonCode } from './reasons.js';
