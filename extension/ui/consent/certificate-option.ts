/**
 * One certificate in the consent window's picker: holder, organisation, each Vietnamese identifier as a typed,
 * labelled field ("MST: 0101234567", "CCCD: 001099012345"), issuer with the recognised CA, validity, and — when
 * it cannot be chosen — every reason (its own state: expired…; the portal's filter: not the expected signer…).
 * Stable data-testids: certificate-option (data-certificate-id), certificate-holder, certificate-organization,
 * certificate-identifier (data-identifier-type), certificate-issuer, certificate-validity, certificate-token,
 * unusable-reason.
 */
import type { CertificateInfo } from '../../../shared/protocol/common.js';
import { EXCLUSION_TEXT, type ExclusionReason } from '../../../shared/certificates/choose-certificates.js';
import type { UiLanguage } from './consent-text.js';
import { el as element } from '../dom.js';

const LABELS = {
  vi: {
    holder: 'Người sở hữu', organization: 'Tổ chức', issuer: 'Nơi cấp', validity: 'Hiệu lực', token: 'Thiết bị', serial: 'số sê-ri',
    none: 'Không thấy chứng thư số nào. Hãy cắm thiết bị ký (USB token); danh sách tự cập nhật.',
  },
  en: {
    holder: 'Holder', organization: 'Organisation', issuer: 'Issuer', validity: 'Valid', token: 'Token', serial: 'serial',
    none: 'No certificate found. Plug in your USB token; this list updates by itself.',
  },
} as const;

/** Identifier prefixes (canonical, see shared/certificates/subject-identifiers.ts) and what they are, for the tooltip. */
const IDENTIFIER_NAMES: Readonly<Record<string, { vi: string; en: string }>> = {
  MST: { vi: 'Mã số thuế', en: 'Tax code' },
  MNS: { vi: 'Mã số đơn vị quan hệ ngân sách', en: 'Budget unit code' },
  CCCD: { vi: 'Căn cước công dân', en: 'Citizen ID' },
  CMND: { vi: 'Chứng minh nhân dân', en: 'Old ID card' },
  HC: { vi: 'Hộ chiếu', en: 'Passport' },
  BHXH: { vi: 'Mã số bảo hiểm xã hội', en: 'Social insurance number' },
};

export interface CertificateOptionInput {
  readonly certificate: CertificateInfo;
  readonly language: UiLanguage;
  readonly selected: boolean;
  /** Why the portal's filter rules it out (empty: it fits). */
  readonly exclusions: readonly ExclusionReason[];
  /** Texts for the certificate's own unusableReasons (from consent-text.ts). */
  readonly unusableText: Readonly<Record<string, string>>;
  onSelect(certificateId: string): void;
}

/** Whether the person may pick this certificate. */
export function isSelectable(certificate: CertificateInfo, exclusions: readonly ExclusionReason[] | undefined): boolean {
  return certificate.unusableReasons.length === 0 && (exclusions?.length ?? 0) === 0;
}

/** "MST:0101234567" → ["MST", "0101234567"]. */
export function splitIdentifier(identifier: string): [string, string] {
  const at = identifier.indexOf(':');
  return at < 0 ? ['', identifier] : [identifier.slice(0, at), identifier.slice(at + 1)];
}

export function renderCertificateOption(input: CertificateOptionInput): HTMLElement {
  const { certificate, language } = input;
  const labels = LABELS[language];
  const disabled = !isSelectable(certificate, input.exclusions);
  const option = element('label', { className: `certificate${disabled ? ' disabled' : ''}`, testid: 'certificate-option' });
  option.dataset['certificateId'] = certificate.id;
  const radio = element('input');
  radio.type = 'radio';
  radio.name = 'certificate';
  radio.value = certificate.id;
  radio.disabled = disabled;
  radio.checked = input.selected;
  radio.addEventListener('change', () => input.onSelect(certificate.id));

  const subject = certificate.subject;
  const body = element('div', {});
  body.append(element('div', { className: 'name', testid: 'certificate-holder', text: subject.commonName ?? subject.dn }));
  // The unit (OU) too: it is often all that tells one person's certificates for two bodies apart.
  const organization = [subject.organization, subject.organizationalUnit].filter((x) => x && x !== subject.commonName).join(' — ');
  if (organization) {
    body.append(element('div', { className: 'meta', testid: 'certificate-organization', text: `${labels.organization}: ${organization}` }));
  }
  const ids = element('div', { className: 'identifiers' });
  for (const identifier of subject.identifiers.all) {
    const [type, value] = splitIdentifier(identifier);
    const field = element('span', { className: 'identifier', testid: 'certificate-identifier', text: type ? `${type}: ${value}` : value });
    field.dataset['identifierType'] = type;
    const name = IDENTIFIER_NAMES[type];
    if (name) field.title = name[language];
    ids.append(field);
  }
  if (subject.identifiers.all.length > 0) body.append(ids);
  const issuerName = certificate.issuer.commonName ?? certificate.issuer.organization ?? certificate.issuer.dn;
  body.append(element('div', {
    className: 'meta', testid: 'certificate-issuer',
    text: `${labels.issuer}: ${issuerName}${certificate.issuer.ca && certificate.issuer.ca !== issuerName ? ` (${certificate.issuer.ca})` : ''}`,
  }));
  body.append(element('div', {
    className: 'meta', testid: 'certificate-validity',
    text: `${labels.validity}: ${formatDate(certificate.notBefore, language)} – ${formatDate(certificate.notAfter, language)}`,
  }));
  if (certificate.token) {
    // Two tokens may carry the same label; the serial printed on the token tells them apart.
    const serial = certificate.token.serialNumber ? ` (${labels.serial} ${certificate.token.serialNumber})` : '';
    body.append(element('div', { className: 'meta', testid: 'certificate-token', text: `${labels.token}: ${certificate.token.label}${serial}` }));
  }
  if (disabled) {
    const reasons = [
      ...certificate.unusableReasons.map((r) => input.unusableText[r] ?? r),
      ...input.exclusions.filter((r) => !(certificate.unusableReasons as readonly string[]).includes(r)).map((r) => EXCLUSION_TEXT[r][language]),
    ];
    const reasonBox = element('div', { className: 'reason', testid: 'unusable-reason', text: reasons.join(' ') });
    reasonBox.dataset['reasons'] = [...certificate.unusableReasons, ...input.exclusions].join(' ');
    body.append(reasonBox);
  }
  option.append(radio, body);
  return option;
}

/** Shown instead of the list when no token (or no certificate) is there: hot-plug fills the list when one appears. */
export function renderNoCertificates(language: UiLanguage): HTMLElement {
  return element('div', { className: 'reason', testid: 'no-certificates', text: LABELS[language].none });
}

function formatDate(iso: string, language: UiLanguage): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString(language === 'vi' ? 'vi-VN' : 'en-GB');
}

