/**
 * One rule for weak algorithms, the same for CMS, PDF and XML [ETSI TS 119 312 §6–7, as the EU DSS default
 * validation policy applies it]: SHA-1 (for the document digest or inside the signature algorithm) and RSA keys
 * under 2048 bits are no longer acceptable for new validations. A signature whose mathematics holds but that uses
 * one of them is INDETERMINATE with WEAK_ALGORITHM — never plain valid, never invalid. Vietnamese archives still
 * hold such signatures (e-invoices of 2021–2023, tax notices signed rsa-sha1), so a caller may accept them for a
 * stated use (`--policy` / VerifyOptions.algorithmPolicy): the finding is then WEAK_ALGORITHM_ACCEPTED, which is
 * informational and names that use. Kyso itself never signs with SHA-1 (shared/domain/algorithms.ts).
 */
import { createPublicKey } from 'node:crypto';
import { reason, type Reason } from '../trust/reasons.js';

/** What the caller accepts beyond the default rule. */
export interface AlgorithmPolicy {
  /** Accept SHA-1 and short RSA keys, for this stated use (shown in the report), e.g. "đọc lại hoá đơn 2022 / archive reading". */
  readonly acceptWeakAlgorithms?: { readonly use: string };
}

/** Smallest RSA modulus accepted [ETSI TS 119 312 §7.2: 1900 bits minimum for validity beyond 2019; DSS: 2048]. */
export const MIN_RSA_BITS = 2048;
const WEAK_HASHES: Readonly<Record<string, string>> = { sha1: 'SHA-1', md5: 'MD5' };

export interface AlgorithmsUsed {
  /** node:crypto hash names used for the document digest and the signature ('sha1', 'sha256'…). */
  readonly hashes: readonly (string | undefined)[];
  /** The signer's SubjectPublicKeyInfo DER (to measure an RSA modulus). */
  readonly signerSpki?: Uint8Array;
}

/** What is weak about these algorithms, in words; empty when nothing is. */
export function weakAlgorithmFindings(used: AlgorithmsUsed): string[] {
  const out: string[] = [];
  const hashes = new Set(used.hashes.filter((h): h is string => h !== undefined).map((h) => h.toLowerCase().replace('-', '')));
  for (const hash of hashes) {
    const label = WEAK_HASHES[hash];
    if (label) out.push(`${label} is no longer considered safe`);
  }
  const bits = used.signerSpki ? rsaModulusBits(used.signerSpki) : undefined;
  if (bits !== undefined && bits < MIN_RSA_BITS) out.push(`RSA key of ${bits} bits is under ${MIN_RSA_BITS}`);
  return out;
}

/** The one reason the policy gives for these algorithms, or none. */
export function weakAlgorithmReason(used: AlgorithmsUsed, policy: AlgorithmPolicy | undefined): Reason | undefined {
  const findings = weakAlgorithmFindings(used);
  if (findings.length === 0) return undefined;
  const accepted = policy?.acceptWeakAlgorithms;
  return accepted
    ? reason('WEAK_ALGORITHM_ACCEPTED', `${findings.join('; ')}; accepted for: ${accepted.use.slice(0, 300)}`)
    : reason('WEAK_ALGORITHM', findings.join('; '));
}

function rsaModulusBits(spki: Uint8Array): number | undefined {
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss' ? key.asymmetricKeyDetails?.modulusLength : undefined;
  } catch {
    return undefined;
  }
}
