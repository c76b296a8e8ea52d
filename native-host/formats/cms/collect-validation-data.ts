/**
 * Gather the validation data that keeps signatures verifiable after their certificates expire and their CA's
 * responders move (issue 16 §2; PAdES B-LT [ETSI EN 319 142-1 §6.3 Table 1], CAdES-B-LT [EN 319 122-1 §6.3]):
 * for every signature and every time-stamp token (nested signature time-stamps and document time-stamps alike),
 * the signer's whole path (built with trust/build-chain.ts from the CMS's certificates, the trust store and AIA),
 * and for each certificate of that path that names a revocation source, one OCSP response — or, when no
 * responder answers, its issuer's CRL — as the CA signed it (checked with the same code as live verification).
 * The anchor is trusted by configuration and gets no revocation data.
 *
 * A certificate that names sources none of which answers makes the request fail (VALIDATION_DATA_UNAVAILABLE):
 * a file claiming B-LT without its data is worse than a B-T file that says what it is.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as pkijs from 'pkijs';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { buildChain } from '../../trust/build-chain.js';
import { certificateUrls, httpOnly } from '../../trust/certificate-urls.js';
import { queryOcspEvidence } from '../../trust/ocsp-client.js';
import { CrlCache, loadCrl } from '../../trust/crl-client.js';
import { RevocationSourceError } from '../../trust/revocation-status.js';
import { isSelfIssued } from '../../trust/trust-store.js';
import type { TrustStore } from '../../trust/trust-store.js';
import type { AiaFetcher } from '../../trust/aia-fetcher.js';
import { label } from '../../trust/validate-path.js';
import { findSignerIndex, parseSignedData, signedDataCertificates } from '../../verify/verify-cms-signer.js';

const OID_SIGNATURE_TIMESTAMP = '1.2.840.113549.1.9.16.2.14';
/** Nested tokens followed at most this deep (a token inside a token inside a signature is already unusual). */
const MAX_NESTING = 3;

/** DER items for one signature (its VRI entry) or for the whole document (the DSS arrays). */
export interface ValidationMaterial {
  readonly certificates: readonly Uint8Array[];
  readonly ocspResponses: readonly Uint8Array[];
  readonly crls: readonly Uint8Array[];
}

export interface CollectOptions {
  readonly trust: TrustStore;
  /** Fetch missing issuers from AIA caIssuers. */
  readonly aia?: AiaFetcher;
  readonly timeoutMs?: number;
}

/** Accumulates DER items without duplicates, in first-seen order. */
class MaterialSet {
  private readonly seen = new Set<string>();
  readonly certificates: Uint8Array[] = [];
  readonly ocspResponses: Uint8Array[] = [];
  readonly crls: Uint8Array[] = [];

  add(kind: 'certificates' | 'ocspResponses' | 'crls', der: Uint8Array): void {
    const key = `${kind}:${Buffer.from(der).toString('base64')}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this[kind].push(der);
  }

  addAll(other: ValidationMaterial): void {
    for (const c of other.certificates) this.add('certificates', c);
    for (const o of other.ocspResponses) this.add('ocspResponses', o);
    for (const c of other.crls) this.add('crls', c);
  }
}

export class ValidationDataCollector {
  /** One revocation answer per certificate (a CA shared by several signatures is asked once). */
  private readonly answers = new Map<string, Promise<{ kind: 'ocspResponses' | 'crls'; der: Uint8Array } | undefined>>();
  private readonly crlCache = new CrlCache();

  constructor(private readonly options: CollectOptions) {}

  /** Everything needed to validate the CMS `cmsDer` (a signature or an RFC 3161 token) and the tokens it carries. */
  async forCms(cmsDer: Uint8Array, depth = 0): Promise<ValidationMaterial> {
    const out = new MaterialSet();
    const signed = parseSignedData(cmsDer);
    if (!signed) throw new KysoError('INVALID_DOCUMENT', { reason: 'a signature is not a CMS SignedData' });
    const certificates = signedDataCertificates(signed);
    const pkiCerts = (signed.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
    for (const signerInfo of signed.signerInfos) {
      const index = findSignerIndex(signerInfo, pkiCerts, certificates);
      if (index < 0) throw new KysoError('INVALID_DOCUMENT', { reason: 'a signature does not carry its signer\'s certificate' });
      out.addAll(await this.forCertificate(certificates[index]!, certificates));
      if (depth >= MAX_NESTING) continue;
      for (const attribute of signerInfo.unsignedAttrs?.attributes ?? []) {
        if (attribute.type !== OID_SIGNATURE_TIMESTAMP) continue;
        for (const token of attribute.values) out.addAll(await this.forCms(new Uint8Array(token.toBER(false)), depth + 1));
      }
    }
    return out;
  }

  /** The path of `leaf` and a revocation answer for each certificate of it below the anchor. */
  async forCertificate(leaf: x509.X509Certificate, extra: readonly x509.X509Certificate[]): Promise<ValidationMaterial> {
    const out = new MaterialSet();
    const built = await buildChain(leaf, { store: this.options.trust, extra, ...(this.options.aia ? { aia: this.options.aia } : {}) });
    for (const cert of built.path) out.add('certificates', new Uint8Array(cert.rawData));
    for (let i = 0; i < built.path.length; i++) {
      const cert = built.path[i]!;
      const issuer = built.path[i + 1];
      if (isSelfIssued(cert) || (built.anchored && i === built.path.length - 1)) continue;
      const urls = certificateUrls(cert);
      if (httpOnly([...urls.ocsp, ...urls.crl]).length === 0) continue; // nothing to ask: nothing to keep
      if (!issuer) {
        throw new KysoError('VALIDATION_DATA_UNAVAILABLE', { reason: 'the issuing CA certificate was not found, so revocation cannot be asked', certificate: label(cert) });
      }
      const answer = await this.revocationOf(cert, issuer);
      if (!answer) throw new KysoError('VALIDATION_DATA_UNAVAILABLE', { reason: 'no OCSP responder or CRL named by the certificate answered', certificate: label(cert) });
      out.add(answer.kind, answer.der);
    }
    return out;
  }

  private revocationOf(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<{ kind: 'ocspResponses' | 'crls'; der: Uint8Array } | undefined> {
    const key = `${issuer.subject}|${cert.serialNumber}`;
    let answer = this.answers.get(key);
    if (!answer) {
      answer = this.ask(cert, issuer);
      this.answers.set(key, answer);
    }
    return answer;
  }

  /** OCSP first (a small, per-certificate answer), then the CRL; only definite answers are kept. */
  private async ask(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<{ kind: 'ocspResponses' | 'crls'; der: Uint8Array } | undefined> {
    const urls = certificateUrls(cert);
    const timeout = this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {};
    for (const url of httpOnly(urls.ocsp)) {
      try {
        const { answer, der } = await queryOcspEvidence(cert, issuer, url, timeout);
        if (answer.status !== 'unknown') return { kind: 'ocspResponses', der };
      } catch (error) {
        if (!(error instanceof RevocationSourceError)) throw error;
      }
    }
    for (const url of httpOnly(urls.crl)) {
      try {
        const crl = await loadCrl(issuer, url, { ...timeout, cache: this.crlCache });
        return { kind: 'crls', der: new Uint8Array(crl.rawData) };
      } catch (error) {
        if (!(error instanceof RevocationSourceError)) throw error;
      }
    }
    return undefined;
  }
}

/** The union of several signatures' material (the DSS arrays). */
export function unionOf(materials: readonly ValidationMaterial[]): ValidationMaterial {
  const set = new MaterialSet();
  for (const m of materials) set.addAll(m);
  return { certificates: set.certificates, ocspResponses: set.ocspResponses, crls: set.crls };
}
