/**
 * What the consent window shows about each document it is asked to sign (name, size, SHA-256, an XML summary,
 * where a PDF stamp goes) and the window's request for the bytes of a PDF to preview. Extension-internal.
 */
import * as v from 'valibot';
import { DocumentKindSchema, Sha256HexSchema, XmlSummarySchema } from '../../../shared/protocol/document-schemas.js';
import { DOCUMENT_READ_CHUNK_BYTES } from '../../../shared/limits.js';
import { Base64Schema } from '../../../shared/protocol/common.js';

/** A PDF larger than this is not previewed (pdf.js needs the whole file in the window). */
export const PDF_PREVIEW_MAX_BYTES = 32 * 1024 * 1024;

export const ConsentDocumentSchema = v.strictObject({
  kind: DocumentKindSchema,
  fileName: v.optional(v.string()),
  /** Absent for a CMS over a portal-computed digest (there is no document, only `digestHex`). */
  size: v.optional(v.number()),
  sha256: v.optional(Sha256HexSchema),
  /** CMS over a digest: the digest the token signs, hex. */
  digestHex: v.optional(v.string()),
  digestAlgorithm: v.optional(v.string()),
  xml: v.optional(XmlSummarySchema),
  /** PDF: the stamp's page (1-based; absent = last) and rectangle in PDF points; invisible → no stamp. */
  pdf: v.optional(v.strictObject({
    page: v.optional(v.number()),
    rect: v.optional(v.strictObject({ x: v.number(), y: v.number(), width: v.number(), height: v.number() })),
    anchorText: v.optional(v.string()),
    invisible: v.boolean(),
    previewable: v.boolean(),
  })),
});
export type ConsentDocument = v.InferOutput<typeof ConsentDocumentSchema>;

/** Consent window → background: bytes of document `index` from `offset` (PDF preview). */
export const ConsentDocumentReadSchema = v.strictObject({
  kind: v.literal('consent.documentRead'),
  sessionId: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/)),
  index: v.pipe(v.number(), v.integer(), v.minValue(0)),
  offset: v.pipe(v.number(), v.integer(), v.minValue(0)),
});

export const ConsentDocumentDataSchema = v.strictObject({
  outcome: v.literal('documentData'),
  data: Base64Schema(DOCUMENT_READ_CHUNK_BYTES),
  eof: v.boolean(),
});
export type ConsentDocumentData = v.InferOutput<typeof ConsentDocumentDataSchema>;
