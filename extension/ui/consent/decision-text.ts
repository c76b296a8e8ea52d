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
    signingAs: 'Người ký:',
    chooseCertificatePrompt: 'Hãy chọn chứng thư số để ký (ở trên).',
    technicalDetails: 'Chi tiết kỹ thuật (giá trị băm)',
    zoomIn: 'Phóng to',
    zoomOut: 'Thu nhỏ',
    zoomLabel: (percent) => `Cỡ xem ${percent}%`,
  },
  en: {
    signingAs: 'Signer:',
    chooseCertificatePrompt: 'Choose the certificate to sign with (above).',
    technicalDetails: 'Technical details (hash values)',
    zoomIn: 'Zoom in',
    zoomOut: 'Zoom out',
    zoomLabel: (percent) => `Zoom ${percent}%`,
  },
};
