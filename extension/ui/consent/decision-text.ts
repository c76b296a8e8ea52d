/**
 * Texts of the consent window's readability layer (issue 11 §4): the always-visible decision bar, the folded
 * technical details and the preview zoom. Kept apart from consent-text.ts so features added to the window by
 * others merge without touching the same lines.
 */
import type { UiLanguage } from './consent-text.js';

export const DECISION_TEXT: Readonly<Record<UiLanguage, {
  signingAs: string;
  chooseCertificatePrompt: string;
  technicalDetails: string;
  zoomIn: string;
  zoomOut: string;
  zoomLabel: (percent: number) => string;
}>> = {
  vi: {
    signingAs: 'Ký với chứng thư số của:',
    chooseCertificatePrompt: 'Bạn có nhiều chứng thư số: hãy chọn chứng thư để ký ở danh sách trên.',
    technicalDetails: 'Chi tiết kỹ thuật (giá trị băm)',
    zoomIn: 'Phóng to',
    zoomOut: 'Thu nhỏ',
    zoomLabel: (percent) => `Cỡ xem ${percent}%`,
  },
  en: {
    signingAs: 'Signing with the certificate of:',
    chooseCertificatePrompt: 'You have several certificates: choose the one to sign with in the list above.',
    technicalDetails: 'Technical details (hash values)',
    zoomIn: 'Zoom in',
    zoomOut: 'Zoom out',
    zoomLabel: (percent) => `Zoom ${percent}%`,
  },
};
