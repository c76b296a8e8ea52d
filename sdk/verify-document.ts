/**
 * `verify(document, options)`: ask Kyso (extension → native host) to verify the signatures of a PDF, an XML
 * document or a CMS/PKCS#7 file. No window, no PIN. The report has a top-level `status`
 * (valid | invalid | indeterminate) and, per signature, the signer (with Vietnamese identifiers), chain and
 * revocation results and reasons in Vietnamese and English. Trust: the host's trust store (KYSO_TRUST_DIR on the
 * person's computer) plus `trustRoots` for this call.
 */
import { KysoError } from '../shared/errors/kyso-error.js';
import { bytesToBase64 } from '../shared/domain/base64.js';
import { VERIFY_INLINE_MAX_BYTES } from '../shared/protocol/verify-document-request.js';
import type { VerificationReportMessage } from '../shared/protocol/verification-report.js';
import type { Call } from './transport.js';

export type VerificationReport = VerificationReportMessage;

export interface VerifyOptions {
  /** The signed content, for a detached CMS signature (.p7s without the data). */
  readonly content?: Uint8Array | ArrayBuffer;
  /** Root certificates (DER) to trust for this call, e.g. your own test CA. */
  readonly trustRoots?: readonly (Uint8Array | ArrayBuffer)[];
  /** Ask OCSP/CRL about the signers (default true). */
  readonly checkRevocation?: boolean;
  /**
   * XML: the element every signature must cover, '/HDon/DLHDon' (exactly one element at that path) or '#data' (an
   * Id). A signature that does not cover it is invalid (XML_SIGNATURE_WRAPPING or XML_REQUIRED_ELEMENT_NOT_COVERED).
   */
  readonly requireElement?: string;
  /** The document's format if you know it ('pdf' | 'xml' | 'cms'); otherwise it is detected from the file's structure. */
  readonly format?: 'pdf' | 'xml' | 'cms';
  /**
   * Accept weak algorithms (SHA-1, RSA under 2048 bits) for a stated use, e.g. reading 2022 e-invoices from an
   * archive: such signatures are then reported with WEAK_ALGORITHM_ACCEPTED naming `use`, instead of indeterminate.
   */
  readonly acceptWeakAlgorithms?: { readonly use: string };
}

/** Documents (plus content and roots) larger than this (5.75 MiB) must be verified on the server or with `kyso verify`. */
export const VERIFY_MAX_BYTES = VERIFY_INLINE_MAX_BYTES;

export async function verifyWith(call: Call, document: Uint8Array | ArrayBuffer, options: VerifyOptions = {}): Promise<VerificationReport> {
  const bytes = asBytes(document, 'document');
  const content = options.content !== undefined ? asBytes(options.content, 'content') : undefined;
  const roots = (options.trustRoots ?? []).map((r) => asBytes(r, 'trustRoots'));
  const total = bytes.length + (content?.length ?? 0) + roots.reduce((n, r) => n + r.length, 0);
  if (total > VERIFY_INLINE_MAX_BYTES) throw new KysoError('PAYLOAD_TOO_LARGE', { limitBytes: VERIFY_INLINE_MAX_BYTES, sizeBytes: total });
  return call('kyso.verify', {
    document: bytesToBase64(bytes),
    ...(content ? { content: bytesToBase64(content) } : {}),
    ...(roots.length ? { trustRoots: roots.map(bytesToBase64) } : {}),
    ...(options.checkRevocation !== undefined ? { checkRevocation: options.checkRevocation } : {}),
    ...(options.requireElement !== undefined ? { requireElement: options.requireElement } : {}),
    ...(options.format !== undefined ? { format: options.format } : {}),
    ...(options.acceptWeakAlgorithms !== undefined ? { acceptWeakAlgorithms: { use: options.acceptWeakAlgorithms.use } } : {}),
  });
}

function asBytes(value: Uint8Array | ArrayBuffer, field: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new KysoError('BAD_REQUEST', { field, problem: 'expected Uint8Array or ArrayBuffer' });
}
