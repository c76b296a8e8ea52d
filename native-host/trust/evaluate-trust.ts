/**
 * Everything trust says about one signer certificate at one time: the chain (built, validated) and the
 * revocation status of the signer's certificate. This is what verification and the host call.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { TrustStore } from './trust-store.js';
import { buildChain } from './build-chain.js';
import { validatePath, label, type ChainStatus } from './validate-path.js';
import { checkRevocation, PROCESS_REVOCATION_CACHE, type RevocationCache } from './check-revocation.js';
import type { RevocationResult } from './revocation-status.js';
import type { AiaFetcher } from './aia-fetcher.js';
import { reason, type Reason } from './reasons.js';
import { certificateUrls, httpOnly } from './certificate-urls.js';

export interface TrustOptions {
  readonly store: TrustStore;
  /** Time at which the chain must be valid (signing time for a signature; now otherwise). */
  readonly at?: Date;
  /** Certificates that came with the signature or the token. */
  readonly extra?: readonly (x509.X509Certificate | Uint8Array)[];
  /** Check OCSP/CRL for the signer's certificate (default true). */
  readonly checkRevocation?: boolean;
  /** The time revocation is asked about (default now). */
  readonly revocationAt?: Date;
  readonly aia?: AiaFetcher;
  readonly timeoutMs?: number;
  readonly cache?: RevocationCache;
  readonly requireSigningUsage?: boolean;
  /**
   * Revocation data the document carries (PAdES DSS, CAdES/XAdES revocation values): asked first, at `at`, for
   * every certificate of a chain that validated to an anchor; the network is asked only when it has no answer.
   */
  readonly embedded?: EmbeddedRevocation;
}

/** Revocation answers kept with a signature (issue 16 §2): no network needed to use them. */
export interface EmbeddedRevocation {
  /** A definite answer about `cert` at `at` from checked stored data, or undefined when it has none. */
  lookup(cert: x509.X509Certificate, issuer: x509.X509Certificate, at: Date): Promise<RevocationResult | undefined>;
}

export interface TrustResult {
  readonly chain: {
    readonly status: ChainStatus;
    readonly reasons: readonly Reason[];
    /** Subjects from the signer up, for display. */
    readonly path: readonly string[];
    readonly certificates: readonly x509.X509Certificate[];
  };
  /** The signer's certificate. */
  readonly revocation: RevocationResult;
  /**
   * Intermediate CA certificates that name an OCSP responder or CRL, with their answers (issuer-side first).
   * A revoked CA makes the chain invalid; a CA check that could not be made is listed here but does not change
   * the chain status (VN CA certificates often publish only a CRL that is large or unreachable from a LAN).
   */
  readonly caRevocation: readonly { readonly subject: string; readonly result: RevocationResult }[];
}

export async function evaluateTrust(certificate: x509.X509Certificate | Uint8Array, options: TrustOptions): Promise<TrustResult> {
  const leaf = toCert(certificate);
  const extra = (options.extra ?? []).map(toCert);
  const built = await buildChain(leaf, { store: options.store, extra, ...(options.aia ? { aia: options.aia } : {}) });
  const validation = await validatePath(built, { at: options.at ?? new Date(), ...(options.requireSigningUsage !== undefined ? { requireSigningUsage: options.requireSigningUsage } : {}) });
  let status = validation.status;
  const reasons = [...validation.reasons];

  let revocation: RevocationResult = { status: 'not-checked' };
  const caRevocation: { subject: string; result: RevocationResult }[] = [];
  const issuer = built.path[1];
  // Revocation URLs are fetched only for a chain that validated up to an anchor the administrator trusts: the URLs
  // of any other chain were written by whoever made the certificates — possibly the page asking [security.md SSRF].
  const anchor = built.anchored ? built.path[built.path.length - 1] : undefined;
  const mayFetch = validation.status === 'valid' && anchor !== undefined && options.store.mayFetchRevocationFor(anchor);
  const chainOk = validation.status === 'valid' && anchor !== undefined;
  if ((options.checkRevocation ?? true) && !chainOk) {
    revocation = { status: 'could-not-check', why: 'the chain does not reach a trusted root, so revocation was not asked', attempts: [] };
  } else if (options.checkRevocation ?? true) {
    const revocationOptions = {
      cache: options.cache ?? PROCESS_REVOCATION_CACHE,
      ...(options.revocationAt ? { at: options.revocationAt } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    };
    const ask = async (cert: x509.X509Certificate, certIssuer: x509.X509Certificate): Promise<RevocationResult> => {
      const stored = options.embedded ? await options.embedded.lookup(cert, certIssuer, options.at ?? new Date()) : undefined;
      if (stored) return stored;
      if (!mayFetch) return { status: 'could-not-check', why: 'the chain does not reach a trusted root, so revocation was not asked', attempts: [] };
      return checkRevocation(cert, certIssuer, revocationOptions);
    };
    revocation = issuer
      ? await ask(leaf, issuer)
      : { status: 'could-not-check', why: 'the issuing CA certificate is not available', attempts: [] };
    // Intermediates (never the anchor: it is trusted by configuration), only those that say where to ask.
    const lastCa = built.anchored ? built.path.length - 1 : built.path.length;
    for (let i = 1; i < lastCa; i++) {
      const ca = built.path[i]!;
      const caIssuer = built.path[i + 1];
      const urls = certificateUrls(ca);
      if (!caIssuer || httpOnly([...urls.ocsp, ...urls.crl]).length === 0) continue;
      if (!mayFetch && !options.embedded) continue;
      const result = await ask(ca, caIssuer);
      caRevocation.push({ subject: label(ca), result });
      if (result.status === 'revoked') {
        status = 'invalid';
        reasons.push(reason('REVOKED', `${label(ca)}: ${result.revokedAt}${result.reason ? ` (${result.reason})` : ''}`));
      }
    }
  }
  const chain = { status, reasons, path: built.path.map(label), certificates: built.path };
  return { chain, revocation, caRevocation };
}

function toCert(value: x509.X509Certificate | Uint8Array): x509.X509Certificate {
  return value instanceof x509.X509Certificate ? value : new x509.X509Certificate(value as Uint8Array<ArrayBuffer>);
}
