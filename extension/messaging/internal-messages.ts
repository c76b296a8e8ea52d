/**
 * Messages inside the extension: content script ⇄ background (over a runtime port per frame) and
 * consent window ⇄ background (runtime messages). Validated on receipt like every other boundary.
 */
import * as v from 'valibot';
import {
  CertificateIdSchema, CertificateInfoSchema, HashAlgorithmSchema, SerializedErrorSchema, TokenInfoSchema,
} from '../../shared/protocol/common.js';
import { PinSchema } from '../../shared/protocol/host-messages.js';
import { EXCLUSION_TEXT, type ExclusionReason } from '../../shared/certificates/choose-certificates.js';
import { PAGE_OPERATIONS, type PageOperation } from '../../shared/protocol/page-messages.js';
import { ConsentDocumentReadSchema, ConsentDocumentSchema } from '../background/documents/consent-documents.js';

export { PAGE_PORT_NAME } from './page-port-name.js';

/** Content script → background. The request was already validated by the content script; the background validates again. */
export const ContentToBackgroundSchema = v.strictObject({ type: v.literal('page.request'), request: v.unknown() });
export type ContentToBackground = v.InferOutput<typeof ContentToBackgroundSchema>;

const SessionIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/));
const OperationSchema = v.picklist(Object.keys(PAGE_OPERATIONS) as PageOperation[]);

export const SiteChoiceSchema = v.picklist(['once', 'always', 'block']);
export type SiteChoice = v.InferOutput<typeof SiteChoiceSchema>;

/** Consent window → background. */
export const ConsentMessageSchema = v.variant('kind', [
  v.strictObject({ kind: v.literal('consent.getState'), sessionId: SessionIdSchema }),
  v.strictObject({ kind: v.literal('consent.site'), sessionId: SessionIdSchema, choice: SiteChoiceSchema }),
  v.strictObject({
    kind: v.literal('consent.approve'), sessionId: SessionIdSchema, certificateId: CertificateIdSchema,
    pin: v.optional(PinSchema),
  }),
  v.strictObject({ kind: v.literal('consent.cancel'), sessionId: SessionIdSchema }),
  /** Re-list tokens and certificates (the window polls while open, for tokens plugged in or pulled out). */
  v.strictObject({ kind: v.literal('consent.refresh'), sessionId: SessionIdSchema }),
  /** A token that shows its certificates only after login: open it with this PIN (host.revealCertificates), then re-list. */
  v.strictObject({ kind: v.literal('consent.reveal'), sessionId: SessionIdSchema, tokenId: TokenInfoSchema.entries.id, pin: v.optional(PinSchema) }),
  ConsentDocumentReadSchema,
]);
export type ConsentMessage = v.InferOutput<typeof ConsentMessageSchema>;

/** What the consent window shows. Never carries a PIN. */
export const ConsentStateSchema = v.strictObject({
  step: v.picklist(['site', 'sign']),
  origin: v.string(),
  /** Present when the requesting frame is embedded in a page of another origin. */
  topOrigin: v.optional(v.string()),
  operation: OperationSchema,
  /** Origins the person is asked to allow or block (step "site"): the frame's and/or the top page's. */
  siteOrigins: v.array(v.string()),
  /** Other consent requests queued behind this one (a count only; which sites wait is not shown). */
  waiting: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  sign: v.optional(v.strictObject({
    description: v.optional(v.string()),
    hashAlgorithm: HashAlgorithmSchema,
    digestHex: v.string(),
    certificates: v.array(CertificateInfoSchema),
    tokens: v.array(TokenInfoSchema),
    /** Certificate id → why the portal's filter rules it out (greyed out with these reasons). */
    exclusions: v.optional(v.record(CertificateIdSchema, v.array(v.picklist(Object.keys(EXCLUSION_TEXT) as ExclusionReason[])))),
    /** Documents being signed (kyso.signDocuments): one entry each, shown with name, size, digest, preview. */
    documents: v.optional(v.array(ConsentDocumentSchema)),
  })),
});
export type ConsentState = v.InferOutput<typeof ConsentStateSchema>;

/** Background → consent window, the reply to each ConsentMessage. */
export const ConsentReplySchema = v.variant('outcome', [
  /** Show (or re-show) this state. */
  v.strictObject({ outcome: v.literal('state'), state: ConsentStateSchema }),
  /** Show this error and let the person try again (wrong PIN), with fresh token state. */
  v.strictObject({ outcome: v.literal('retry'), error: SerializedErrorSchema, state: ConsentStateSchema }),
  /**
   * The signing ended with an error the window says itself (ui/consent/final-error-text.ts: PIN expired, token
   * locked, removed, silent): the page already has it; the window stays, with no way to sign, until closed.
   */
  v.strictObject({ outcome: v.literal('ended'), error: SerializedErrorSchema, state: ConsentStateSchema }),
  /** The session ended; the background closes the window. */
  v.strictObject({ outcome: v.literal('closed'), error: v.optional(SerializedErrorSchema) }),
]);
export type ConsentReply = v.InferOutput<typeof ConsentReplySchema>;
