/** Schemas shared by both directions of both boundaries. Types are inferred from the schemas. */
import * as v from 'valibot';
import { ERROR_CODES } from '../errors/catalogue.js';
import { isStrictBase64 } from '../domain/base64.js';
import { HASH_ALGORITHMS, KEY_TYPES, SIGNATURE_SCHEMES } from '../domain/algorithms.js';
import { PROTOCOL_VERSION, REQUEST_ID_MAX_CHARS, CERTIFICATE_MAX_BYTES, SIGN_HASHES_MAX } from '../limits.js';

export const ProtocolVersionSchema = v.literal(PROTOCOL_VERSION);

/** Request ids are chosen by the requester: printable, bounded, unguessable when made by `newRequestId`. */
export const RequestIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/), v.maxLength(REQUEST_ID_MAX_CHARS));

export const Base64Schema = (maxBytes: number) =>
  v.pipe(
    v.string(),
    v.maxLength(Math.ceil(maxBytes / 3) * 4),
    // Not a regex with a repeated group: that overflows V8's stack on multi-MB strings (see domain/base64.ts).
    v.check(isStrictBase64, 'not strict base64'),
  );

export const CertificateDerSchema = Base64Schema(CERTIFICATE_MAX_BYTES);
export const HashAlgorithmSchema = v.picklist(HASH_ALGORITHMS);
export const SignatureSchemeSchema = v.picklist(SIGNATURE_SCHEMES);
export const KeyTypeSchema = v.picklist(KEY_TYPES);

/** Opaque certificate id: base64url SHA-256 fingerprint of the certificate DER (stable across sessions). */
export const CertificateIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,64}$/));

const ShortText = v.pipe(v.string(), v.maxLength(1024));
const DetailValue = v.union([v.pipe(v.string(), v.maxLength(512)), v.number(), v.boolean(), v.null()]);

export const SerializedErrorSchema = v.strictObject({
  code: v.picklist(ERROR_CODES),
  message: ShortText,
  messageEn: ShortText,
  details: v.optional(v.record(v.pipe(v.string(), v.maxLength(40)), DetailValue)),
});

/** State flags of a token [PKCS#11 2.40 §3.2 CK_TOKEN_INFO]. */
export const TokenFlagsSchema = v.strictObject({
  loginRequired: v.boolean(),
  protectedAuthenticationPath: v.boolean(),
  userPinInitialized: v.boolean(),
  userPinCountLow: v.boolean(),
  userPinFinalTry: v.boolean(),
  userPinLocked: v.boolean(),
  userPinToBeChanged: v.boolean(),
});

/**
 * The PKCS#11 driver (module) a token is reached through: several drivers load side by side. Only the file
 * name: this reaches web pages (listTokens, listCertificates), and a full path can hold the person's user name.
 */
export const TokenDriverSchema = v.strictObject({
  file: v.pipe(v.string(), v.maxLength(255)),
  /** The driver's maker when Kyso knows the file (docs/tokens.md). */
  vendor: v.optional(ShortText),
});

export const TokenInfoSchema = v.strictObject({
  /** Stable id: derived from the module and the token's serial, not from the slot number (which changes). */
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/)),
  label: ShortText,
  serialNumber: ShortText,
  manufacturer: ShortText,
  model: ShortText,
  slotDescription: ShortText,
  flags: TokenFlagsSchema,
  driver: v.optional(TokenDriverSchema),
  /**
   * The token shows its certificates only after login: before it, it shows keys but no certificate (issue 13 §2).
   * Its certificates are not listed; a request naming one (by id or subject identifier) with the PIN is served by
   * logging in first. Absent for every other token.
   */
  certificatesAfterLogin: v.optional(v.literal(true)),
});

const NameFieldsSchema = v.strictObject({
  /** The distinguished name as text (RFC 4514 order), diacritics intact. */
  dn: v.pipe(v.string(), v.maxLength(4096)),
  commonName: v.optional(ShortText),
  organization: v.optional(ShortText),
  organizationalUnit: v.optional(ShortText),
  title: v.optional(ShortText),
  locality: v.optional(ShortText),
  province: v.optional(ShortText),
  country: v.optional(ShortText),
  email: v.optional(ShortText),
});

/** Identifiers Vietnamese CAs put in the subject (UID "MST:…", "CCCD:…" …), normalised to typed fields. */
export const SubjectIdentifiersSchema = v.strictObject({
  mst: v.optional(ShortText),
  cccd: v.optional(ShortText),
  cmnd: v.optional(ShortText),
  passport: v.optional(ShortText),
  bhxh: v.optional(ShortText),
  /** Budget-relationship unit code (mã số đơn vị có quan hệ với ngân sách, "MNS:"). */
  mns: v.optional(ShortText),
  /** Every identifier found, in order, as "PREFIX:value". */
  all: v.array(ShortText),
});

export const CertificateInfoSchema = v.strictObject({
  id: CertificateIdSchema,
  der: CertificateDerSchema,
  subject: v.strictObject({ ...NameFieldsSchema.entries, identifiers: SubjectIdentifiersSchema }),
  issuer: v.strictObject({ ...NameFieldsSchema.entries, /** Recognised CA (e.g. "VGCA", "VNPT-CA"), when known. */ ca: v.optional(ShortText) }),
  serialNumber: v.pipe(v.string(), v.regex(/^[0-9a-f]{1,128}$/)),
  notBefore: v.pipe(v.string(), v.isoTimestamp()),
  notAfter: v.pipe(v.string(), v.isoTimestamp()),
  keyType: KeyTypeSchema,
  /** RSA modulus bits or EC curve size bits. */
  keyBits: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(16384)),
  namedCurve: v.optional(v.picklist(['P-256', 'P-384', 'P-521'])),
  keyUsage: v.array(ShortText),
  extendedKeyUsage: v.array(ShortText),
  policies: v.array(ShortText),
  fingerprintSha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  /** Why this certificate cannot sign now; empty when it can. */
  unusableReasons: v.array(v.picklist(['expired', 'notYetValid', 'noSigningKeyUsage', 'noPrivateKey', 'unsupportedKey'])),
  /** The token that holds it (absent for certificates not on a token). */
  token: v.optional(v.strictObject({
    id: TokenInfoSchema.entries.id, label: ShortText, serialNumber: ShortText, manufacturer: ShortText, model: ShortText,
    driver: v.optional(TokenDriverSchema),
  })),
});

/** Who the portal expects to sign: every given field must match the certificate's subject. */
export const ExpectedSignerSchema = v.strictObject({
  /** Tax code (mã số thuế), e.g. "0101234567" or a branch "0101234567-001". */
  mst: v.optional(v.pipe(v.string(), v.maxLength(64))),
  /** Citizen ID (căn cước công dân), 12 digits. */
  cccd: v.optional(v.pipe(v.string(), v.maxLength(64))),
  /** Any identifier as "PREFIX:value", e.g. "CMND:123456789", "MNS:1234567". */
  identifier: v.optional(v.pipe(v.string(), v.maxLength(128))),
  /** Exact common name (compared after Unicode NFC normalisation, case-insensitive). */
  commonName: v.optional(v.pipe(v.string(), v.maxLength(256))),
});

export const CertificateFilterSchema = v.strictObject({
  /** Only certificates valid at this moment (default false: expired ones are listed but not usable). */
  validNow: v.optional(v.boolean()),
  /** A subject identifier the certificate must carry, e.g. "MST:0101234567" or "CCCD:001099012345". */
  subjectIdentifier: v.optional(v.pipe(v.string(), v.maxLength(128))),
  /** Text that must occur in the issuer's distinguished name (case-insensitive). */
  issuerContains: v.optional(v.pipe(v.string(), v.maxLength(256))),
  /** Key usages the certificate must all carry, e.g. ["digitalSignature", "nonRepudiation"]. */
  keyUsage: v.optional(v.array(v.picklist(['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement']))),
  /** Only certificates with a private key on a token (default true). */
  withPrivateKey: v.optional(v.boolean()),
  /** The signer the portal expects; other certificates are shown greyed out with the reason. */
  expectedSigner: v.optional(ExpectedSignerSchema),
});

export const SignatureResultSchema = v.strictObject({
  signature: Base64Schema(2048),
  signatureAlgorithm: SignatureSchemeSchema,
  hashAlgorithm: HashAlgorithmSchema,
  /** The signer's certificate, base64 DER. */
  certificate: CertificateDerSchema,
  /** Issuer certificates found on the token (and later the trust store), leaf's issuer first. */
  chain: v.pipe(v.array(CertificateDerSchema), v.maxLength(10)),
});

/**
 * Many digests signed under one consent (kyso.signHashes / host.signDigests): `signatures[i]` is the signature of
 * the i-th digest of the request, all by the same key.
 */
export const SignaturesResultSchema = v.strictObject({
  signatures: v.pipe(v.array(Base64Schema(2048)), v.minLength(1), v.maxLength(SIGN_HASHES_MAX)),
  signatureAlgorithm: SignatureSchemeSchema,
  hashAlgorithm: HashAlgorithmSchema,
  certificate: CertificateDerSchema,
  chain: v.pipe(v.array(CertificateDerSchema), v.maxLength(10)),
});

export type SerializedErrorMessage = v.InferOutput<typeof SerializedErrorSchema>;
export type TokenFlags = v.InferOutput<typeof TokenFlagsSchema>;
export type TokenInfo = v.InferOutput<typeof TokenInfoSchema>;
export type SubjectIdentifiers = v.InferOutput<typeof SubjectIdentifiersSchema>;
export type CertificateInfo = v.InferOutput<typeof CertificateInfoSchema>;
export type ExpectedSigner = v.InferOutput<typeof ExpectedSignerSchema>;
export type CertificateFilter = v.InferOutput<typeof CertificateFilterSchema>;
export type SignatureResult = v.InferOutput<typeof SignatureResultSchema>;
export type SignaturesResult = v.InferOutput<typeof SignaturesResultSchema>;
export type UnusableReason = CertificateInfo['unusableReasons'][number];
