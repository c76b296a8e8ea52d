/**
 * When the consent window must not preselect a certificate. One person often holds certificates that carry the
 * same name and citizen ID but sign for different bodies: the chairman of two communes, a director of two
 * companies, each on its own token from its own CA. Preselecting the first would let one Enter sign for the wrong
 * body, so then nothing is selected and the person picks. Renewals of one certificate (same subject, same issuer)
 * are not such a choice: the newest is listed first (native-host/token/certificate-order.ts); whether it is
 * preselected is certificate-preselection.ts's rule.
 */
import type { CertificateInfo } from '../../../shared/protocol/common.js';

/** Who a certificate names: its identifiers (MST, CCCD…) when it has some, else its common name. */
function holderOf(c: CertificateInfo): string {
  if (c.subject.identifiers.all.length > 0) return c.subject.identifiers.all.join('|');
  return (c.subject.commonName ?? c.subject.dn).normalize('NFC').toLocaleLowerCase('vi');
}

/** True when two of the selectable certificates name the same holder but a different subject or issuer. */
export function needsDeliberateChoice(selectable: readonly CertificateInfo[]): boolean {
  const rolesByHolder = new Map<string, Set<string>>();
  for (const c of selectable) {
    const roles = rolesByHolder.get(holderOf(c)) ?? new Set<string>();
    roles.add(`${c.subject.dn}\n${c.issuer.dn}`);
    rolesByHolder.set(holderOf(c), roles);
  }
  return [...rolesByHolder.values()].some((roles) => roles.size > 1);
}
