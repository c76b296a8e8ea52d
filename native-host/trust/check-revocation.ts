/**
 * Revocation of one certificate: OCSP first (every http URL in AIA), then the CRL distribution points when OCSP
 * gave no definite answer. Definite answers are cached (until nextUpdate, else a few minutes), failures are not.
 */
import 'reflect-metadata';
import type * as x509 from '@peculiar/x509';
import { certificateUrls, httpOnly } from './certificate-urls.js';
import { queryOcsp } from './ocsp-client.js';
import { checkCrl, CrlCache } from './crl-client.js';
import { RevocationSourceError, type RevocationResult } from './revocation-status.js';
import { REVOCATION_CACHE_DEFAULT_MS } from './trust-limits.js';

export interface RevocationOptions {
  readonly at?: Date;
  readonly timeoutMs?: number;
  readonly cache?: RevocationCache;
}

export class RevocationCache {
  readonly crls = new CrlCache();
  private readonly answers = new Map<string, { result: RevocationResult; expiresMs: number }>();

  get(key: string, nowMs: number): RevocationResult | undefined {
    const hit = this.answers.get(key);
    return hit && hit.expiresMs > nowMs ? hit.result : undefined;
  }

  put(key: string, result: RevocationResult, expiresMs: number): void {
    this.answers.set(key, { result, expiresMs });
  }
}

/** A cache for the life of the process (the host and `kyso verify` use it). */
export const PROCESS_REVOCATION_CACHE = new RevocationCache();

export async function checkRevocation(cert: x509.X509Certificate, issuer: x509.X509Certificate, options: RevocationOptions = {}): Promise<RevocationResult> {
  const now = options.at ?? new Date();
  const key = `${issuer.subject}|${cert.serialNumber}`;
  const cached = options.cache?.get(key, now.getTime());
  if (cached) return cached;

  const urls = certificateUrls(cert);
  const ocspUrls = httpOnly(urls.ocsp);
  const crlUrls = httpOnly(urls.crl);
  if (ocspUrls.length === 0 && crlUrls.length === 0) {
    return { status: 'could-not-check', why: 'the certificate names no http OCSP responder or CRL', attempts: [] };
  }
  const attempts: { url: string; error: string }[] = [];
  let unknown: RevocationResult | undefined;
  const common = { at: now, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) };

  for (const url of ocspUrls) {
    try {
      const answer = await queryOcsp(cert, issuer, url, common);
      if (answer.status === 'unknown') { unknown = answer; continue; }
      const { nextUpdateMs, ...result } = answer as typeof answer & { nextUpdateMs?: number };
      options.cache?.put(key, result, nextUpdateMs ?? now.getTime() + REVOCATION_CACHE_DEFAULT_MS);
      return result;
    } catch (error) {
      attempts.push({ url, error: error instanceof RevocationSourceError ? error.message : 'internal error' });
    }
  }
  for (const url of crlUrls) {
    try {
      const result = await checkCrl(cert, issuer, url, { ...common, ...(options.cache ? { cache: options.cache.crls } : {}) });
      options.cache?.put(key, result, result.status === 'good' && result.nextUpdate ? Date.parse(result.nextUpdate) : now.getTime() + REVOCATION_CACHE_DEFAULT_MS);
      return result;
    } catch (error) {
      attempts.push({ url, error: error instanceof RevocationSourceError ? error.message : 'internal error' });
    }
  }
  if (unknown) return unknown;
  return { status: 'could-not-check', why: attempts.map((a) => a.error).join('; '), attempts };
}
