/**
 * Schemas of document signing (PDF, XML, CMS) shared by the page SDK, the extension and the host:
 * per-kind options, upload handles, per-document results. Types are inferred from the schemas.
 */
import * as v from 'valibot';
import { Base64Schema, HashAlgorithmSchema, SerializedErrorSchema, SignatureSchemeSchema } from './common.js';
import { DOCUMENT_BATCH_MAX, DOCUMENT_MAX_BYTES, STAMP_IMAGE_MAX_BYTES } from '../limits.js';

export const DocumentKindSchema = v.picklist(['pdf', 'xml', 'cms']);
export type DocumentKind = v.InferOutput<typeof DocumentKindSchema>;

/** Opaque, unguessable handle of a document held by the host (an upload or a signed result). */
export const DocumentHandleSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,64}$/));
export const Sha256HexSchema = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
export const DocumentSizeSchema = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(DOCUMENT_MAX_BYTES));
/** Shown to the person; never used as a path. */
export const FileNameSchema = v.pipe(v.string(), v.maxLength(255), v.regex(/^[^\u0000-\u001f\u007f/\\]*$/));

const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const Points = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(14_400));
const TsaUrlSchema = v.pipe(v.string(), v.maxLength(2048), v.regex(/^https?:\/\/[^\s]+$/));

/** PAdES baseline levels [ETSI EN 319 142-1 §6]; every level above B-B needs `tsaUrl`. */
export const PdfLevelSchema = v.picklist(['B-B', 'B-T', 'B-LT', 'B-LTA']);

/** PDF options (see native-host/formats/pdf/README.md for coordinates: points, bottom-left origin). */
export const PdfDocumentOptionsSchema = v.pipe(v.strictObject({
  /** Omit `visible` (or set invisible) for an invisible signature. */
  invisible: v.optional(v.boolean()),
  visible: v.optional(v.strictObject({
    page: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000))),
    rect: v.optional(v.strictObject({ x: Points, y: Points, width: Points, height: Points })),
    anchor: v.optional(v.strictObject({
      text: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
      position: v.optional(v.picklist(['below', 'right'])),
      occurrence: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
    })),
    size: v.optional(v.strictObject({ width: Points, height: Points })),
    /** Handwritten signature image, base64 PNG or JPEG. */
    signatureImage: v.optional(Base64Schema(STAMP_IMAGE_MAX_BYTES)),
    /** Organisation seal, base64 PNG or JPEG (drawn under the signature image). */
    sealImage: v.optional(Base64Schema(STAMP_IMAGE_MAX_BYTES)),
    lines: v.optional(v.pipe(v.array(Text(200)), v.maxLength(8))),
    /**
     * 'serif': Times New Roman where installed, else Liberation Serif, else DejaVu Serif (Decree 30 marks; the host's
     * appearance/resolve-font.ts); default 'sans' (DejaVu Sans).
     */
    typeface: v.optional(v.picklist(['sans', 'serif'])),
    /** Colour of the stamp's text: default 'red'; 'black' for the Decree 30 copy and appendix marks. */
    textColor: v.optional(v.picklist(['red', 'black'])),
  })),
  reason: v.optional(Text(200)),
  location: v.optional(Text(200)),
  contactInfo: v.optional(Text(200)),
  subFilter: v.optional(v.picklist(['ETSI.CAdES.detached', 'adbe.pkcs7.detached'])),
  hashAlgorithm: v.optional(HashAlgorithmSchema),
  tsaUrl: v.optional(TsaUrlSchema),
  /**
   * Default: B-T with tsaUrl, else B-B. B-LT adds the validation data (certificates, OCSP, CRL) in a DSS update,
   * B-LTA also a document time-stamp (native-host/formats/pdf/ltv/).
   */
  level: v.optional(PdfLevelSchema),
}), v.check((o) => o.level === undefined || (o.level === 'B-B') === (o.tsaUrl === undefined), 'level B-B takes no tsaUrl; B-T, B-LT and B-LTA need one'));

export type PdfDocumentOptions = v.InferOutput<typeof PdfDocumentOptionsSchema>;

export const XmlDocumentOptionsSchema = v.strictObject({
  /** Where the Signature goes (local name or path such as "DSCKS/NBan"); default the root. */
  parent: v.optional(Text(200)),
  /** Sign the element with this Id (URI="#id"); default the whole document. */
  ref: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/))),
  xades: v.optional(v.boolean()),
  c14n: v.optional(v.picklist(['exc', 'inc'])),
  signingTimeProperty: v.optional(v.boolean()),
  hashAlgorithm: v.optional(HashAlgorithmSchema),
  signatureScheme: v.optional(SignatureSchemeSchema),
  tsaUrl: v.optional(TsaUrlSchema),
});

export const CmsDocumentOptionsSchema = v.strictObject({
  /** Enveloping (content inside the CMS); default detached. Not with a digest. */
  attached: v.optional(v.boolean()),
  hashAlgorithm: v.optional(HashAlgorithmSchema),
  signatureScheme: v.optional(SignatureSchemeSchema),
  /** PAdES: no signingTime attribute (the PDF's /M carries the time) [ETSI EN 319 142-1 §5.4]. */
  pades: v.optional(v.boolean()),
  tsaUrl: v.optional(TsaUrlSchema),
});

/** One document of a signing request, as the host receives it. CMS over a digest carries no upload. */
export const HostDocumentItemSchema = v.variant('kind', [
  v.strictObject({ kind: v.literal('pdf'), handle: DocumentHandleSchema, options: v.optional(PdfDocumentOptionsSchema) }),
  v.strictObject({ kind: v.literal('xml'), handle: DocumentHandleSchema, options: v.optional(XmlDocumentOptionsSchema) }),
  v.strictObject({
    kind: v.literal('cms'),
    handle: v.optional(DocumentHandleSchema),
    /** A digest the portal computed (base64), instead of a document: "server prepares, browser signs". */
    digest: v.optional(Base64Schema(64)),
    options: v.optional(CmsDocumentOptionsSchema),
  }),
]);
export type HostDocumentItem = v.InferOutput<typeof HostDocumentItemSchema>;
export const DocumentBatchSchema = v.pipe(v.array(HostDocumentItemSchema), v.minLength(1), v.maxLength(DOCUMENT_BATCH_MAX));

/** What the host says about an uploaded document (for the consent window). */
export const XmlSummarySchema = v.strictObject({
  root: Text(200),
  /** Vietnamese e-invoice fields when the document is one (HDon/DLHDon/TTChung/NDHDon). */
  invoice: v.optional(v.strictObject({
    number: v.optional(Text(100)),
    series: v.optional(Text(100)),
    date: v.optional(Text(100)),
    seller: v.optional(Text(400)),
    sellerTaxCode: v.optional(Text(100)),
    buyer: v.optional(Text(400)),
    buyerTaxCode: v.optional(Text(100)),
    total: v.optional(Text(100)),
    currency: v.optional(Text(20)),
  })),
  /** Otherwise: the first elements with text, "name: text". */
  fields: v.pipe(v.array(v.strictObject({ name: Text(200), text: Text(400) })), v.maxLength(12)),
  /**
   * What the signature will cover, and so what `invoice` and `fields` are taken from: the whole file (path '/'),
   * or only the element the request's `ref` names (its path, e.g. '/HDon/DLHDon').
   */
  signedPart: v.optional(v.strictObject({ wholeDocument: v.boolean(), path: Text(400) })),
});
export type XmlSummary = v.InferOutput<typeof XmlSummarySchema>;

/** Something in a PDF that can look different, or change after signing (native-host/formats/pdf/hidden-content.ts). */
export const PdfWarningSchema = v.strictObject({
  code: v.pipe(v.string(), v.regex(/^[A-Z][A-Z_]{0,63}$/)),
  vi: Text(400),
  en: Text(400),
  detail: v.optional(Text(400)),
});
export type PdfWarning = v.InferOutput<typeof PdfWarningSchema>;

const Finite = v.pipe(v.number(), v.finite());
/** What the host says about an uploaded PDF: pages, warnings, and the stamp box the signature WILL use. */
export const PdfSummarySchema = v.strictObject({
  pageCount: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)),
  warnings: v.pipe(v.array(PdfWarningSchema), v.maxLength(20)),
  /** Absent for an invisible signature. */
  stamp: v.optional(v.strictObject({
    /** 1-based. */
    page: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)),
    /** Points, origin at the bottom-left corner of the page's MediaBox, y upwards, before /Rotate. */
    rect: v.strictObject({ x: Finite, y: Finite, width: Finite, height: Finite }),
    /** The MediaBox's width and height in points (before /Rotate). */
    pageSize: v.strictObject({ width: Finite, height: Finite }),
    /** The page's /Rotate: a viewer shows the page (and the box) turned clockwise by this much. */
    rotation: v.optional(v.picklist([0, 90, 180, 270])),
  })),
});
export type PdfSummary = v.InferOutput<typeof PdfSummarySchema>;

export const DocumentInfoSchema = v.strictObject({
  kind: DocumentKindSchema,
  size: DocumentSizeSchema,
  sha256: Sha256HexSchema,
  xml: v.optional(XmlSummarySchema),
  pdf: v.optional(PdfSummarySchema),
  /**
   * Why there is no `pdf` summary: the PDF is damaged or unsupported, or the placement does not fit. Signing it
   * will fail the same way; the rest of a batch is unaffected. (An AMBIGUOUS PDF fails the request itself.)
   */
  pdfError: v.optional(SerializedErrorSchema),
});
export type DocumentInfo = v.InferOutput<typeof DocumentInfoSchema>;

/** Per-document outcome: a handle to read the signed result from, or why this one failed. */
export const DocumentResultSchema = v.variant('ok', [
  v.strictObject({ ok: v.literal(true), handle: DocumentHandleSchema, size: DocumentSizeSchema, sha256: Sha256HexSchema }),
  v.strictObject({ ok: v.literal(false), error: SerializedErrorSchema }),
]);
export type DocumentResult = v.InferOutput<typeof DocumentResultSchema>;

export const DocumentBatchMaxSchema = v.pipe(v.array(DocumentResultSchema), v.maxLength(DOCUMENT_BATCH_MAX));
export { DOCUMENT_MAX_BYTES };
