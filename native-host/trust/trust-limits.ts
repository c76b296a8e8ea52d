/** Bounds for everything trust does over the network. Units in the names. */

/** One OCSP / CRL / AIA request; a responder that is down or slow must not hold a verification hostage. */
export const TRUST_FETCH_TIMEOUT_MS = 4_000;
/** An OCSP response is small; a bigger one is refused. */
export const OCSP_RESPONSE_MAX_BYTES = 256 * 1024;
/** VN CAs' CRLs run to a few MB; beyond this we give up rather than fill memory. */
export const CRL_MAX_BYTES = 20 * 1024 * 1024;
/** A CA certificate fetched from AIA caIssuers. */
export const AIA_CERT_MAX_BYTES = 64 * 1024;
/** Longest chain we build (leaf + intermediates + root). */
export const CHAIN_MAX_DEPTH = 8;
/** Clock skew tolerated on OCSP thisUpdate/nextUpdate and CRL times. */
export const REVOCATION_CLOCK_SKEW_MS = 5 * 60_000;
/** How long a revocation answer without nextUpdate is reused. */
export const REVOCATION_CACHE_DEFAULT_MS = 5 * 60_000;
/** Certificates or CRLs per trust-store directory; more is a misconfiguration. */
export const TRUST_STORE_MAX_FILES = 500;
