/**
 * Page operations of document signing, spread into PAGE_OPERATIONS (page-messages.ts).
 * A document crosses page → extension → host in chunks (one `kyso.documentChunk` request per ≤ 768 KiB, each on
 * its own MessagePort like every request), is signed by `kyso.signDocuments` (ONE consent, ONE login for all),
 * and each signed result comes back by `kyso.documentRead` pulls. No message ever carries a whole large document.
 * The upload operations are decided by the access policy as the signing operation they serve (signPdf/Xml/Cms).
 */
import * as v from 'valibot';
import { Base64Schema, CertificateDerSchema, CertificateFilterSchema, CertificateIdSchema } from './common.js';
import { DOCUMENT_BATCH_MAX, DOCUMENT_CHUNK_BYTES, DOCUMENT_READ_CHUNK_BYTES } from '../limits.js';
import {
  CmsDocumentOptionsSchema, DocumentBatchMaxSchema, DocumentHandleSchema, DocumentKindSchema, DocumentSizeSchema, FileNameSchema,
  PdfDocumentOptionsSchema, Sha256HexSchema, XmlDocumentOptionsSchema,
} from './document-schemas.js';

/** One document of a page's signing request: an uploaded handle (or, for CMS, a digest) and its options. */
export const PageDocumentItemSchema = v.variant('kind', [
  v.strictObject({ kind: v.literal('pdf'), handle: DocumentHandleSchema, fileName: v.optional(FileNameSchema), options: v.optional(PdfDocumentOptionsSchema) }),
  v.strictObject({ kind: v.literal('xml'), handle: DocumentHandleSchema, fileName: v.optional(FileNameSchema), options: v.optional(XmlDocumentOptionsSchema) }),
  v.strictObject({
    kind: v.literal('cms'),
    handle: v.optional(DocumentHandleSchema),
    digest: v.optional(Base64Schema(64)),
    fileName: v.optional(FileNameSchema),
    options: v.optional(CmsDocumentOptionsSchema),
  }),
]);
export type PageDocumentItem = v.InferOutput<typeof PageDocumentItemSchema>;

export const DOCUMENT_PAGE_OPERATIONS = {
  'kyso.documentBegin': {
    request: v.strictObject({ kind: DocumentKindSchema, size: DocumentSizeSchema, sha256: v.optional(Sha256HexSchema) }),
    result: v.strictObject({ handle: DocumentHandleSchema, chunkBytes: v.number() }),
    interactive: false,
  },
  'kyso.documentChunk': {
    request: v.strictObject({ handle: DocumentHandleSchema, index: v.pipe(v.number(), v.integer(), v.minValue(0)), data: Base64Schema(DOCUMENT_CHUNK_BYTES) }),
    result: v.strictObject({ receivedBytes: DocumentSizeSchema, complete: v.boolean() }),
    interactive: false,
  },
  'kyso.documentRead': {
    request: v.strictObject({ handle: DocumentHandleSchema, offset: DocumentSizeSchema }),
    result: v.strictObject({ data: Base64Schema(DOCUMENT_READ_CHUNK_BYTES), eof: v.boolean() }),
    interactive: false,
  },
  'kyso.signDocuments': {
    request: v.strictObject({
      documents: v.pipe(v.array(PageDocumentItemSchema), v.minLength(1), v.maxLength(DOCUMENT_BATCH_MAX)),
      certificateId: v.optional(CertificateIdSchema),
      filter: v.optional(CertificateFilterSchema),
      /** Shown to the person in the consent window. Plain text. */
      description: v.optional(v.pipe(v.string(), v.maxLength(200))),
    }),
    result: v.strictObject({
      certificate: CertificateDerSchema,
      chain: v.pipe(v.array(CertificateDerSchema), v.maxLength(10)),
      results: DocumentBatchMaxSchema,
    }),
    interactive: true,
  },
} as const;
