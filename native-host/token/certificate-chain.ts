/**
 * Issuer chain from the certificates a token holds: CAs put their issuing certificate on the token so
 * signers can embed it. OpenSSL's X509_check_issued (through node:crypto `checkIssued`) matches the issuer
 * name and, when present, AKI/SKI [RFC 5280 §4.2.1.1]; the issuer's signature on the child is then checked,
 * so a look-alike certificate with the same name is not picked.
 * node:crypto rather than @peculiar/x509 here: this runs on every signature and is ~100× faster.
 */
import type { X509Certificate } from 'node:crypto';
import { nodeCrypto } from './lazy-builtins.js';

const MAX_CHAIN_LENGTH = 10;

function parse(der: Uint8Array): X509Certificate | undefined {
  try {
    return new (nodeCrypto().X509Certificate)(der);
  } catch {
    return undefined; // Not a certificate we can read: it cannot be in a chain.
  }
}

/** Issuer certificates of `leaf` among `candidates`, leaf's issuer first; stops at a self-issued one. */
export function buildChain(leaf: Uint8Array, candidates: readonly Uint8Array[]): Uint8Array[] {
  const pool = candidates.map((der) => ({ der, cert: parse(der) })).filter((p): p is { der: Uint8Array; cert: X509Certificate } => p.cert !== undefined);
  const chain: Uint8Array[] = [];
  const seen = new Set<string>();
  let current = parse(leaf);
  if (current) seen.add(current.fingerprint256);
  while (current && chain.length < MAX_CHAIN_LENGTH) {
    if (current.checkIssued(current)) break; // self-issued: a root, nothing above it
    const child: X509Certificate = current;
    const issuer = pool.find((p) => !seen.has(p.cert.fingerprint256) && child.checkIssued(p.cert) && safeVerify(child, p.cert));
    if (!issuer) break;
    seen.add(issuer.cert.fingerprint256);
    chain.push(issuer.der);
    current = issuer.cert;
  }
  return chain;
}

function safeVerify(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}
