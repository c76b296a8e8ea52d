/**
 * Page (SDK) ⇄ extension protocol. The page never names its own origin: the extension takes it from the browser.
 * Lifecycle of every request: the page posts a request with a private MessagePort; the extension answers on that
 * port with `kyso.ack` at once, then exactly one `kyso.result` or `kyso.error`.
 */
import * as v from 'valibot';
import {
  Base64Schema, CertificateFilterSchema, CertificateIdSchema, CertificateInfoSchema, HashAlgorithmSchema,
  ProtocolVersionSchema, RequestIdSchema, SerializedErrorSchema, SignatureResultSchema, SignatureSchemeSchema, TokenInfoSchema,
  SignaturesResultSchema,
} from './common.js';
import { SIGN_HASHES_DESCRIPTION_MAX_CHARS, SIGN_HASHES_MAX } from '../limits.js';
import { AuthChallengeSchema, AuthTokenSchema } from './auth-token.js';
import { VerifyDocumentRequestSchema } from './verify-document-request.js';
import { VerificationReportSchema } from './verification-report.js';
import { DOCUMENT_PAGE_OPERATIONS } from './document-page-operations.js';

// Marker of a page→content-script request on window.postMessage (page-frame.ts: the content script imports it alone).
import { PAGE_REQUEST_CHANNEL } from './page-frame.js';
export { PAGE_REQUEST_CHANNEL };

export const PAGE_OPERATIONS = {
  'kyso.getStatus': {
    /**
     * `report: 'missing'` asks for the `missing` field. Only SDKs that know the field ask for it: older copies of
     * kyso.js check the result with a strict schema and would refuse a field they do not know (sdk/status.ts).
     */
    request: v.strictObject({ report: v.optional(v.literal('missing')) }),
    result: v.strictObject({
      extensionVersion: v.pipe(v.string(), v.maxLength(32)),
      protocolVersion: v.number(),
      host: v.variant('installed', [
        v.strictObject({ installed: v.literal(true), version: v.pipe(v.string(), v.maxLength(32)) }),
        v.strictObject({ installed: v.literal(false), error: SerializedErrorSchema }),
      ]),
      tokens: v.array(TokenInfoSchema),
      /**
       * The first piece missing, so a portal can show the right install link (sdk/status.ts): the host, a loaded
       * PKCS#11 driver, a plugged-in token; null when all are there. Optional: older extensions do not send it.
       */
      missing: v.optional(v.nullable(v.picklist(['host', 'driver', 'token']))),
    }),
    interactive: false,
  },
  'kyso.listCertificates': {
    request: v.strictObject({ filter: v.optional(CertificateFilterSchema) }),
    result: v.strictObject({ certificates: v.array(CertificateInfoSchema) }),
    interactive: false,
  },
  'kyso.signHash': {
    request: v.strictObject({
      hash: Base64Schema(64),
      hashAlgorithm: HashAlgorithmSchema,
      certificateId: v.optional(CertificateIdSchema),
      signatureScheme: v.optional(SignatureSchemeSchema),
      filter: v.optional(CertificateFilterSchema),
      /** Shown to the person in the consent window (e.g. "Tờ khai thuế 01/GTGT"). Plain text. */
      description: v.optional(v.pipe(v.string(), v.maxLength(200))),
    }),
    result: SignatureResultSchema,
    interactive: true,
  },
  /**
   * Many digests, one consent, one PIN (e-invoices, records): the window shows the count and the descriptions;
   * `signatures[i]` signs `hashes[i].hash`. A RAW signing operation like signHash (operations.ts: opt-in per origin).
   */
  'kyso.signHashes': {
    request: v.strictObject({
      hashes: v.pipe(
        v.array(v.strictObject({
          hash: Base64Schema(64),
          /** What this digest stands for, shown in the consent window (e.g. "HĐ 0000123"). Plain text. */
          description: v.optional(v.pipe(v.string(), v.maxLength(SIGN_HASHES_DESCRIPTION_MAX_CHARS))),
        })),
        v.minLength(1),
        v.maxLength(SIGN_HASHES_MAX),
      ),
      hashAlgorithm: HashAlgorithmSchema,
      certificateId: v.optional(CertificateIdSchema),
      signatureScheme: v.optional(SignatureSchemeSchema),
      filter: v.optional(CertificateFilterSchema),
      /** What the whole batch is, shown first in the consent window (e.g. "Hóa đơn tháng 11/2026"). Plain text. */
      description: v.optional(v.pipe(v.string(), v.maxLength(200))),
    }),
    result: SignaturesResultSchema,
    interactive: true,
  },
  /**
   * Sign in with the token [after Web eID]: the server's challenge is signed together with the origin the
   * BROWSER reports (the page cannot name one: strictObject refuses an `origin` field). See auth-token.ts.
   */
  'kyso.authenticate': {
    request: v.strictObject({ challenge: AuthChallengeSchema, filter: v.optional(CertificateFilterSchema) }),
    result: AuthTokenSchema,
    interactive: true,
  },
  /** Verify a signed PDF/XML/CMS document: no token, no PIN, no consent window (see extension/background/certificates/verify-handler.ts). */
  'kyso.verify': {
    request: VerifyDocumentRequestSchema,
    result: VerificationReportSchema,
    interactive: false,
  },
  ...DOCUMENT_PAGE_OPERATIONS,
} as const;

export type PageOperation = keyof typeof PAGE_OPERATIONS;
export type PageRequestPayload<T extends PageOperation> = v.InferOutput<(typeof PAGE_OPERATIONS)[T]['request']>;
export type PageResult<T extends PageOperation> = v.InferOutput<(typeof PAGE_OPERATIONS)[T]['result']>;

const requestVariant = <T extends PageOperation>(type: T) =>
  v.strictObject({ v: ProtocolVersionSchema, id: RequestIdSchema, type: v.literal(type), payload: PAGE_OPERATIONS[type].request });

export const PageRequestSchema = v.variant('type', [
  requestVariant('kyso.getStatus'),
  requestVariant('kyso.listCertificates'),
  requestVariant('kyso.signHash'),
  requestVariant('kyso.signHashes'),
  requestVariant('kyso.authenticate'),
  requestVariant('kyso.verify'),
  requestVariant('kyso.documentBegin'),
  requestVariant('kyso.documentChunk'),
  requestVariant('kyso.documentRead'),
  requestVariant('kyso.signDocuments'),
]);
export type PageRequest = v.InferOutput<typeof PageRequestSchema>;

/** The window.postMessage wrapper the SDK sends; `request` is validated separately so a bad one gets a typed error. */
export const PageEnvelopeSchema = v.strictObject({ channel: v.literal(PAGE_REQUEST_CHANNEL), request: v.unknown() });

export const PageReplySchema = v.variant('type', [
  v.strictObject({ v: ProtocolVersionSchema, id: RequestIdSchema, type: v.literal('kyso.ack') }),
  v.strictObject({ v: ProtocolVersionSchema, id: RequestIdSchema, type: v.literal('kyso.result'), payload: v.unknown() }),
  v.strictObject({ v: ProtocolVersionSchema, id: RequestIdSchema, type: v.literal('kyso.error'), error: SerializedErrorSchema }),
]);
export type PageReply = v.InferOutput<typeof PageReplySchema>;
