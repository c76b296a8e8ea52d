/**
 * What the consent window shows about each document it is asked to sign (name, size, SHA-256, an XML summary,
 * where a PDF stamp goes) and the window's request for the bytes of a PDF to preview. Extension-internal.
 */
import * as v from 'valibot';
import { DocumentKindSchema, PdfSummarySchema, Sha256HexSchema, XmlSummarySchema } from '../../../shared/protocol/document-schemas.js';
import { DOCUMENT_READ_CHUNK_BYTES } from '../../../shared/limits.js';
import { Base64Schema, SerializedErrorSchema } from '../../../shared/protocol/common.js';

/** A PDF larger than this is not previewed (pdf.js needs the whole file in the window). */
export const PDF_PREVIEW_MAX_BYTES = 32 * 1024 * 1024;
/** How much of a CMS document's content the window shows as an excerpt (text characters / bytes in hex). */
export const EXCERPT_MAX_CHARS = 1200;
export const EXCERPT_HEX_BYTES = 48;

const ShownText = (max: number) => v.pipe(v.string(), v.maxLength(max));
/** The one PDF rectangle shape (points, finite numbers), as the host's stamp answer uses it. */
const PdfRectSchema = PdfSummarySchema.entries.stamp.wrapped.entries.rect;

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
  /** PDF: the stamp's page (1-based; absent = last) and rectangle in PDF points as the PAGE asked; invisible → no stamp. */
  pdf: v.optional(v.strictObject({
    page: v.optional(v.number()),
    rect: v.optional(PdfRectSchema),
    anchorText: v.optional(v.string()),
    invisible: v.boolean(),
    previewable: v.boolean(),
    /**
     * From the host (`host.documentInfo` → `pdf`, shared PdfSummarySchema): number of pages, what can change after
     * signing, and WHERE THE HOST WILL PUT THE STAMP (anchors resolved by the code that signs), so the window draws
     * the host's rectangle and computes none.
     */
    pageCount: v.optional(PdfSummarySchema.entries.pageCount),
    warnings: v.optional(PdfSummarySchema.entries.warnings),
    stamp: PdfSummarySchema.entries.stamp,
  })),
  /** Why the host could not describe this document (damaged, unsupported, placement does not fit): signing it will fail. */
  error: v.optional(SerializedErrorSchema),
  /**
   * CMS over a document: what the content is (sniffed from its first bytes), and an excerpt — text, or the first
   * bytes in hex. `pages`: it is a PDF the window may page through (same bytes path as a PDF preview).
   */
  content: v.optional(v.strictObject({
    type: ShownText(100),
    excerpt: v.optional(ShownText(EXCERPT_MAX_CHARS + 1)),
    hex: v.optional(ShownText(EXCERPT_HEX_BYTES * 3)),
    truncated: v.boolean(),
    pages: v.boolean(),
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

/**
 * What a document's first bytes say it is, for the window: a few signatures (magic numbers) and otherwise text
 * (valid UTF-8, no NUL) or binary. An excerpt only — the window never claims to show the whole document.
 */
export function describeContent(head: Uint8Array, size: number): NonNullable<ConsentDocument['content']> {
  const starts = (magic: readonly number[]) => magic.every((byte, i) => head[i] === byte);
  const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
  let type = 'application/octet-stream';
  if (starts(ascii('%PDF-'))) type = 'application/pdf';
  else if (starts([0x50, 0x4b, 0x03, 0x04])) type = 'application/zip';
  else if (starts([0x89, 0x50, 0x4e, 0x47])) type = 'image/png';
  else if (starts([0xff, 0xd8, 0xff])) type = 'image/jpeg';
  else if (starts([0x30]) && head.length > 1 && (head[1]! & 0x80) !== 0) type = 'application/octet-stream (DER)';
  let text: string | undefined;
  if (type === 'application/octet-stream' && !head.includes(0)) {
    // A cut in the middle of a UTF-8 sequence at the end of the head is not a reason to call it binary.
    try { text = new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, trimPartialUtf8(head))); } catch { text = undefined; }
    if (text !== undefined) type = /^\s*</.test(text) ? 'text/xml' : 'text/plain';
  }
  if (text !== undefined) {
    const excerpt = text.slice(0, EXCERPT_MAX_CHARS);
    return { type, excerpt, truncated: excerpt.length < text.length || head.length < size, pages: false };
  }
  const hex = [...head.subarray(0, EXCERPT_HEX_BYTES)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return { type, hex, truncated: size > EXCERPT_HEX_BYTES, pages: type === 'application/pdf' && size <= PDF_PREVIEW_MAX_BYTES };
}

/** Length of `bytes` without an incomplete UTF-8 sequence at its end. */
function trimPartialUtf8(bytes: Uint8Array): number {
  let end = bytes.length;
  let back = 0;
  while (back < 3 && end - back - 1 >= 0 && (bytes[end - back - 1]! & 0xc0) === 0x80) back++;
  const lead = bytes[end - back - 1];
  if (lead === undefined) return end;
  const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
  return need > back ? end - back - 1 : end;
}
