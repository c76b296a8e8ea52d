/**
 * Check a certificate against its issuer's CRL [RFC 5280 §5, §6.3]: fetched over http (bounded), signed by the
 * issuing CA, current (nextUpdate not passed), then looked up by serial. Parsed CRLs are cached per URL until
 * their nextUpdate, so a large VN CA CRL is downloaded once per process.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { fetchHttp, FetchError } from './http-fetch.js';
import { CRL_MAX_BYTES, REVOCATION_CACHE_DEFAULT_MS, REVOCATION_CLOCK_SKEW_MS } from './trust-limits.js';
import { sameName } from './trust-store.js';
import { RevocationSourceError, revocationReasonName, type RevocationResult } from './revocation-status.js';

export type CrlAnswer = Extract<RevocationResult, { status: 'good' | 'revoked' }>;

export class CrlCache {
  private readonly entries = new Map<string, { crl: x509.X509Crl; expiresMs: number }>();

  get(url: string, nowMs: number): x509.X509Crl | undefined {
    const hit = this.entries.get(url);
    if (hit && hit.expiresMs > nowMs) return hit.crl;
    this.entries.delete(url);
    return undefined;
  }

  put(url: string, crl: x509.X509Crl, nowMs: number): void {
    this.entries.set(url, { crl, expiresMs: crl.nextUpdate?.getTime() ?? nowMs + REVOCATION_CACHE_DEFAULT_MS });
  }
}

export async function checkCrl(cert: x509.X509Certificate, issuer: x509.X509Certificate, url: string, options: { at?: Date; timeoutMs?: number; cache?: CrlCache } = {}): Promise<CrlAnswer> {
  const now = options.at ?? new Date();
  const crl = await loadCrl(issuer, url, options);
  if (crl.thisUpdate.getTime() > now.getTime() + REVOCATION_CLOCK_SKEW_MS) throw new RevocationSourceError('CRL from the future');
  if (crl.nextUpdate && crl.nextUpdate.getTime() < now.getTime() - REVOCATION_CLOCK_SKEW_MS) throw new RevocationSourceError('stale CRL (nextUpdate passed)');
  return crlStatus(crl, cert, url, now);
}

/** The issuer's CRL from `url` (or the cache), checked to be that issuer's and signed by it; `rawData` is its DER. */
export async function loadCrl(issuer: x509.X509Certificate, url: string, options: { at?: Date; timeoutMs?: number; cache?: CrlCache } = {}): Promise<x509.X509Crl> {
  const now = options.at ?? new Date();
  let crl = options.cache?.get(url, now.getTime());
  if (crl) return crl;
  let bytes: Uint8Array;
  try {
    bytes = await fetchHttp(url, { maxBytes: CRL_MAX_BYTES, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  } catch (error) {
    throw new RevocationSourceError(error instanceof FetchError ? error.message : 'network error');
  }
  crl = await readCrl(bytes, issuer);
  options.cache?.put(url, crl, now.getTime());
  return crl;
}

/** A CRL (DER or PEM) that must be `issuer`'s and carry its valid signature [RFC 5280 §6.3.3]. */
export async function readCrl(bytes: Uint8Array, issuer: x509.X509Certificate): Promise<x509.X509Crl> {
  let crl: x509.X509Crl;
  try {
    const text = Buffer.from(bytes).toString('latin1');
    crl = text.includes('-----BEGIN X509 CRL-----') ? new x509.X509Crl(text) : new x509.X509Crl(bytes as Uint8Array<ArrayBuffer>);
  } catch {
    throw new RevocationSourceError('unreadable CRL');
  }
  if (!sameName(crl.issuerName, issuer.subjectName)) throw new RevocationSourceError('CRL from another issuer');
  const signed = await crl.verify({ publicKey: issuer.publicKey }).catch(() => false);
  if (!signed) throw new RevocationSourceError('CRL signature invalid');
  return crl;
}

/** What a (checked) CRL says about `cert` at `at`: revoked on or before it, else good. */
export function crlStatus(crl: x509.X509Crl, cert: x509.X509Certificate, url: string, at: Date): CrlAnswer {
  const entry = crl.findRevoked(cert);
  if (entry && entry.revocationDate.getTime() <= at.getTime() + REVOCATION_CLOCK_SKEW_MS) {
    const reasonName = revocationReasonName(entry.reason);
    return { status: 'revoked', source: 'crl', url, revokedAt: entry.revocationDate.toISOString(), ...(reasonName ? { reason: reasonName } : {}) };
  }
  return { status: 'good', source: 'crl', url, thisUpdate: crl.thisUpdate.toISOString(), ...(crl.nextUpdate ? { nextUpdate: crl.nextUpdate.toISOString() } : {}) };
}
