/**
 * Fetch CA certificates named in AIA caIssuers (a DER certificate, a PEM, or a PKCS#7 "certs-only" bundle
 * [RFC 5280 §4.2.2.1]) over http, bounded in time and size, cached per URL for the life of the process.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as pkijs from 'pkijs';
import { fetchHttp } from './http-fetch.js';
import { AIA_CERT_MAX_BYTES } from './trust-limits.js';
import { parseCertificates } from './trust-store.js';

export class AiaFetcher {
  private readonly cache = new Map<string, Promise<x509.X509Certificate[]>>();
  constructor(private readonly timeoutMs?: number) {}

  /** Never throws: a failed fetch yields no certificates (and the chain is reported incomplete). */
  fetch(url: string): Promise<x509.X509Certificate[]> {
    let pending = this.cache.get(url);
    if (!pending) {
      pending = fetchHttp(url, { maxBytes: AIA_CERT_MAX_BYTES, ...(this.timeoutMs ? { timeoutMs: this.timeoutMs } : {}) })
        .then(parseCaIssuers)
        .catch(() => []);
      this.cache.set(url, pending);
    }
    return pending;
  }
}

function parseCaIssuers(bytes: Uint8Array): x509.X509Certificate[] {
  try {
    return parseCertificates(bytes);
  } catch {
    try {
      const info = pkijs.ContentInfo.fromBER(bytes as Uint8Array<ArrayBuffer>);
      const signed = new pkijs.SignedData({ schema: info.content });
      return (signed.certificates ?? [])
        .filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
        .map((c) => new x509.X509Certificate(c.toSchema().toBER(false)));
    } catch {
      return [];
    }
  }
}
