/**
 * Kyso page SDK — type declarations (hand-written; kept in step with sdk/kyso.ts and shared/protocol/*.ts).
 *
 *   import { getStatus, listCertificates, signHash, toBase64, KysoError } from '/sdk/kyso.js';
 *
 * Every field that carries bytes is base64 (RFC 4648 §4, with padding). Every failure is a KysoError.
 */

export type HashAlgorithm = 'SHA-256' | 'SHA-384' | 'SHA-512';
export type SignatureScheme = 'RSASSA-PKCS1-v1_5' | 'RSA-PSS' | 'ECDSA';
export type KeyType = 'RSA' | 'EC';

/** Stable error codes, grouped by who must act (the person, the portal developer, installation, the token, internal). */
export type KysoErrorCode =
  | 'USER_CANCELLED' | 'CONSENT_TIMEOUT' | 'PIN_INCORRECT' | 'PIN_LOCKED' | 'PIN_INVALID_FORMAT' | 'PIN_EXPIRED' | 'REQUEST_SUPERSEDED' | 'DISK_FULL'
  | 'BAD_REQUEST' | 'UNSUPPORTED_VERSION' | 'UNSUPPORTED_ALGORITHM' | 'INVALID_HASH' | 'PAYLOAD_TOO_LARGE' | 'TOO_MANY_REQUESTS'
  | 'ORIGIN_NOT_ALLOWED' | 'ORIGIN_BLOCKED' | 'INSECURE_ORIGIN' | 'OPERATION_NOT_ALLOWED' | 'CERTIFICATE_NOT_FOUND'
  | 'UNEXPECTED_SIGNER' | 'CERTIFICATE_NOT_USABLE' | 'INVALID_DOCUMENT' | 'XML_AMBIGUOUS_CONTENT' | 'UNSUPPORTED_DOCUMENT' | 'TIMESTAMP_FAILED' | 'AUTH_TOKEN_INVALID'
  | 'EXTENSION_NOT_INSTALLED' | 'HOST_NOT_INSTALLED' | 'HOST_DISCONNECTED' | 'VERSION_MISMATCH' | 'PKCS11_MODULE_NOT_FOUND' | 'CALLER_NOT_ALLOWED'
  | 'TOKEN_NOT_PRESENT' | 'TOKEN_REMOVED' | 'KEY_NOT_FOUND' | 'MECHANISM_NOT_SUPPORTED' | 'TOKEN_ERROR'
  | 'TIMEOUT' | 'PROTOCOL_ERROR' | 'FRAME_TOO_LARGE' | 'INTERNAL_ERROR'
  | (string & {});

export type KysoErrorDetails = Readonly<Record<string, string | number | boolean | null>>;

export declare class KysoError extends Error {
  readonly name: 'KysoError';
  /** Stable code: branch on this, not on the message. */
  readonly code: KysoErrorCode;
  readonly details: KysoErrorDetails | undefined;
  constructor(code: KysoErrorCode, details?: KysoErrorDetails, options?: { cause?: unknown });
  /** The message in Vietnamese, for the person. (`message` is English.) */
  get messageVi(): string;
  /** Who must act, and what to do, in both languages. */
  get help(): { actor: string; vi: string; en: string };
  toJSON(): { code: KysoErrorCode; message: string; messageEn: string; details?: KysoErrorDetails };
}

export interface TokenFlags {
  loginRequired: boolean;
  /** A PIN pad on the device: the PIN is typed there, not in the Kyso window. */
  protectedAuthenticationPath: boolean;
  userPinInitialized: boolean;
  userPinCountLow: boolean;
  userPinFinalTry: boolean;
  userPinLocked: boolean;
  userPinToBeChanged: boolean;
}

export interface TokenInfo {
  id: string;
  label: string;
  serialNumber: string;
  manufacturer: string;
  model: string;
  slotDescription: string;
  flags: TokenFlags;
}

export interface NameFields {
  /** The distinguished name as text (RFC 4514 order), diacritics intact. */
  dn: string;
  commonName?: string;
  organization?: string;
  organizationalUnit?: string;
  title?: string;
  locality?: string;
  province?: string;
  country?: string;
  email?: string;
}

/**
 * Identifiers Vietnamese CAs put in the subject (usually UID "MST:0101234567"), normalised: values upper-cased,
 * a tax code's branch suffix kept ("0101234567-001" is the branch, not the parent). Kyso's window shows them as
 * "MST: 0101234567", "CCCD: 001099012345".
 */
export interface SubjectIdentifiers {
  /** Mã số thuế (tax code). */
  mst?: string;
  /** Căn cước công dân (citizen ID, 12 digits), e.g. "001099012345". */
  cccd?: string;
  /** Chứng minh nhân dân (old ID card; "CMND:" or "CMT:" in the certificate). */
  cmnd?: string;
  /** Hộ chiếu (passport; "HC:" in the certificate). */
  passport?: string;
  /** Mã số bảo hiểm xã hội (social insurance number). */
  bhxh?: string;
  /** Mã số đơn vị có quan hệ với ngân sách. */
  mns?: string;
  /** Every identifier found, in order, as "PREFIX:value". */
  all: string[];
}

export type UnusableReason = 'expired' | 'notYetValid' | 'noSigningKeyUsage' | 'noPrivateKey' | 'unsupportedKey' | (string & {});

export interface CertificateInfo {
  /** Opaque, stable id (base64url SHA-256 of the DER): pass it to signHash as certificateId. */
  id: string;
  /** The certificate, base64 DER. */
  der: string;
  subject: NameFields & { identifiers: SubjectIdentifiers };
  issuer: NameFields & { ca?: string };
  /** Hex, lowercase. */
  serialNumber: string;
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  keyType: KeyType;
  keyBits: number;
  namedCurve?: 'P-256' | 'P-384' | 'P-521';
  keyUsage: string[];
  extendedKeyUsage: string[];
  policies: string[];
  fingerprintSha256: string;
  /** Why it cannot sign now; empty when it can. */
  unusableReasons: UnusableReason[];
  token?: { id: string; label: string; serialNumber: string; manufacturer: string; model: string };
}

export interface ExpectedSigner {
  /** Tax code, e.g. "0101234567" or a branch "0101234567-001". */
  mst?: string;
  /** Citizen ID, 12 digits. */
  cccd?: string;
  /** Any identifier as "PREFIX:value". */
  identifier?: string;
  /** Exact common name (NFC, case-insensitive). */
  commonName?: string;
}

export interface CertificateFilter {
  /** Only certificates valid now (default false: expired ones are listed, marked unusable). */
  validNow?: boolean;
  /** e.g. "MST:0101234567" or "CCCD:001099012345". */
  subjectIdentifier?: string;
  /** Text that must occur in the issuer DN (case-insensitive). */
  issuerContains?: string;
  keyUsage?: Array<'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement'>;
  /** Only certificates with a private key on a token (default true). */
  withPrivateKey?: boolean;
  /** The signer the portal expects; other certificates are shown greyed out. */
  expectedSigner?: ExpectedSigner;
}

/** The first piece the person still has to install or plug in (sdk/README.md "Install links"). */
export type MissingPiece = 'extension' | 'host' | 'driver' | 'token';

/** No extension answered within about 1 s: nothing else about the computer is known. */
export interface ExtensionMissingStatus {
  readonly missing: 'extension';
}

/** The extension answered. `missing`: 'host' | 'driver' | 'token', or null when everything is there. */
export interface ExtensionStatus {
  readonly missing: 'host' | 'driver' | 'token' | null;
  extensionVersion: string;
  protocolVersion: number;
  host:
    | { installed: true; version: string }
    | { installed: false; error: { code: KysoErrorCode; message: string; messageEn: string; details?: KysoErrorDetails } };
  tokens: TokenInfo[];
}

/** Narrow on `missing === 'extension'` before reading the other fields. */
export type KysoStatus = ExtensionMissingStatus | ExtensionStatus;

export interface SignHashParams {
  /** The digest, base64; its length must match hashAlgorithm (32, 48 or 64 bytes). */
  hash: string;
  hashAlgorithm: HashAlgorithm;
  /** Sign with this certificate only (from listCertificates). Otherwise the person picks. */
  certificateId?: string;
  /** Default: RSASSA-PKCS1-v1_5 for RSA keys, ECDSA for EC keys. */
  signatureScheme?: SignatureScheme;
  filter?: CertificateFilter;
  /** Shown to the person in the Kyso window (plain text, up to 200 characters), e.g. "Tờ khai thuế 01/GTGT". */
  description?: string;
}

export interface SignatureResult {
  /** Base64. RSA: the raw signature; ECDSA: DER SEQUENCE { r, s }. Already verified against `certificate`. */
  signature: string;
  signatureAlgorithm: SignatureScheme;
  hashAlgorithm: HashAlgorithm;
  /** The signer's certificate, base64 DER. */
  certificate: string;
  /** Issuer certificates found, leaf's issuer first, base64 DER. */
  chain: string[];
}

export interface SignHashesParams {
  /** 1 to 10,000 digests, each base64 of hashAlgorithm's length, with an optional description (≤ 200 characters) shown in the Kyso window. */
  hashes: Array<{ hash: string; description?: string }>;
  hashAlgorithm: HashAlgorithm;
  certificateId?: string;
  signatureScheme?: SignatureScheme;
  filter?: CertificateFilter;
  /** What the whole batch is (≤ 200 characters), e.g. "Hóa đơn tháng 11/2026". */
  description?: string;
}

export interface SignaturesResult {
  /** `signatures[i]` signs `hashes[i].hash`; base64, each already verified against `certificate`. */
  signatures: string[];
  signatureAlgorithm: SignatureScheme;
  hashAlgorithm: HashAlgorithm;
  certificate: string;
  chain: string[];
}

export interface AuthenticateParams {
  /** Your server's fresh random challenge, standard base64, 32–128 bytes once decoded. Single use. */
  challenge: string;
  filter?: CertificateFilter;
}

/**
 * Sign-in token. `signature` is over H(UTF-8 origin) ‖ H(challenge string) with `signatureAlgorithm`/`hashAlgorithm`
 * (H = hashAlgorithm). `origin` comes from the browser, not from your page. Verify it on the server with verifyAuthToken.
 */
export interface AuthToken {
  format: 'kyso-auth:1';
  origin: string;
  challenge: string;
  /** Base64 DER. */
  certificate: string;
  chain: string[];
  signatureAlgorithm: SignatureScheme;
  hashAlgorithm: HashAlgorithm;
  /** Base64. RSA: raw; ECDSA: DER SEQUENCE { r, s }. */
  signature: string;
}

export interface KysoClient {
  getStatus(): Promise<KysoStatus>;
  listCertificates(filter?: CertificateFilter): Promise<CertificateInfo[]>;
  signHash(params: SignHashParams): Promise<SignatureResult>;
  signHashes(params: SignHashesParams): Promise<SignaturesResult>;
  authenticate(params: AuthenticateParams): Promise<AuthToken>;
  verify(document: Uint8Array | ArrayBuffer, options?: VerifyOptions): Promise<VerificationReport>;
}

export interface VerifyOptions {
  /** The signed content, for a detached CMS signature (.p7s without the data). */
  readonly content?: Uint8Array | ArrayBuffer;
  /** Root certificates (DER) to trust for this call, e.g. your own test CA; added to the host's trust store (KYSO_TRUST_DIR). */
  readonly trustRoots?: readonly (Uint8Array | ArrayBuffer)[];
  /** Ask OCSP/CRL about the signers (default true). */
  readonly checkRevocation?: boolean;
  /**
   * XML: the element every signature must cover, '/HDon/DLHDon' (exactly one element at that path) or '#data' (an
   * Id). A signature that does not cover it is invalid (XML_SIGNATURE_WRAPPING or XML_REQUIRED_ELEMENT_NOT_COVERED).
   */
  readonly requireElement?: string;
  /** The document's format if you know it; otherwise detected from the file's structure. */
  readonly format?: 'pdf' | 'xml' | 'cms';
  /** Accept weak algorithms (SHA-1, RSA < 2048) for a stated use: reported WEAK_ALGORITHM_ACCEPTED instead of indeterminate. */
  readonly acceptWeakAlgorithms?: { readonly use: string };
}

export type VerificationStatus = 'valid' | 'invalid' | 'indeterminate';

/** A finding about a signature or document, in Vietnamese and English. `code` e.g. CONTENT_MODIFIED, CHAIN_UNTRUSTED_ROOT, REVOKED. */
export interface VerificationReason {
  code: string;
  vi: string;
  en: string;
  detail?: string;
}

export type RevocationReport =
  | { status: 'good'; source: 'ocsp' | 'crl'; url: string; thisUpdate: string; nextUpdate?: string }
  | { status: 'revoked'; source: 'ocsp' | 'crl'; url: string; revokedAt: string; reason?: string }
  | { status: 'unknown'; source: 'ocsp'; url: string }
  | { status: 'could-not-check'; why: string; attempts: { url: string; error: string }[] }
  | { status: 'not-checked' };

export interface SignatureReport {
  status: VerificationStatus;
  format: 'cms' | 'pdf' | 'xml';
  /** The signer's certificate, described like listCertificates (subject.identifiers.mst / .cccd …, issuer.ca). */
  signer?: CertificateInfo;
  /** The signing time the signer claims (CMS signingTime, PDF /M, XAdES SigningTime). */
  signingTime?: string;
  timestamp?: { status: VerificationStatus; time?: string; authority?: string; reasons: VerificationReason[] };
  chain: { status: 'valid' | 'invalid' | 'untrusted' | 'not-built'; path: string[] };
  revocation: RevocationReport;
  reasons: VerificationReason[];
  /** PDF: the signature field name; XML: the Signature element's Id. */
  name?: string;
  /** PDF: whether this signature covers the whole file. */
  coversWholeDocument?: boolean;
  /** XML: what each ds:Reference covers: its URI and target ('/' = the whole document, else the element's path such as '/HDon/DLHDon'). */
  references?: { uri: string; target: string }[];
  /** Baseline level reached as verified (B-LT: revocation answered from data the document carries; B-LTA: sealed by a document time-stamp). Absent for invalid signatures and time-stamps. */
  level?: 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';
}

/** `invalid` if any signature is (or there is none), else `indeterminate` if any is, else `valid`. */
export interface VerificationReport {
  status: VerificationStatus;
  format: 'cms' | 'pdf' | 'xml';
  signatures: SignatureReport[];
  reasons: VerificationReason[];
}

export interface PageTarget {
  /** `transfer` carries one MessagePort; typed as object[] so these declarations need no DOM library (a Node server imports them through @kyso/sdk/server). */
  postMessage(message: unknown, targetOrigin: string, transfer: object[]): void;
}

export interface TransportOptions {
  readonly target: PageTarget;
  readonly origin: string;
  readonly ackTimeoutMs?: number;
  readonly quickTimeoutMs?: number;
  readonly interactiveTimeoutMs?: number;
}

/** A client bound to a window; the functions below use the page's own window. */
export declare function createClient(options: TransportOptions): KysoClient;

/** Extension, host, driver and token state; `missing` says which piece to install (resolves `{ missing: 'extension' }` within about 1 s when the extension is absent). */
export declare function getStatus(): Promise<KysoStatus>;
/** Certificates on the plugged-in tokens. */
export declare function listCertificates(filter?: CertificateFilter): Promise<CertificateInfo[]>;
/** Ask the person to sign a digest in the Kyso window; resolves with a signature already verified against its certificate. */
export declare function signHash(params: SignHashParams): Promise<SignatureResult>;
/**
 * Sign many digests with ONE Kyso window and one PIN (the window shows the count and your descriptions). Raw
 * signing: the site must be opted in exactly as for signHash (else OPERATION_NOT_ALLOWED).
 */
export declare function signHashes(params: SignHashesParams): Promise<SignaturesResult>;
/** Sign in with the token: the person approves "Sign in to <origin>" in the Kyso window. Verify the token on your server. */
export declare function authenticate(params: AuthenticateParams): Promise<AuthToken>;
/**
 * Verify the signatures of a PDF, XML or CMS document (≤ 5.75 MiB with its content; larger → PAYLOAD_TOO_LARGE) with
 * Kyso's verifier on the person's computer. No window, no PIN; the site must be allowed (policy operation "verify").
 */
export declare function verify(document: Uint8Array | ArrayBuffer, options?: VerifyOptions): Promise<VerificationReport>;

export declare function toBase64(bytes: Uint8Array): string;
export declare function fromBase64(text: string): Uint8Array;
export declare const SIGNATURE_SCHEMES_FOR_KEY: Readonly<Record<KeyType, readonly SignatureScheme[]>>;

// ── Documents (sdk/documents.ts) ──
export type DocumentInput = Blob | ArrayBuffer | Uint8Array;
export type DocumentKind = 'pdf' | 'xml' | 'cms';
/** PDF user space: points (1/72 in), origin bottom-left of the page, before /Rotate. */
export interface PdfRect { x: number; y: number; width: number; height: number }
export interface PdfStamp {
  /** 1-based; default the last page. */
  page?: number;
  rect?: PdfRect;
  anchor?: { text: string; position?: 'below' | 'right'; occurrence?: number };
  size?: { width: number; height: number };
  /** Base64 PNG or JPEG (≤ 2 MiB each). */
  signatureImage?: string;
  sealImage?: string;
  lines?: string[];
  /** 'serif': Times New Roman where installed, else Liberation Serif, else DejaVu Serif; default 'sans' (DejaVu Sans). */
  typeface?: 'sans' | 'serif';
  /** Default 'red'; 'black' for Decree 30 copy and appendix marks. */
  textColor?: 'red' | 'black';
}
export interface PdfSignOptions {
  invisible?: boolean;
  visible?: PdfStamp;
  reason?: string;
  location?: string;
  contactInfo?: string;
  subFilter?: 'ETSI.CAdES.detached' | 'adbe.pkcs7.detached';
  hashAlgorithm?: HashAlgorithm;
  tsaUrl?: string;
  /** PAdES level; default B-T with tsaUrl, else B-B. B-LT adds validation data (DSS), B-LTA also a document time-stamp; B-T and up need tsaUrl. */
  level?: 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';
}
export interface XmlSignOptions {
  /** Where the Signature goes (local name or path such as "DSCKS/NBan"); default the root. */
  parent?: string;
  /** Id of the element to sign (URI="#id"); default the whole document. */
  ref?: string;
  xades?: boolean;
  c14n?: 'exc' | 'inc';
  signingTimeProperty?: boolean;
  hashAlgorithm?: HashAlgorithm;
  signatureScheme?: SignatureScheme;
  tsaUrl?: string;
}
export interface CmsSignOptions {
  attached?: boolean;
  hashAlgorithm?: HashAlgorithm;
  signatureScheme?: SignatureScheme;
  /** No signingTime attribute (PAdES: the server embeds the CMS in its prepared PDF). */
  pades?: boolean;
  tsaUrl?: string;
}
export interface SigningChoice {
  readonly certificateId?: string;
  readonly filter?: CertificateFilter;
  readonly description?: string;
}
export interface SignPdfParams extends SigningChoice, PdfSignOptions { readonly document: DocumentInput; readonly fileName?: string }
export interface SignXmlParams extends SigningChoice, XmlSignOptions { readonly document: DocumentInput; readonly fileName?: string }
/** Exactly one of `data` or `digest` (base64). */
export interface SignCmsParams extends SigningChoice, CmsSignOptions {
  readonly data?: DocumentInput;
  readonly digest?: string;
  readonly hashAlgorithm?: HashAlgorithm;
  readonly fileName?: string;
}
export interface SignedDocument { readonly document: Uint8Array; readonly sha256: string; readonly certificate: string; readonly chain: string[] }
export interface SignedCms { readonly cms: string; readonly certificate: string; readonly chain: string[] }
export type BatchDocument =
  | { readonly kind: 'pdf'; readonly document: DocumentInput; readonly fileName?: string; readonly options?: PdfSignOptions }
  | { readonly kind: 'xml'; readonly document: DocumentInput; readonly fileName?: string; readonly options?: XmlSignOptions }
  | { readonly kind: 'cms'; readonly document?: DocumentInput; readonly digest?: string; readonly fileName?: string; readonly options?: CmsSignOptions };
export interface SignBatchParams extends SigningChoice { readonly documents: readonly BatchDocument[] }
export type BatchItemResult =
  | { readonly ok: true; readonly kind: DocumentKind; readonly document: Uint8Array; readonly sha256: string }
  | { readonly ok: false; readonly kind: DocumentKind; readonly error: KysoError };
export interface SignBatchResult { readonly certificate: string; readonly chain: string[]; readonly results: BatchItemResult[] }

/** Sign a PDF (PAdES; visible stamp unless `invisible`). The document crosses in chunks; one Kyso window with a preview. */
export declare function signPdf(params: SignPdfParams): Promise<SignedDocument>;
/** Sign an XML document (enveloped XML-DSig, optionally XAdES-BES); the window shows e-invoice number, seller, buyer, total. */
export declare function signXml(params: SignXmlParams): Promise<SignedDocument>;
/** CMS/CAdES over data (detached or attached) or over a digest your server computed. */
export declare function signCms(params: SignCmsParams): Promise<SignedCms>;
/** Several documents, ONE window and ONE PIN; results in order, each ok or with its own KysoError. */
export declare function signBatch(params: SignBatchParams): Promise<SignBatchResult>;
