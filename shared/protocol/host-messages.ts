/**
 * Extension ⇄ native host protocol. Each operation names its request payload and its result;
 * the union of requests and the reply shapes are derived from that one table.
 * Both the extension (before sending, on receipt) and the host (on receipt) validate with these schemas.
 */
import * as v from 'valibot';
import {
  CertificateFilterSchema, CertificateIdSchema, CertificateInfoSchema, HashAlgorithmSchema, ProtocolVersionSchema,
  RequestIdSchema, SerializedErrorSchema, SignatureResultSchema, SignatureSchemeSchema, TokenInfoSchema, Base64Schema,
  ExpectedSignerSchema, SignaturesResultSchema,
} from './common.js';
import { VerifyDocumentRequestSchema } from './verify-document-request.js';
import { VerificationReportSchema } from './verification-report.js';
import { PIN_MAX_CHARS, PIN_MIN_CHARS, SIGN_HASHES_MAX } from '../limits.js';
import { documentHostOperations } from './document-host-operations.js';
import { HistoryQuerySchema, HistoryResultSchema, SigningRequesterSchema } from './signing-history.js';

/** A PIN as typed by the person: printable, bounded. It travels only consent window → background → host. */
export const PinSchema = v.pipe(
  v.string(),
  v.minLength(PIN_MIN_CHARS),
  v.maxLength(PIN_MAX_CHARS),
  // No control characters: a PIN with one is a paste accident or an attack on the token driver.
  v.regex(/^[^\u0000-\u001f\u007f]+$/),
);

export const HOST_OPERATIONS = {
  'host.hello': {
    request: v.strictObject({ extensionVersion: v.pipe(v.string(), v.maxLength(32)) }),
    result: v.strictObject({
      hostVersion: v.pipe(v.string(), v.maxLength(32)),
      protocolVersion: v.number(),
      modules: v.array(v.strictObject({
        path: v.pipe(v.string(), v.maxLength(4096)),
        loaded: v.boolean(),
        error: v.optional(v.pipe(v.string(), v.maxLength(64))),
        /** The driver's maker when known (docs/tokens.md). */
        vendor: v.optional(v.pipe(v.string(), v.maxLength(256))),
        /** How the host found it: named in KYSO_PKCS11_MODULE or a config file, registered with p11-kit, or a known path. */
        foundBy: v.optional(v.picklist(['environment', 'config-file', 'p11-kit', 'known-path'])),
      })),
    }),
  },
  'host.listTokens': {
    request: v.strictObject({}),
    result: v.strictObject({ tokens: v.array(TokenInfoSchema) }),
  },
  'host.listCertificates': {
    request: v.strictObject({ filter: v.optional(CertificateFilterSchema) }),
    result: v.strictObject({ certificates: v.array(CertificateInfoSchema) }),
  },
  'host.signDigest': {
    request: v.strictObject({
      certificateId: CertificateIdSchema,
      /** The digest to sign, base64; its length must match hashAlgorithm. */
      digest: Base64Schema(64),
      hashAlgorithm: HashAlgorithmSchema,
      /** Defaults to the key's first scheme (RSASSA-PKCS1-v1_5 for RSA, ECDSA for EC). */
      signatureScheme: v.optional(SignatureSchemeSchema),
      /** Absent only for tokens with a protected authentication path (PIN pad). */
      pin: v.optional(PinSchema),
      /** The portal's expected signer: the host refuses (UNEXPECTED_SIGNER) before login when the certificate is not it. */
      expectedSigner: v.optional(ExpectedSignerSchema),
      /** Who asked (origins from the browser's sender), for the signing history; the host checks it again. */
      requester: v.optional(SigningRequesterSchema),
    }),
    result: SignatureResultSchema,
  },
  /**
   * Many digests, one login: the consent window approved all of them at once (kyso.signHashes). The host checks
   * every digest's length BEFORE logging in, so a bad one never costs a PIN try, then signs them in order.
   */
  'host.signDigests': {
    request: v.strictObject({
      certificateId: CertificateIdSchema,
      digests: v.pipe(v.array(Base64Schema(64)), v.minLength(1), v.maxLength(SIGN_HASHES_MAX)),
      hashAlgorithm: HashAlgorithmSchema,
      signatureScheme: v.optional(SignatureSchemeSchema),
      pin: v.optional(PinSchema),
      expectedSigner: v.optional(ExpectedSignerSchema),      /** Who asked (origins from the browser's sender), for the signing history; the host checks it again. */
      requester: v.optional(SigningRequesterSchema),
    }),
    result: SignaturesResultSchema,
  },
  /**
   * A token that shows its certificates only after login (`certificatesAfterLogin`): log in with the PIN the person
   * typed in the consent window (one try), read the certificates, log out. The host remembers them for that token
   * (they are public data; the PIN is never kept), so `host.listCertificates` lists them from then on.
   */
  'host.revealCertificates': {
    request: v.strictObject({
      tokenId: TokenInfoSchema.entries.id,
      /** Absent only for tokens with a protected authentication path (PIN pad). */
      pin: v.optional(PinSchema),
    }),
    result: v.strictObject({ certificateCount: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
  },
  'host.verifyDocument': {
    request: VerifyDocumentRequestSchema,
    result: VerificationReportSchema,
  },
  ...documentHostOperations(PinSchema),
  /** The signing history, for the extension's options page only (the page-facing router has no way to it). */
  'host.history': {
    request: HistoryQuerySchema,
    result: HistoryResultSchema,
  },
} as const;

export type HostOperation = keyof typeof HOST_OPERATIONS;
export type HostRequestPayload<T extends HostOperation> = v.InferOutput<(typeof HOST_OPERATIONS)[T]['request']>;
export type HostResult<T extends HostOperation> = v.InferOutput<(typeof HOST_OPERATIONS)[T]['result']>;

const requestVariant = <T extends HostOperation>(type: T) =>
  v.strictObject({ v: ProtocolVersionSchema, id: RequestIdSchema, type: v.literal(type), payload: HOST_OPERATIONS[type].request });

/** Every message the extension may send to the host. */
export const HostRequestSchema = v.variant('type', [
  requestVariant('host.hello'),
  requestVariant('host.listTokens'),
  requestVariant('host.listCertificates'),
  requestVariant('host.signDigest'),
  requestVariant('host.signDigests'),
  requestVariant('host.revealCertificates'),
  requestVariant('host.verifyDocument'),
  requestVariant('host.documentBegin'),
  requestVariant('host.documentChunk'),
  requestVariant('host.documentInfo'),
  requestVariant('host.documentRead'),
  requestVariant('host.documentDiscard'),
  requestVariant('host.signDocuments'),
  requestVariant('host.history'),
]);
export type HostRequest = v.InferOutput<typeof HostRequestSchema>;

/**
 * Every frame the host may send. A result's payload is validated against the operation of the
 * pending request it answers (the id says which), see `HOST_OPERATIONS[type].result`.
 */
export const HostReplySchema = v.variant('type', [
  v.strictObject({ v: ProtocolVersionSchema, id: RequestIdSchema, type: v.literal('host.result'), payload: v.unknown() }),
  v.strictObject({ v: ProtocolVersionSchema, id: v.union([RequestIdSchema, v.literal('')]), type: v.literal('host.error'), error: SerializedErrorSchema }),
  /**
   * One piece of a reply too large for one frame (host→browser frames are capped at 1 MiB).
   * `data` is a slice of the UTF-8 JSON text of the whole reply; the extension joins `count` pieces in order.
   */
  v.strictObject({
    v: ProtocolVersionSchema, id: RequestIdSchema, type: v.literal('host.chunk'),
    index: v.pipe(v.number(), v.integer(), v.minValue(0)),
    count: v.pipe(v.number(), v.integer(), v.minValue(2), v.maxValue(4096)),
    data: v.string(),
  }),
]);
export type HostReply = v.InferOutput<typeof HostReplySchema>;
