/**
 * Build a certification path from a signer's certificate up to a trust anchor, using (in this order) the
 * certificates that came with the signature or the token, the trust store, and — when allowed — issuers fetched
 * from the certificate's AIA caIssuers URL [RFC 5280 §4.2.2.1]. Building only finds a candidate path; whether
 * it is acceptable is decided by validate-path.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { TrustStore } from './trust-store.js';
import { isSelfIssued, sameCertificate, sameName } from './trust-store.js';
import { CHAIN_MAX_DEPTH } from './trust-limits.js';
import type { AiaFetcher } from './aia-fetcher.js';
import { certificateUrls, httpOnly } from './certificate-urls.js';

export interface BuiltChain {
  /** Leaf first; the last element is the anchor when `anchored`. */
  readonly path: readonly x509.X509Certificate[];
  readonly anchored: boolean;
  /** Why building stopped short of an anchor. */
  readonly problem?: 'untrustedRoot' | 'incomplete';
}

export interface BuildOptions {
  readonly store: TrustStore;
  /** Certificates from the signature (CMS certificates, PDF, XML KeyInfo) or the token. */
  readonly extra?: readonly x509.X509Certificate[];
  /** Fetch missing issuers over http; absent: no network for chain building. */
  readonly aia?: AiaFetcher;
}

export async function buildChain(leaf: x509.X509Certificate, options: BuildOptions): Promise<BuiltChain> {
  const path: x509.X509Certificate[] = [leaf];
  for (;;) {
    const current = path[path.length - 1]!;
    if (options.store.isAnchor(current)) return { path, anchored: true };
    if (isSelfIssued(current)) return { path, anchored: false, problem: 'untrustedRoot' };
    if (path.length >= CHAIN_MAX_DEPTH) return { path, anchored: false, problem: 'incomplete' };
    let issuer = await findIssuer(current, [...options.store.anchors, ...(options.extra ?? []), ...options.store.intermediates], path);
    if (!issuer && options.aia) {
      for (const url of httpOnly(certificateUrls(current).caIssuers)) {
        issuer = await findIssuer(current, await options.aia.fetch(url), path);
        if (issuer) break;
      }
    }
    if (!issuer) return { path, anchored: false, problem: 'incomplete' };
    path.push(issuer);
  }
}

/**
 * The candidate whose subject is the certificate's issuer; one whose key verifies the certificate's signature
 * is preferred (two CA generations may share a name), else the first name match, so validation reports the bad
 * signature instead of a vague "incomplete chain".
 */
async function findIssuer(cert: x509.X509Certificate, candidates: readonly x509.X509Certificate[], path: readonly x509.X509Certificate[]): Promise<x509.X509Certificate | undefined> {
  const named = candidates.filter((c) => sameName(c.subjectName, cert.issuerName) && !path.some((p) => sameCertificate(p, c)));
  for (const candidate of named) {
    if (await signedBy(cert, candidate)) return candidate;
  }
  return named[0];
}

export async function signedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  try {
    return await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}
