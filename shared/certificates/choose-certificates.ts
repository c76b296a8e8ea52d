/**
 * Choosing a certificate: which of the person's certificates fit what the portal asked for, and for each one
 * that does not, why (so the picker greys it out with a reason instead of hiding it).
 */
import type { CertificateFilter, CertificateInfo, ExpectedSigner } from '../protocol/common.js';
import { KysoError } from '../errors/kyso-error.js';
import { normaliseIdentifier, sameIdentifierValue } from './subject-identifiers.js';

export type ExclusionReason =
  | 'expired'
  | 'notYetValid'
  | 'noSigningKeyUsage'
  | 'missingKeyUsage'
  | 'noPrivateKey'
  | 'unsupportedKey'
  | 'issuerMismatch'
  | 'identifierMismatch'
  | 'unexpectedSigner'
  /** Document signing, and the token has a signing certificate beside this authentication-only one (certificate-purpose.ts). */
  | 'authenticationOnly'
  /** Sign-in, and the token has an authentication certificate beside this signing one (certificate-purpose.ts). */
  | 'notForSignIn';

/** Texts for the picker, in Vietnamese and English. */
export const EXCLUSION_TEXT: Readonly<Record<ExclusionReason, { vi: string; en: string }>> = {
  expired: { vi: 'Chứng thư số đã hết hạn.', en: 'The certificate has expired.' },
  notYetValid: { vi: 'Chứng thư số chưa đến ngày có hiệu lực.', en: 'The certificate is not valid yet.' },
  noSigningKeyUsage: { vi: 'Chứng thư số không dùng để ký.', en: 'The certificate is not for signing.' },
  missingKeyUsage: { vi: 'Chứng thư số thiếu mục đích sử dụng mà cổng yêu cầu.', en: 'The certificate lacks a key usage the portal requires.' },
  noPrivateKey: { vi: 'Không có khoá bí mật đi kèm trên thiết bị ký.', en: 'No private key for it on the token.' },
  unsupportedKey: { vi: 'Loại khoá không được hỗ trợ.', en: 'The key type is not supported.' },
  issuerMismatch: { vi: 'Không do tổ chức cấp chứng thư mà cổng yêu cầu cấp.', en: 'Not issued by the CA the portal requires.' },
  identifierMismatch: { vi: 'Không mang mã định danh (MST/CCCD…) mà cổng yêu cầu.', en: 'Does not carry the identifier (tax code, citizen ID…) the portal requires.' },
  unexpectedSigner: { vi: 'Không phải người ký mà cổng yêu cầu.', en: 'Not the signer the portal expects.' },
  authenticationOnly: {
    vi: 'Chứng thư số này chỉ dùng để đăng nhập (xác thực), không dùng để ký văn bản. Hãy chọn chứng thư ký số trên cùng thiết bị.',
    en: 'This certificate is for signing in (authentication) only, not for signing documents. Choose the signing certificate on the same token.',
  },
  notForSignIn: {
    vi: 'Thiết bị ký có chứng thư số riêng để đăng nhập; Kyso dùng chứng thư đó để đăng nhập, không dùng chứng thư ký văn bản này.',
    en: 'The token has a separate certificate for signing in; Kyso signs in with that one, not with this document-signing certificate.',
  },
};

export interface CertificateChoice {
  readonly certificate: CertificateInfo;
  readonly usable: boolean;
  /** Empty when usable; otherwise every reason, in a stable order. */
  readonly excludedBecause: readonly ExclusionReason[];
}

/**
 * Apply a portal's filter at time `at`. Every certificate comes back (usable ones first, original order kept
 * within each group) so the picker can show the others greyed out.
 */
export function filterCertificates(list: readonly CertificateInfo[], filter: CertificateFilter = {}, at: Date = new Date()): CertificateChoice[] {
  const choices = list.map((certificate) => {
    const reasons = exclusionReasons(certificate, filter, at);
    return { certificate, usable: reasons.length === 0, excludedBecause: reasons };
  });
  return [...choices.filter((c) => c.usable), ...choices.filter((c) => !c.usable)];
}

function exclusionReasons(cert: CertificateInfo, filter: CertificateFilter, at: Date): ExclusionReason[] {
  const reasons = new Set<ExclusionReason>();
  // Validity is recomputed at `at`: the describe step may have used another "now".
  if (at.getTime() > Date.parse(cert.notAfter)) reasons.add('expired');
  if (at.getTime() < Date.parse(cert.notBefore)) reasons.add('notYetValid');
  for (const reason of cert.unusableReasons) {
    if (reason === 'expired' || reason === 'notYetValid') continue;
    if (reason === 'noPrivateKey' && filter.withPrivateKey === false) continue;
    reasons.add(reason);
  }
  if (filter.keyUsage && cert.keyUsage.length > 0 && !filter.keyUsage.every((usage) => cert.keyUsage.includes(usage))) reasons.add('missingKeyUsage');
  if (filter.issuerContains) {
    const needle = fold(filter.issuerContains);
    const haystack = fold([cert.issuer.dn, cert.issuer.ca ?? ''].join(' | '));
    if (!haystack.includes(needle)) reasons.add('issuerMismatch');
  }
  if (filter.subjectIdentifier && !carriesIdentifier(cert, filter.subjectIdentifier)) reasons.add('identifierMismatch');
  if (filter.expectedSigner && expectedSignerMismatch(cert, filter.expectedSigner)) reasons.add('unexpectedSigner');
  return [...reasons];
}

/** Whether the certificate carries an identifier given as "PREFIX:value" (e.g. "MST:0101234567"). */
export function carriesIdentifier(cert: CertificateInfo, identifier: string): boolean {
  const wanted = normaliseIdentifier(identifier);
  if (!wanted) return false;
  return cert.subject.identifiers.all.some((have) => have === wanted);
}

/**
 * The field of `expected` that the certificate fails, or undefined when it matches all given fields.
 * An empty expectation matches nothing in particular and therefore everything.
 */
export function expectedSignerMismatch(cert: CertificateInfo, expected: ExpectedSigner): keyof ExpectedSigner | undefined {
  const ids = cert.subject.identifiers;
  if (expected.mst !== undefined && !(ids.mst !== undefined && sameIdentifierValue(ids.mst, expected.mst)) && !carriesIdentifier(cert, `MST:${expected.mst}`)) return 'mst';
  if (expected.cccd !== undefined && !(ids.cccd !== undefined && sameIdentifierValue(ids.cccd, expected.cccd)) && !carriesIdentifier(cert, `CCCD:${expected.cccd}`)) return 'cccd';
  if (expected.identifier !== undefined && !carriesIdentifier(cert, expected.identifier)) return 'identifier';
  if (expected.commonName !== undefined && fold(cert.subject.commonName ?? '') !== fold(expected.commonName)) return 'commonName';
  return undefined;
}

/** Throw UNEXPECTED_SIGNER when the chosen certificate is not the signer the portal named. */
export function checkExpectedSigner(cert: CertificateInfo, expected: ExpectedSigner): void {
  const field = expectedSignerMismatch(cert, expected);
  if (field === undefined) return;
  throw new KysoError('UNEXPECTED_SIGNER', {
    field,
    expected: String(expected[field]),
    actual: actualValue(cert, field),
    certificateId: cert.id,
  });
}

function actualValue(cert: CertificateInfo, field: keyof ExpectedSigner): string {
  switch (field) {
    case 'mst': return cert.subject.identifiers.mst ?? '';
    case 'cccd': return cert.subject.identifiers.cccd ?? '';
    case 'identifier': return cert.subject.identifiers.all.join(', ');
    case 'commonName': return cert.subject.commonName ?? '';
  }
}

/** Case-insensitive, NFC-normalised comparison text (Vietnamese may arrive precomposed or decomposed). */
function fold(text: string): string {
  return text.normalize('NFC').toLocaleLowerCase('vi').trim().replace(/\s+/g, ' ');
}
