import type { TrustStore } from '../trust/trust-store.js';
import type { AiaFetcher } from '../trust/aia-fetcher.js';
import type { RevocationCache } from '../trust/check-revocation.js';

export interface VerifyOptions {
  /** The signed content, for a detached CMS signature. */
  readonly content?: Uint8Array;
  readonly trust: TrustStore;
  /** "Now" for revocation and for signatures that carry no time (default: the real now). */
  readonly at?: Date;
  /** Ask OCSP/CRL about signer certificates (default true). */
  readonly checkRevocation?: boolean;
  /** Fetch missing intermediates from AIA caIssuers (default: no network for chains). */
  readonly aia?: AiaFetcher;
  readonly timeoutMs?: number;
  readonly cache?: RevocationCache;
}
