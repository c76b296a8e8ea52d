/** Verification of CMS, PDF and XML signatures, with reasons in Vietnamese and English. */
export { verifyDocument, detectFormat } from './verify-document.js';
export type { VerifyOptions } from './verify-options.js';
export type { VerificationReport, SignatureReport, VerificationStatus, TimestampReport } from './verification-report.js';
