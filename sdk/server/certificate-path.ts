/**
 * Certificate path building for the server SDK: from the signer's certificate through the intermediates the token
 * supplied to one of the roots the portal trusts. Pure (no state, no network): any server instance gives the
 * same answer for the same input.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { base64ToBytes } from '../../shared/domain/base64.js';

export type TrustedPath = { readonly ok: true; readonly path: string[] } | { readonly ok: false; readonly why: string };

const MAX_PATH_LENGTH = 10;

/**
 * Leaf → intermediates (from the token, untrusted hints) → a trusted root [RFC 5280 §6.1, simplified: names,
 * signatures, validity, CA flag]. Shared by verifyAuthToken and verify; each turns `why` into its own answer.
 */
export async function trustedPath(leafDer: Uint8Array, chain: readonly string[], roots: readonly Uint8Array[], at: Date): Promise<TrustedPath> {
  const parse = (bytes: Uint8Array) => {
    try { return new x509.X509Certificate(bytes as Uint8Array<ArrayBuffer>); } catch { return undefined; }
  };
  const anchors = roots.map(parse).filter((c): c is x509.X509Certificate => c !== undefined);
  if (anchors.length === 0) return { ok: false, why: 'no usable trusted root' };
  const intermediates = chain.map((b64) => parse(base64ToBytes(b64))).filter((c): c is x509.X509Certificate => c !== undefined);

  let current = parse(leafDer)!;
  const path = [current];
  for (let depth = 0; depth < MAX_PATH_LENGTH; depth++) {
    for (const anchor of anchors) {
      if (anchor.subject === current.issuer && await signedBy(current, anchor)) return { ok: true, path: path.map((c) => c.toString('base64')) };
    }
    const next = await findIssuer(current, intermediates, path);
    if (!next) return { ok: false, why: 'no path to a trusted root' };
    if (!(next.notBefore <= at && at <= next.notAfter)) return { ok: false, why: 'intermediate not valid at this time' };
    const constraints = next.getExtension(x509.BasicConstraintsExtension);
    if (!constraints?.ca) return { ok: false, why: 'issuer is not a CA' };
    path.push(next);
    current = next;
  }
  return { ok: false, why: 'path too long' };
}

async function findIssuer(cert: x509.X509Certificate, candidates: readonly x509.X509Certificate[], used: readonly x509.X509Certificate[]) {
  for (const candidate of candidates) {
    if (used.some((u) => u.equal(candidate))) continue;
    if (candidate.subject === cert.issuer && await signedBy(cert, candidate)) return candidate;
  }
  return undefined;
}

async function signedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  try {
    return await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}
