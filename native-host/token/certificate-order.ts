/**
 * The order certificates are listed in (`host.listCertificates`, `kyso list`, hence the consent window's picker,
 * which preselects the first it may sign with). On each token, in the order tokens were found:
 *   1. certificates that can sign now, then those that cannot now (expired, not yet valid), then those without
 *      a key (CA certificates, copies);
 *   2. within each, holders in the order the driver returned them (so the first holder stays the first), and one
 *      holder's certificates together, newest first.
 * A token that keeps its old certificates after every renewal (20 on one token after a decade is common) so shows
 * the current certificate on top, and one holder's certificates keep one order whatever order the driver returns.
 */
import type { CertificateInfo } from '../../shared/protocol/common.js';

/** 0: has its key and is valid now; 1: has its key, not valid now; 2: no key on the token. */
function standing(c: CertificateInfo): number {
  if (c.unusableReasons.includes('noPrivateKey')) return 2;
  return c.unusableReasons.includes('expired') || c.unusableReasons.includes('notYetValid') ? 1 : 0;
}

/** Who a certificate belongs to: its identifiers (MST, CCCD…) when it has some, else its subject name. */
function holderOf(c: CertificateInfo): string {
  return c.subject.identifiers.all.length > 0 ? c.subject.identifiers.all.join('|') : c.subject.dn;
}

export function orderForListing(certificates: readonly CertificateInfo[]): CertificateInfo[] {
  const firstSeen = new Map<string, number>();
  const rank = (key: string) => {
    if (!firstSeen.has(key)) firstSeen.set(key, firstSeen.size);
    return firstSeen.get(key)!;
  };
  const keyed = certificates.map((c) => ({
    c,
    token: rank(`token\n${c.token?.id ?? ''}`),
    standing: standing(c),
    holder: rank(`holder\n${c.token?.id ?? ''}\n${standing(c)}\n${holderOf(c)}`),
  }));
  keyed.sort((a, b) => a.token - b.token
    || a.standing - b.standing
    || a.holder - b.holder
    || Date.parse(b.c.notBefore) - Date.parse(a.c.notBefore) // renewed later: newer
    || Date.parse(b.c.notAfter) - Date.parse(a.c.notAfter)
    || (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0)); // equal dates never swap between listings
  return keyed.map((k) => k.c);
}

/**
 * Among certificates a selector matched, the renewal to use: when they are all one certificate renewed (same
 * subject, same issuer, on one token), the newest; otherwise undefined (the person must say which, as for one
 * holder's certificates for two bodies).
 */
export function newestRenewal(certificates: readonly CertificateInfo[]): CertificateInfo | undefined {
  const [first] = certificates;
  if (!first) return undefined;
  const sameRole = certificates.every((c) => c.subject.dn === first.subject.dn && c.issuer.dn === first.issuer.dn && c.token?.id === first.token?.id);
  if (!sameRole) return undefined;
  return [...certificates].sort((a, b) => Date.parse(b.notBefore) - Date.parse(a.notBefore) || Date.parse(b.notAfter) - Date.parse(a.notAfter))[0];
}
