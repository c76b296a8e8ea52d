/**
 * Host operations of document signing, spread into HOST_OPERATIONS (host-messages.ts). The PIN schema is passed
 * in (it lives in host-messages.ts, which imports this file). Design: native-host/documents/README.md.
 */
import * as v from 'valibot';
import { Base64Schema, CertificateDerSchema, CertificateIdSchema, ExpectedSignerSchema } from './common.js';
import { DOCUMENT_CHUNK_BYTES, DOCUMENT_READ_CHUNK_BYTES } from '../limits.js';
import {
  DocumentBatchMaxSchema, DocumentBatchSchema, DocumentHandleSchema, DocumentInfoSchema, DocumentKindSchema, DocumentSizeSchema, PdfDocumentOptionsSchema, Sha256HexSchema,
  XmlDocumentOptionsSchema,
} from './document-schemas.js';
import { SigningRequesterSchema } from './signing-history.js';

export const documentHostOperations = <P extends v.GenericSchema<unknown, string>>(pinSchema: P) => ({
  /** Start an upload: the host creates a 0600 file in its private temp dir. */
  'host.documentBegin': {
    request: v.strictObject({ kind: DocumentKindSchema, size: DocumentSizeSchema, sha256: v.optional(Sha256HexSchema) }),
    result: v.strictObject({ handle: DocumentHandleSchema, chunkBytes: v.number() }),
  },
  /** Chunk `index` (0, 1, 2 … in order; anything else is BAD_REQUEST and the upload is dropped). */
  'host.documentChunk': {
    request: v.strictObject({
      handle: DocumentHandleSchema,
      index: v.pipe(v.number(), v.integer(), v.minValue(0)),
      data: Base64Schema(DOCUMENT_CHUNK_BYTES),
    }),
    result: v.strictObject({ receivedBytes: DocumentSizeSchema, complete: v.boolean() }),
  },
  /**
   * Size, SHA-256, (XML) a readable summary, (PDF) page count, hidden-content warnings and the stamp box of a
   * complete upload, for the consent window. XML `ref`: the Id the signing request will sign
   * (XmlDocumentOptions.ref), so the summary shows that element only. PDF `placement`: the PDF options the document
   * will be signed with (only the placement is used) so the host computes the stamp box with the code that signs.
   * A PDF that is ambiguous is refused here (DOCUMENT_AMBIGUOUS), before the PIN.
   */
  'host.documentInfo': {
    request: v.strictObject({
      handle: DocumentHandleSchema, ref: XmlDocumentOptionsSchema.entries.ref, placement: v.optional(PdfDocumentOptionsSchema),
    }),
    result: DocumentInfoSchema,
  },
  /** Read DOCUMENT_READ_CHUNK_BYTES from `offset` (uploads for the preview, signed results for the page). */
  'host.documentRead': {
    request: v.strictObject({ handle: DocumentHandleSchema, offset: DocumentSizeSchema }),
    result: v.strictObject({ data: Base64Schema(DOCUMENT_READ_CHUNK_BYTES), eof: v.boolean() }),
  },
  'host.documentDiscard': {
    request: v.strictObject({ handle: DocumentHandleSchema }),
    result: v.strictObject({}),
  },
  /** Sign every document with ONE login; each gets its own result (one failure does not lose the others). */
  'host.signDocuments': {
    request: v.strictObject({
      certificateId: CertificateIdSchema,
      pin: v.optional(pinSchema),
      documents: DocumentBatchSchema,
      /** The portal's expected signer: refused (UNEXPECTED_SIGNER) before login when the certificate is not it. */
      expectedSigner: v.optional(ExpectedSignerSchema),
      /** Who asked (origins from the browser's sender), for the signing history; the host checks it again. */
      requester: v.optional(SigningRequesterSchema),
    }),
    result: v.strictObject({
      certificate: CertificateDerSchema,
      chain: v.pipe(v.array(CertificateDerSchema), v.maxLength(10)),
      results: DocumentBatchMaxSchema,
    }),
  },
} as const);
