import type { TrustStore } from '../trust/trust-store.js';
import type { AiaFetcher } from '../trust/aia-fetcher.js';
import type { RevocationCache } from '../trust/check-revocation.js';
import type { AlgorithmPolicy } from './algorithm-policy.js';
import type { DetectedFormat } from './detect-format.js';
import type { EmbeddedValidationData } from './embedded-validation-data.js';

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
  /**
   * XML: the element every signature must cover — an absolute path of local names ('/HDon/DLHDon', exactly one
   * element there) or an Id ('#data'). A signature that does not cover it is invalid (XML_SIGNATURE_WRAPPING when
   * it covers an element of that name elsewhere, else XML_REQUIRED_ELEMENT_NOT_COVERED). Known formats (e-invoice
   * HDon, tax declaration HSoThueDTu) have this rule built in; for others, without it, targets are only reported.
   */
  readonly requireElement?: string;
  /** Weak algorithms (SHA-1, RSA < 2048): indeterminate unless this policy accepts them for a stated use (algorithm-policy.ts). */
  readonly algorithmPolicy?: AlgorithmPolicy;
  /** The format the caller says the document is in; preferred over detection (detect-format.ts). */
  readonly format?: DetectedFormat;
  /**
   * Validation data the document itself carries (PAdES DSS, CMS certificates/crls): asked before the network, at
   * the signing time, so a B-LT/B-LTA file verifies offline. Set by the format verifiers, not by callers.
   */
  readonly embedded?: EmbeddedValidationData;
}
