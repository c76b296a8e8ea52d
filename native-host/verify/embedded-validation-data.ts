/**
 * Validation data a signed document carries (issue 16 §2): certificates, OCSP responses and CRLs from a PAdES
 * DSS [ETSI EN 319 142-1 §5.4.2], a CMS SignedData's certificates/crls (CAdES-B-LT, ETSI EN 319 122-1 §5.5) or
 * XAdES CertificateValues/RevocationValues. With them a signature is validated at its signing time OFFLINE: every
 * stored answer is checked like a live one (signed by the issuing CA or its delegated responder, names the
 * certificate), but judged at the proven signing time instead of now — a response issued after that time (or
 * current at it) says the certificate was not revoked then, however old the response is today
 * [ETSI EN 319 102-1 §5.6.2.4, §9.2.5].
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { EmbeddedRevocation } from '../trust/evaluate-trust.js';
import { readOcspResponse } from '../trust/ocsp-client.js';
import { crlStatus, readCrl } from '../trust/crl-client.js';
import type { RevocationResult } from '../trust/revocation-status.js';
import { REVOCATION_CLOCK_SKEW_MS } from '../trust/trust-limits.js';

/** Where embedded answers say they came from, in reports (they name no live URL). */
export const EMBEDDED_SOURCE_URL = 'embedded';

export class EmbeddedValidationData implements EmbeddedRevocation {
  private readonly parsedCrls = new Map<string, Promise<x509.X509Crl | undefined>>();

  constructor(
    readonly certificates: readonly x509.X509Certificate[],
    readonly ocspResponses: readonly Uint8Array[],
    readonly crls: readonly Uint8Array[],
  ) {}

  static empty(): EmbeddedValidationData {
    return new EmbeddedValidationData([], [], []);
  }

  get isEmpty(): boolean {
    return this.ocspResponses.length === 0 && this.crls.length === 0 && this.certificates.length === 0;
  }

  /** Both sets together (a CMS's own values plus the document's DSS). */
  with(other: EmbeddedValidationData): EmbeddedValidationData {
    if (other.isEmpty) return this;
    if (this.isEmpty) return other;
    return new EmbeddedValidationData([...this.certificates, ...other.certificates], [...this.ocspResponses, ...other.ocspResponses], [...this.crls, ...other.crls]);
  }

  async lookup(cert: x509.X509Certificate, issuer: x509.X509Certificate, at: Date): Promise<RevocationResult | undefined> {
    for (const der of this.ocspResponses) {
      let answer;
      try {
        answer = await readOcspResponse(der, cert, issuer, { at, url: EMBEDDED_SOURCE_URL, stored: true });
      } catch {
        continue; // about another certificate, or not acceptable: another stored answer may be
      }
      if (answer.status === 'unknown') continue;
      const { nextUpdateMs: _ignored, ...result } = answer as typeof answer & { nextUpdateMs?: number };
      if (result.status === 'revoked' || currentAt(result.thisUpdate, result.nextUpdate, at)) return result;
    }
    for (const der of this.crls) {
      const crl = await this.crlOf(der, issuer);
      if (!crl) continue;
      if (!currentAt(crl.thisUpdate.toISOString(), crl.nextUpdate?.toISOString(), at)) continue;
      return crlStatus(crl, cert, EMBEDDED_SOURCE_URL, at);
    }
    return undefined;
  }

  private crlOf(der: Uint8Array, issuer: x509.X509Certificate): Promise<x509.X509Crl | undefined> {
    const key = `${issuer.subject}|${Buffer.from(issuer.publicKey.rawData).toString('base64')}|${Buffer.from(der.subarray(0, 64)).toString('base64')}|${der.length}`;
    let crl = this.parsedCrls.get(key);
    if (!crl) {
      crl = readCrl(der, issuer).catch(() => undefined);
      this.parsedCrls.set(key, crl);
    }
    return crl;
  }
}

/**
 * A stored "good" speaks for `at` when it was issued at or after it, or was still current then (its nextUpdate
 * not yet passed): either way the certificate was not revoked at `at` as far as the CA said.
 */
function currentAt(thisUpdate: string, nextUpdate: string | undefined, at: Date): boolean {
  const time = at.getTime();
  if (Date.parse(thisUpdate) >= time - REVOCATION_CLOCK_SKEW_MS) return true;
  return nextUpdate !== undefined && Date.parse(nextUpdate) >= time - REVOCATION_CLOCK_SKEW_MS;
}

/** DER certificates to X509Certificate, skipping what does not parse (a damaged entry is ignored, not fatal). */
export function parseCertificates(ders: readonly Uint8Array[]): x509.X509Certificate[] {
  const out: x509.X509Certificate[] = [];
  for (const der of ders) {
    try {
      out.push(new x509.X509Certificate(der as Uint8Array<ArrayBuffer>));
    } catch {
      // not a certificate
    }
  }
  return out;
}
