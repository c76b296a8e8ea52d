/**
 * The verification report: one entry per signature, each with its own status and reasons in Vietnamese and
 * English, and a top-level status. Status rules (close to ETSI EN 319 102-1 §5.1.3, simplified):
 *   invalid        the signature or the document is provably wrong (bad signature value, content changed,
 *                  certificate expired / revoked / wrong usage, broken chain signature)
 *   indeterminate  nothing is provably wrong but we cannot vouch for it (untrusted root, revocation could not
 *                  be checked, content missing, unsupported algorithm)
 *   valid          everything checked out
 * The document is invalid if any signature is, else indeterminate if any is, else valid; no signature: invalid.
 */
import type { CertificateInfo } from '../../shared/protocol/common.js';
import type { ChainStatus } from '../trust/validate-path.js';
import type { RevocationResult } from '../trust/revocation-status.js';
import { reason, type Reason, type ReasonCode } from '../trust/reasons.js';
import { KysoError } from '../../shared/errors/kyso-error.js';

export type VerificationStatus = 'valid' | 'invalid' | 'indeterminate';
export type SignatureFormat = 'cms' | 'pdf' | 'xml';

export interface TimestampReport {
  readonly status: VerificationStatus;
  /** genTime of the RFC 3161 token. */
  readonly time?: string;
  readonly authority?: string;
  readonly reasons: readonly Reason[];
}

export interface SignatureReport {
  readonly status: VerificationStatus;
  readonly format: SignatureFormat;
  readonly signer?: CertificateInfo;
  /** The signing time the signer claims (CMS signingTime, PDF /M, XAdES SigningTime). */
  readonly signingTime?: string;
  readonly timestamp?: TimestampReport;
  readonly chain: { readonly status: ChainStatus | 'not-built'; readonly path: readonly string[] };
  readonly revocation: RevocationResult;
  readonly reasons: readonly Reason[];
  /** PDF: the signature field name; XML: the Signature element's Id. */
  readonly name?: string;
  /** PDF: whether the ByteRange covers the whole file. */
  readonly coversWholeDocument?: boolean;
  /** XML: what each ds:Reference covers (its URI and the target: 'whole document' or the element's path). */
  readonly references?: readonly ReferenceReport[];
  /**
   * The baseline level this signature reaches as verified (signature-level.ts): B-B, B-T (a valid signature or
   * document time-stamp over it), B-LT (its revocation answered from data the document carries), B-LTA (that data
   * sealed by a valid document time-stamp). Absent for invalid signatures and for time-stamps themselves.
   */
  readonly level?: SignatureLevel;
}

export const SIGNATURE_LEVELS = ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const;
export type SignatureLevel = (typeof SIGNATURE_LEVELS)[number];

export interface ReferenceReport {
  readonly uri: string;
  /** '/' for the whole document, else the covered element's path such as '/HDon/DLHDon'. */
  readonly target: string;
}

export interface VerificationReport {
  readonly status: VerificationStatus;
  readonly format: SignatureFormat;
  readonly signatures: readonly SignatureReport[];
  /** Document-level findings (e.g. no signatures). */
  readonly reasons: readonly Reason[];
}

/** Reasons that make a signature invalid; every other reason makes it (at best) indeterminate. */
const INVALID_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'SIGNATURE_INVALID', 'CONTENT_MODIFIED', 'CHAIN_BAD_SIGNATURE', 'CERT_EXPIRED', 'CERT_NOT_YET_VALID', 'CA_NOT_AUTHORISED',
  'CA_PATH_LENGTH', 'SIGNER_KEY_USAGE', 'REVOKED', 'SIGNER_EXPIRED_AT_SIGNING', 'SIGNER_NOT_YET_VALID_AT_SIGNING',
  'SIGNING_CERT_MISMATCH', 'TIMESTAMP_INVALID', 'PDF_BYTE_RANGE_INVALID', 'XML_REFERENCE_DIGEST',
  'PDF_DISALLOWED_CHANGE', 'PDF_STRUCTURE_INCONSISTENT', 'XML_SIGNATURE_WRAPPING', 'XML_DUPLICATE_ID', 'XML_REQUIRED_ELEMENT_NOT_COVERED',
]);
/** Findings reported for information that do not lower the status. */
const INFORMATIONAL_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['REVOCATION_SKIPPED', 'PDF_ALLOWED_CHANGE', 'WEAK_ALGORITHM_ACCEPTED', 'CMS_CONTENT_IS_PDF']);

export function statusFromReasons(reasons: readonly Reason[]): VerificationStatus {
  if (reasons.some((r) => INVALID_REASONS.has(r.code))) return 'invalid';
  if (reasons.some((r) => !INFORMATIONAL_REASONS.has(r.code))) return 'indeterminate';
  return 'valid';
}

export function combineStatuses(statuses: readonly VerificationStatus[]): VerificationStatus {
  if (statuses.length === 0 || statuses.includes('invalid')) return 'invalid';
  return statuses.includes('indeterminate') ? 'indeterminate' : 'valid';
}

export function documentReport(format: SignatureFormat, signatures: SignatureReport[], emptyReason: ReasonCode): VerificationReport {
  const reasons = signatures.length === 0 ? [reason(emptyReason)] : [];
  return { status: combineStatuses(signatures.map((s) => s.status)), format, signatures, reasons };
}

/**
 * A signature whose structure broke a parser after the document itself was read (a corrupted certificate,
 * key or attribute): reported as an invalid signature, not thrown, so other signatures are still reported.
 */
export function malformedSignature(format: SignatureFormat, name?: string): SignatureReport {
  return {
    status: 'invalid', format, chain: { status: 'not-built', path: [] }, revocation: { status: 'not-checked' },
    reasons: [reason('SIGNATURE_INVALID', 'malformed signature structure')], ...(name !== undefined ? { name } : {}),
  };
}

/** Run one signature's verification; a parser exception becomes `malformedSignature`, a KysoError passes. */
export async function guardSignature(format: SignatureFormat, name: string | undefined, verify: () => Promise<SignatureReport>): Promise<SignatureReport> {
  try {
    return await verify();
  } catch (error) {
    if (error instanceof KysoError) throw error;
    return malformedSignature(format, name);
  }
}
