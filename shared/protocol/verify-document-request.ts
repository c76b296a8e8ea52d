/**
 * What a verification request carries, on both boundaries (`kyso.verify` page → extension, `host.verifyDocument`
 * extension → host): the document inline as base64. Inline keeps one request = one frame: a page message is
 * capped at PAGE_MESSAGE_MAX_BYTES (8 MiB of JSON text), so the document, the detached content and any extra
 * roots together stay under VERIFY_INLINE_MAX_BYTES (5.75 MiB raw ≈ 7.67 MiB base64, leaving room for the
 * envelope). Larger files: `kyso verify` on the command line, or a chunked upload (not built yet).
 */
import * as v from 'valibot';
import { Base64Schema } from './common.js';
import { CERTIFICATE_MAX_BYTES } from '../limits.js';

/** Raw bytes of document + content + roots that fit one page message once base64-encoded (4/3), with room for the envelope. */
export const VERIFY_INLINE_MAX_BYTES = 6 * 1024 * 1024 - 256 * 1024;
/**
 * XML: the element every signature must cover — an absolute path of local names ('/HDon/DLHDon') or an Id ('#data').
 * Known formats (e-invoice HDon, tax declaration HSoThueDTu) have their rule built in; see docs/trust-and-verification.md.
 */
export const REQUIRE_ELEMENT_PATTERN = /^(#[A-Za-z_][A-Za-z0-9_.-]{0,127}|(\/[A-Za-z_][A-Za-z0-9_.-]{0,127}){1,32})$/;

/** Extra trust anchors a portal may name for its own documents (e.g. its private test CA). */
export const VERIFY_EXTRA_ROOTS_MAX = 8;

/** Formats a caller may name (native-host/verify/detect-format.ts). */
export const VERIFY_FORMATS = ['pdf', 'xml', 'cms'] as const;
/** The stated use of an accepted weak algorithm, shown in the report. */
export const WEAK_ALGORITHM_USE_MAX_CHARS = 300;

export const VerifyDocumentRequestSchema = v.pipe(
  v.strictObject({
    /** The signed file: PDF, XML, or CMS/PKCS#7 (DER or PEM), base64. */
    document: Base64Schema(VERIFY_INLINE_MAX_BYTES),
    /** The signed content, for a detached CMS signature, base64. */
    content: v.optional(Base64Schema(VERIFY_INLINE_MAX_BYTES)),
    /**
     * Root certificates (base64 DER) to trust for this call only, on top of the host's trust store
     * (KYSO_TRUST_DIR). The report is for the caller alone, so the caller may widen its own trust.
     */
    trustRoots: v.optional(v.pipe(v.array(Base64Schema(CERTIFICATE_MAX_BYTES)), v.maxLength(VERIFY_EXTRA_ROOTS_MAX))),
    /** Ask OCSP/CRL about the signer certificates (default true; the host then makes plain-http requests to the URLs the certificates name). */
    checkRevocation: v.optional(v.boolean()),
    /** XML: the element every signature must cover ('/HDon/DLHDon' or '#data'); not covered → the signature is invalid. */
    requireElement: v.optional(v.pipe(v.string(), v.regex(REQUIRE_ELEMENT_PATTERN))),
    /** The document's format when the caller knows it; preferred over detection from the bytes (as `kyso verify --format`). */
    format: v.optional(v.picklist(VERIFY_FORMATS)),
    /**
     * Accept weak algorithms (SHA-1, RSA under 2048 bits) for this stated use, as `kyso verify --policy` does: such a
     * signature is then reported with WEAK_ALGORITHM_ACCEPTED naming the use, instead of indeterminate. For the
     * caller's report only.
     */
    acceptWeakAlgorithms: v.optional(v.strictObject({ use: v.pipe(v.string(), v.minLength(1), v.maxLength(WEAK_ALGORITHM_USE_MAX_CHARS)) })),
  }),
  v.check(
    (p) => decodedLength(p.document) + decodedLength(p.content ?? '') + (p.trustRoots ?? []).reduce((n, r) => n + decodedLength(r), 0) <= VERIFY_INLINE_MAX_BYTES,
    `document, content and roots together exceed ${VERIFY_INLINE_MAX_BYTES} bytes`,
  ),
);
export type VerifyDocumentRequest = v.InferOutput<typeof VerifyDocumentRequestSchema>;

/** Bytes a strict base64 text decodes to (4 characters → 3 bytes, less one per '=' of padding). */
function decodedLength(text: string): number {
  return (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
}
