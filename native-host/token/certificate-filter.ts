/** Apply a CertificateFilter (shared schema) to described certificates. Pure: no token access. */
import type { CertificateFilter, CertificateInfo } from '../../shared/protocol/common.js';
import { normaliseIdentifier } from '../../shared/certificates/subject-identifiers.js';

export function matchesFilter(cert: CertificateInfo, filter: CertificateFilter = {}): boolean {
  const withPrivateKey = filter.withPrivateKey ?? true;
  if (withPrivateKey && cert.unusableReasons.includes('noPrivateKey')) return false;
  if (filter.validNow && (cert.unusableReasons.includes('expired') || cert.unusableReasons.includes('notYetValid'))) return false;
  if (filter.subjectIdentifier !== undefined) {
    const wanted = normaliseIdentifier(filter.subjectIdentifier);
    // An identifier we cannot parse matches nothing rather than everything.
    if (!wanted || !cert.subject.identifiers.all.includes(wanted)) return false;
  }
  if (filter.issuerContains !== undefined && !cert.issuer.dn.toLocaleLowerCase('vi').includes(filter.issuerContains.toLocaleLowerCase('vi'))) return false;
  if (filter.keyUsage && !filter.keyUsage.every((usage) => cert.keyUsage.includes(usage))) return false;
  return true;
}
