/**
 * The verification report as it crosses the host → extension → page boundaries (`host.verifyDocument`,
 * `kyso.verify`). Mirrors `native-host/verify/verification-report.ts` (the type the verifier produces); the
 * host validates its own result against this schema before sending it, and the SDK validates it on receipt.
 * Status rules: see that file (close to ETSI EN 319 102-1 §5.1.3).
 */
import * as v from 'valibot';
import { CertificateInfoSchema } from './common.js';

const Text = v.pipe(v.string(), v.maxLength(2048));
const Url = v.pipe(v.string(), v.maxLength(4096));

export const VerificationStatusSchema = v.picklist(['valid', 'invalid', 'indeterminate']);

/** One finding, with its text in Vietnamese and English. `code` is one of native-host/trust/reasons.ts REASONS. */
export const VerificationReasonSchema = v.strictObject({
  code: v.pipe(v.string(), v.regex(/^[A-Z0-9_]{1,64}$/)),
  vi: Text,
  en: Text,
  detail: v.optional(Text),
});

const SourceSchema = v.picklist(['ocsp', 'crl']);

export const RevocationReportSchema = v.variant('status', [
  v.strictObject({ status: v.literal('good'), source: SourceSchema, url: Url, thisUpdate: Text, nextUpdate: v.optional(Text) }),
  v.strictObject({ status: v.literal('revoked'), source: SourceSchema, url: Url, revokedAt: Text, reason: v.optional(Text) }),
  v.strictObject({ status: v.literal('unknown'), source: v.literal('ocsp'), url: Url }),
  v.strictObject({
    status: v.literal('could-not-check'), why: Text,
    attempts: v.pipe(v.array(v.strictObject({ url: Url, error: Text })), v.maxLength(32)),
  }),
  v.strictObject({ status: v.literal('not-checked') }),
]);

export const TimestampReportSchema = v.strictObject({
  status: VerificationStatusSchema,
  time: v.optional(Text),
  authority: v.optional(Text),
  reasons: v.pipe(v.array(VerificationReasonSchema), v.maxLength(64)),
});

const FormatSchema = v.picklist(['cms', 'pdf', 'xml']);

export const SignatureReportSchema = v.strictObject({
  status: VerificationStatusSchema,
  format: FormatSchema,
  /** The signer's certificate, described like listCertificates does (identifiers MST/CCCD…, recognised CA). */
  signer: v.optional(CertificateInfoSchema),
  signingTime: v.optional(Text),
  timestamp: v.optional(TimestampReportSchema),
  chain: v.strictObject({
    status: v.picklist(['valid', 'invalid', 'untrusted', 'not-built']),
    path: v.pipe(v.array(Text), v.maxLength(16)),
  }),
  revocation: RevocationReportSchema,
  reasons: v.pipe(v.array(VerificationReasonSchema), v.maxLength(64)),
  name: v.optional(Text),
  coversWholeDocument: v.optional(v.boolean()),
  /** XML: what each ds:Reference covers: its URI and target ('/' = whole document, else the element's path). */
  references: v.optional(v.pipe(v.array(v.strictObject({ uri: Text, target: Text })), v.maxLength(64))),
  /** Baseline level reached (PAdES / CAdES / XAdES B-B, B-T, B-LT, B-LTA); absent for invalid signatures and time-stamps. */
  level: v.optional(v.picklist(['B-B', 'B-T', 'B-LT', 'B-LTA'])),
});

export const VerificationReportSchema = v.strictObject({
  /** valid | invalid | indeterminate: the worst of the signatures' statuses; no signature → invalid. */
  status: VerificationStatusSchema,
  format: FormatSchema,
  signatures: v.pipe(v.array(SignatureReportSchema), v.maxLength(256)),
  reasons: v.pipe(v.array(VerificationReasonSchema), v.maxLength(64)),
});

export type VerificationReportMessage = v.InferOutput<typeof VerificationReportSchema>;
export type SignatureReportMessage = v.InferOutput<typeof SignatureReportSchema>;
