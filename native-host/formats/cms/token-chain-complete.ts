/**
 * Whether completing a signer's chain (complete-chain.ts) can add nothing to the chain the token gave, decided from
 * the certificates' DER alone (shared/certificates/certificate-fields.ts), so that `kyso sign-*` does not load
 * the path builder, the trust store and @peculiar/x509 (~0.8 MB of code, tens of ms of a start) only to get the
 * same chain back.
 *
 * It says yes only when path building (trust/build-chain.ts) could not find anything else either:
 *   - no trust store is configured (KYSO_TRUST_DIR unset): the only candidates are the token's certificates;
 *   - the token's chain, in its order, is the path: each certificate's issuer Name is byte for byte the next one's
 *     subject, no subject appears twice, the leaf is not among them — so every certificate is already on the path
 *     and none is left to choose among;
 *   - the last certificate is self-issued (byte-equal names) or names no http caIssuers URL to fetch an issuer from.
 * Anything else (a name equal only after case-folding, a certificate the reader refuses) answers no, and the full
 * path building decides, as before.
 */
import { caIssuersUrls, readCertificateFields, type CertificateFields } from '../../../shared/certificates/certificate-fields.js';

export function tokenChainIsComplete(signer: { readonly certificate: Uint8Array; readonly chain: readonly Uint8Array[] }): boolean {
  if (process.env.KYSO_TRUST_DIR) return false;
  let path: CertificateFields[];
  try {
    path = [signer.certificate, ...signer.chain].map(readCertificateFields);
  } catch {
    return false;
  }
  if (signer.chain.some((der) => sameBytes(der, signer.certificate))) return false;
  const subjects = path.slice(1).map((c) => c.subject.der);
  if (subjects.some((s, i) => subjects.findIndex((t) => sameBytes(s, t)) !== i)) return false;
  for (let i = 0; i + 1 < path.length; i++) {
    if (!sameBytes(path[i]!.issuer.der, path[i + 1]!.subject.der)) return false;
    // A self-issued certificate before the end: path building would stop there; let it decide.
    if (sameBytes(path[i]!.issuer.der, path[i]!.subject.der)) return false;
  }
  const last = path[path.length - 1]!;
  if (sameBytes(last.issuer.der, last.subject.der)) return true;
  try {
    return !caIssuersUrls(last).some((url) => /^http:\/\//i.test(url));
  } catch {
    return false;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
