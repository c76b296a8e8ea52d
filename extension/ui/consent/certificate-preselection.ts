/**
 * Which certificate the consent window selects before the person does. A silent preselection among several
 * usable certificates lets a hurried person sign as the wrong holder (an official's personal and organisation
 * certificates on one token), so the choice is left to the person unless it is not a choice:
 *   - exactly one usable certificate: that one;
 *   - the portal named the expected signer (its filter greyed others out as `unexpectedSigner`): the first usable
 *     one, as before (the portal already decided who signs; the host checks it again);
 *   - otherwise (two or more usable, no expected signer): none — Approve stays disabled until the person picks.
 */
import type { CertificateInfo } from '../../../shared/protocol/common.js';
import type { ExclusionReason } from '../../../shared/certificates/choose-certificates.js';
import { isSelectable } from './certificate-option.js';

export function preselectedCertificate(
  certificates: readonly CertificateInfo[],
  exclusions: Readonly<Record<string, readonly ExclusionReason[]>> | undefined,
): string | null {
  const usable = certificates.filter((c) => isSelectable(c, exclusions?.[c.id]));
  if (usable.length === 1) return usable[0]!.id;
  const expectedSignerNamed = Object.values(exclusions ?? {}).some((reasons) => reasons.includes('unexpectedSigner'));
  return expectedSignerNamed ? usable[0]?.id ?? null : null;
}
