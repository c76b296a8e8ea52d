/**
 * Issuer chain from the certificates a token holds: CAs put their issuing certificate on the token so
 * signers can embed it. Matching is by issuer/subject name, refined by AKI/SKI when both exist [RFC 5280 §4.2.1.1].
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { parseCertificate } from '../../shared/certificates/describe-certificate.js';

const MAX_CHAIN_LENGTH = 10;

interface Parsed {
  readonly der: Uint8Array;
  readonly subject: string;
  readonly issuer: string;
  readonly ski: string | undefined;
  readonly aki: string | undefined;
}

function parse(der: Uint8Array): Parsed | undefined {
  try {
    const cert = parseCertificate(der);
    const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId?.toLowerCase();
    const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId?.toLowerCase();
    return {
      der,
      subject: Buffer.from(cert.subjectName.toArrayBuffer()).toString('hex'),
      issuer: Buffer.from(cert.issuerName.toArrayBuffer()).toString('hex'),
      ski,
      aki,
    };
  } catch {
    return undefined; // Not a certificate we can read: it cannot be in a chain.
  }
}

/** Issuer certificates of `leaf` among `candidates`, leaf's issuer first; stops at a self-issued one. */
export function buildChain(leaf: Uint8Array, candidates: readonly Uint8Array[]): Uint8Array[] {
  const pool = candidates.map(parse).filter((p): p is Parsed => p !== undefined);
  const chain: Uint8Array[] = [];
  let current = parse(leaf);
  const seen = new Set<string>();
  while (current && chain.length < MAX_CHAIN_LENGTH) {
    if (current.subject === current.issuer && (!current.aki || !current.ski || current.aki === current.ski)) break;
    const cur = current;
    const issuer = pool.find((c) => c.subject === cur.issuer && (!cur.aki || !c.ski || cur.aki === c.ski)
      && Buffer.compare(Buffer.from(c.der), Buffer.from(cur.der)) !== 0);
    if (!issuer) break;
    const key = Buffer.from(issuer.der).toString('base64');
    if (seen.has(key)) break;
    seen.add(key);
    chain.push(issuer.der);
    current = issuer;
  }
  return chain;
}
