/**
 * The trust store: root and intermediate certificates an administrator provides (PEM or DER files in
 * KYSO_TRUST_DIR or a configured directory, plus `--trust FILE` arguments). Only roots here are trust anchors;
 * intermediates here only help to build chains. Nothing is trusted because of its name.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { readdir, readFile, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { TRUST_STORE_MAX_FILES } from './trust-limits.js';

export class TrustStore {
  readonly anchors: readonly x509.X509Certificate[];
  readonly intermediates: readonly x509.X509Certificate[];
  /**
   * Anchors whose chains may lead the host onto the network (OCSP, CRL): the administrator's, not roots a caller
   * named for one report (withReportOnlyRoots). Default: every anchor.
   */
  readonly #networkAnchors: readonly x509.X509Certificate[];

  constructor(certificates: readonly x509.X509Certificate[] = [], networkAnchors?: readonly x509.X509Certificate[]) {
    const unique = dedupe(certificates);
    this.anchors = unique.filter(isSelfIssued);
    this.intermediates = unique.filter((c) => !isSelfIssued(c));
    this.#networkAnchors = networkAnchors ?? this.anchors;
  }

  /** Whether a chain ending at this anchor may make the host fetch revocation data (see network-destination.ts). */
  mayFetchRevocationFor(anchor: x509.X509Certificate): boolean {
    return this.#networkAnchors.some((a) => sameCertificate(a, anchor) || (a.subject === anchor.subject && samePublicKey(a, anchor)));
  }

  /**
   * Roots a caller (a page through kyso.verify) names for its own report: they make chains "valid" in that report,
   * but never make the host send a request to a URL in such a chain — the caller made those certificates.
   */
  withReportOnlyRoots(more: readonly x509.X509Certificate[]): TrustStore {
    return new TrustStore([...this.all, ...more], this.#networkAnchors);
  }

  /** Whether this exact certificate (same DER) or one with the same subject and key is an anchor. */
  isAnchor(cert: x509.X509Certificate): boolean {
    return this.anchors.some((anchor) => sameCertificate(anchor, cert) || (anchor.subject === cert.subject && samePublicKey(anchor, cert)));
  }

  get all(): readonly x509.X509Certificate[] {
    return [...this.anchors, ...this.intermediates];
  }

  with(more: readonly x509.X509Certificate[]): TrustStore {
    return new TrustStore([...this.all, ...more]);
  }

  static empty(): TrustStore {
    return new TrustStore([]);
  }

  /**
   * Load from files and directories (every *.pem, *.crt, *.cer, *.der inside, not recursive).
   * `KYSO_TRUST_DIR` (several directories separated by the platform's path delimiter, `:` or `;`) is read when `useEnvironment` is true (the CLI and the host do; tests pass paths).
   */
  static async load(sources: { paths?: readonly string[]; useEnvironment?: boolean } = {}): Promise<TrustStore> {
    const paths = [...(sources.paths ?? [])];
    const envDir = process.env.KYSO_TRUST_DIR;
    if (sources.useEnvironment && envDir) paths.push(...envDir.split(delimiter).filter(Boolean));
    const certificates: x509.X509Certificate[] = [];
    for (const path of paths) {
      const info = await stat(path).catch(() => undefined);
      if (!info) throw new KysoError('INVALID_DOCUMENT', { what: 'trust store path not found' });
      if (info.isDirectory()) {
        const names = (await readdir(path)).filter((n) => /\.(pem|crt|cer|der)$/i.test(n)).sort().slice(0, TRUST_STORE_MAX_FILES);
        for (const name of names) certificates.push(...parseCertificates(await readFile(join(path, name))));
      } else {
        certificates.push(...parseCertificates(await readFile(path)));
      }
    }
    return new TrustStore(certificates);
  }
}

/** Every certificate in a PEM bundle, or the one certificate of a DER file. */
export function parseCertificates(bytes: Uint8Array): x509.X509Certificate[] {
  const text = Buffer.from(bytes).toString('latin1');
  try {
    if (text.includes('-----BEGIN CERTIFICATE-----')) {
      const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
      return blocks.map((block) => new x509.X509Certificate(block));
    }
    return [new x509.X509Certificate(bytes as Uint8Array<ArrayBuffer>)];
  } catch (cause) {
    throw new KysoError('INVALID_DOCUMENT', { what: 'certificate file' }, { cause });
  }
}

export function isSelfIssued(cert: x509.X509Certificate): boolean {
  return sameName(cert.subjectName, cert.issuerName);
}

/** Name comparison: identical DER, or equal after case-folding the text form [RFC 5280 §7.1, simplified]. */
export function sameName(a: x509.Name, b: x509.Name): boolean {
  const da = new Uint8Array(a.toArrayBuffer());
  const db = new Uint8Array(b.toArrayBuffer());
  if (da.length === db.length && da.every((byte, i) => byte === db[i])) return true;
  return a.toString().normalize('NFC').toLowerCase().replace(/\s+/g, ' ') === b.toString().normalize('NFC').toLowerCase().replace(/\s+/g, ' ');
}

export function sameCertificate(a: x509.X509Certificate, b: x509.X509Certificate): boolean {
  const da = new Uint8Array(a.rawData);
  const db = new Uint8Array(b.rawData);
  return da.length === db.length && da.every((byte, i) => byte === db[i]);
}

export function samePublicKey(a: x509.X509Certificate, b: x509.X509Certificate): boolean {
  const da = new Uint8Array(a.publicKey.rawData);
  const db = new Uint8Array(b.publicKey.rawData);
  return da.length === db.length && da.every((byte, i) => byte === db[i]);
}

function dedupe(list: readonly x509.X509Certificate[]): x509.X509Certificate[] {
  const out: x509.X509Certificate[] = [];
  for (const cert of list) if (!out.some((c) => sameCertificate(c, cert))) out.push(cert);
  return out;
}
