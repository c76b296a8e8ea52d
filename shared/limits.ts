/**
 * Limits shared by the page SDK, the extension and the native host.
 * Units are in the names. Every boundary enforces the limit that applies to it.
 */

/** Protocol version carried in every envelope. Bump on a breaking change. */
export const PROTOCOL_VERSION = 1 as const;

/** Chrome and Firefox refuse host→browser messages over 1 MiB [Chrome native messaging docs]. */
export const HOST_TO_BROWSER_MAX_FRAME_BYTES = 1024 * 1024;
/** Browser→host messages may be up to 64 MiB in Chrome; we accept the same. */
export const BROWSER_TO_HOST_MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Payload bytes per chunk when a host reply is split; leaves room for the JSON envelope. */
export const HOST_REPLY_CHUNK_BYTES = 768 * 1024;
/** Largest reply the extension will reassemble from chunks. */
export const REASSEMBLED_REPLY_MAX_BYTES = 256 * 1024 * 1024;

/** Largest message a page may post to the extension (hashes and small documents). */
export const PAGE_MESSAGE_MAX_BYTES = 8 * 1024 * 1024;

/** The SDK reports "extension not installed" when no acknowledgement arrives in this time. */
export const EXTENSION_ACK_TIMEOUT_MS = 1000;
/** Request to the host that needs no person (status, list). */
export const HOST_QUICK_REQUEST_TIMEOUT_MS = 30_000;
/** Token work after the person approved (login + sign). Slow tokens take seconds per signature. */
export const HOST_SIGN_TIMEOUT_MS = 120_000;
/** How long the consent window waits for the person before the request fails. */
export const CONSENT_TIMEOUT_MS = 5 * 60_000;
/** The SDK's own overall deadline for a request that needs the person. */
export const SDK_INTERACTIVE_TIMEOUT_MS = CONSENT_TIMEOUT_MS + HOST_SIGN_TIMEOUT_MS + 10_000;
/** The SDK's deadline for a request that needs no person. */
export const SDK_QUICK_TIMEOUT_MS = HOST_QUICK_REQUEST_TIMEOUT_MS + 5_000;

/** Requests one page may have pending at once; more are refused, not queued forever. */
export const MAX_PENDING_REQUESTS_PER_PAGE = 8;

/** PIN length accepted from the consent window (PKCS#11 tokens in use here take 4–16; allow headroom). */
export const PIN_MIN_CHARS = 4;
export const PIN_MAX_CHARS = 64;

/** Request ids: random, printable, bounded. */
export const REQUEST_ID_MAX_CHARS = 64;
/** An origin longer than this is refused (web-eid uses the same bound). */
export const ORIGIN_MAX_CHARS = 255;
/** Certificate DER larger than this is not a certificate we can use. */
export const CERTIFICATE_MAX_BYTES = 64 * 1024;

// ── Documents crossing to the host (PDF / XML / CMS signing through the browser) ──
/** Largest document the host accepts for signing (written to a private temp file, never held whole in memory for PDF/CMS-detached). */
export const DOCUMENT_MAX_BYTES = 512 * 1024 * 1024;
/** Raw bytes per upload chunk (page → extension → host); base64 ≈ 1 MiB per message. */
export const DOCUMENT_CHUNK_BYTES = 768 * 1024;
/** Raw bytes per read of a signed result (host → extension → page); base64 ≈ 683 KiB, under the 1 MiB host frame cap. */
export const DOCUMENT_READ_CHUNK_BYTES = 512 * 1024;
/** Documents one host session may hold at once (uploads + results not yet read). */
export const DOCUMENTS_OPEN_MAX = 64;
/** Bytes of all documents one host session holds at once: bounds the temp disk a page can fill before anyone consents. */
export const DOCUMENTS_TOTAL_MAX_BYTES = 2 * 1024 * 1024 * 1024;
/**
 * Per requesting origin, enforced by the extension (which knows the origin; the host does not): documents held
 * at once and bytes announced. Half the host's totals, so one site at its quota leaves room for another site
 * [security.md "Uploads before consent and disk exhaustion"]. 24 ≥ one full batch (20) plus a few results.
 */
export const DOCUMENTS_PER_ORIGIN_OPEN_MAX = 24;
export const DOCUMENTS_PER_ORIGIN_MAX_BYTES = 1024 * 1024 * 1024;
/** Documents in one batch (one consent, one login). */
export const DOCUMENT_BATCH_MAX = 20;
/** XML and enveloping CMS are signed in memory: bounded. */
export const DOCUMENT_IN_MEMORY_MAX_BYTES = 64 * 1024 * 1024;
/** Signature / seal image for a visible PDF stamp. */
export const STAMP_IMAGE_MAX_BYTES = 2 * 1024 * 1024;
/** A document nobody touched for this long is deleted (a page that went away mid-upload). */
export const DOCUMENT_IDLE_TTL_MS = 15 * 60_000;
/** How often the host and the extension look for idle documents (not only at the next upload). */
export const DOCUMENT_SWEEP_INTERVAL_MS = 60_000;

// ── Many digests under one consent (kyso.signHashes / host.signDigests) ──
/**
 * Digests in one signHashes request: one consent, one PIN, one login. 10,000 covers a month of a company's
 * e-invoices and bounds what one "yes" can sign; the reply (10,000 RSA-4096 signatures ≈ 6.8 MB of base64)
 * crosses native messaging in host.chunk frames.
 */
export const SIGN_HASHES_MAX = 10_000;
/** Per-digest description shown in the consent window (e.g. "HĐ 0000123"). Plain text. */
export const SIGN_HASHES_DESCRIPTION_MAX_CHARS = 200;
