/**
 * Validate a built path at a given time [RFC 5280 §6.1, the parts that matter for document signatures]:
 * each certificate signed by the next, each within its validity, every issuer a CA allowed to sign
 * certificates (basicConstraints cA, keyUsage keyCertSign, pathLenConstraint), names chaining, and the
 * signer's key usage fit for signing. Policy processing and name constraints are not done.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { BuiltChain } from './build-chain.js';
import { signedBy } from './build-chain.js';
import { isSelfIssued, sameName } from './trust-store.js';
import { reason, type Reason } from './reasons.js';

export type ChainStatus = 'valid' | 'invalid' | 'untrusted';

export interface PathValidation {
  readonly status: ChainStatus;
  readonly reasons: readonly Reason[];
}

export interface ValidateOptions {
  readonly at: Date;
  /** Require digitalSignature or nonRepudiation on the leaf when it has a keyUsage extension (default true). */
  readonly requireSigningUsage?: boolean;
}

export async function validatePath(chain: BuiltChain, options: ValidateOptions): Promise<PathValidation> {
  const reasons: Reason[] = [];
  const { path } = chain;
  const at = options.at;
  for (let i = 0; i < path.length; i++) {
    const cert = path[i]!;
    const issuer = path[i + 1];
    const isAnchor = chain.anchored && i === path.length - 1;
    const who = label(cert);
    if (at < cert.notBefore) reasons.push(reason('CERT_NOT_YET_VALID', `${who}: notBefore ${cert.notBefore.toISOString()}`));
    if (at > cert.notAfter) reasons.push(reason('CERT_EXPIRED', `${who}: notAfter ${cert.notAfter.toISOString()}`));
    if (issuer) {
      if (!sameName(cert.issuerName, issuer.subjectName) || !(await signedBy(cert, issuer))) reasons.push(reason('CHAIN_BAD_SIGNATURE', who));
      reasons.push(...caProblems(issuer, i, chain.anchored && i + 1 === path.length - 1));
    } else if (!isAnchor && isSelfIssued(cert) && !(await signedBy(cert, cert))) {
      reasons.push(reason('CHAIN_BAD_SIGNATURE', who));
    }
  }
  const leaf = path[0]!;
  const keyUsage = leaf.getExtension(x509.KeyUsagesExtension);
  if ((options.requireSigningUsage ?? true) && keyUsage
    && (keyUsage.usages & (x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation)) === 0) {
    reasons.push(reason('SIGNER_KEY_USAGE', label(leaf)));
  }
  if (reasons.length > 0) return { status: 'invalid', reasons };
  if (!chain.anchored) {
    return { status: 'untrusted', reasons: [reason(chain.problem === 'untrustedRoot' ? 'CHAIN_UNTRUSTED_ROOT' : 'CHAIN_INCOMPLETE', label(path[path.length - 1]!))] };
  }
  return { status: 'valid', reasons: [] };
}

/** `issuer` signs the certificate at `childIndex`; `childIndex` CA certificates lie between it and the leaf. */
function caProblems(issuer: x509.X509Certificate, childIndex: number, issuerIsAnchor: boolean): Reason[] {
  const out: Reason[] = [];
  const who = label(issuer);
  const basic = issuer.getExtension(x509.BasicConstraintsExtension);
  // An anchor without basicConstraints (old v1 roots) is accepted: it is trusted by configuration [RFC 5280 §6.1.1].
  if (basic ? !basic.ca : !issuerIsAnchor) out.push(reason('CA_NOT_AUTHORISED', `${who}: not a CA`));
  const keyUsage = issuer.getExtension(x509.KeyUsagesExtension);
  if (keyUsage && (keyUsage.usages & x509.KeyUsageFlags.keyCertSign) === 0) out.push(reason('CA_NOT_AUTHORISED', `${who}: no keyCertSign`));
  if (basic?.pathLength !== undefined && childIndex > basic.pathLength) out.push(reason('CA_PATH_LENGTH', who));
  return out;
}

/** A short, human label for a certificate in reasons: its CN (or DN) — never a file path. */
export function label(cert: x509.X509Certificate): string {
  return cert.subjectName.getField('CN')[0] ?? cert.subject;
}
