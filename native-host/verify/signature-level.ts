/**
 * The baseline level a verified signature reaches [ETSI EN 319 142-1 §6 (PAdES), EN 319 122-1 §6 (CAdES),
 * EN 319 132-1 §6 (XAdES)], judged from what was verified, not from what the file claims:
 *   B-B    the signature verified (not invalid);
 *   B-T    and a valid time-stamp proves when it existed: its own signature time-stamp, or (PDF) a valid
 *          document time-stamp over it;
 *   B-LT   and the signer's revocation status was answered from validation data the document carries (DSS,
 *          SignedData crls, XAdES RevocationValues) — it verifies without the network;
 *   B-LTA  and (PDF) that validation data is itself covered by a valid document time-stamp.
 */
import { EMBEDDED_SOURCE_URL } from './embedded-validation-data.js';
import type { SignatureLevel, SignatureReport } from './verification-report.js';

export interface LevelFacts {
  /** A valid document time-stamp covers the signature (PDF). */
  readonly coveredByDocumentTimestamp?: boolean;
  /** A valid document time-stamp covers validation data for the signature (PDF). */
  readonly validationDataSealed?: boolean;
}

export function signatureLevel(report: SignatureReport, facts: LevelFacts = {}): SignatureLevel | undefined {
  if (report.status === 'invalid') return undefined;
  const timestamped = report.timestamp?.status === 'valid' || facts.coveredByDocumentTimestamp === true;
  if (!timestamped) return 'B-B';
  if (!answeredFromEmbeddedData(report)) return 'B-T';
  return facts.validationDataSealed ? 'B-LTA' : 'B-LT';
}

/** The signer's revocation status came from the document's own validation data. */
export function answeredFromEmbeddedData(report: SignatureReport): boolean {
  const r = report.revocation;
  return (r.status === 'good' || r.status === 'revoked') && r.url === EMBEDDED_SOURCE_URL;
}
