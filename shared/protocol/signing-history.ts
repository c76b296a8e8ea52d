/**
 * Signing history (issue 16 §1): what the host records for every signing attempt, what the background tells
 * the host about who asked, and the options page's `host.history` query. Design and file format:
 * native-host/README.md "Signing history".
 *
 * Never in a record: the PIN, document content. Only names, SHA-256 values and the portal's description.
 */
import * as v from 'valibot';
import { HashAlgorithmSchema } from './common.js';
import { DocumentKindSchema, FileNameSchema, Sha256HexSchema } from './document-schemas.js';
import { ORIGIN_MAX_CHARS, SIGN_HASHES_MAX } from '../limits.js';

const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const HexDigest = v.pipe(v.string(), v.regex(/^[0-9a-f]{40,128}$/));
const ErrorCode = v.pipe(v.string(), v.regex(/^[A-Z][A-Z0-9_]{0,63}$/));
const OriginText = Text(ORIGIN_MAX_CHARS);

/**
 * Who asked for a signature, as the BACKGROUND knows it: origins from the browser's `sender` (never from the
 * page's payload), the page operation, and the page's description and file names (shown, never trusted).
 * The host checks the origins again (shared/domain/origin.ts) before it records them.
 */
export const SigningRequesterSchema = v.strictObject({
  origin: OriginText,
  /** The top-level page's origin when the requesting frame is embedded in another site. */
  topOrigin: v.optional(OriginText),
  /** The page operation that led here (kyso.signHash, kyso.authenticate, kyso.signDocuments). */
  pageOperation: v.optional(v.pipe(v.string(), v.regex(/^kyso\.[A-Za-z]{1,40}$/))),
  description: v.optional(Text(200)),
  /** The documents' names, in the order of the request's documents (host.signDocuments); '' when the page gave none. */
  documentNames: v.optional(v.pipe(v.array(FileNameSchema), v.maxLength(1000))),
});
export type SigningRequester = v.InferOutput<typeof SigningRequesterSchema>;

/** One thing that was (to be) signed: a document (its SHA-256) or a digest (its value and SHA-256). */
export const SigningRecordItemSchema = v.strictObject({
  kind: v.union([DocumentKindSchema, v.literal('digest')]),
  name: v.optional(Text(255)),
  /** SHA-256 of the document as received (or of the digest's bytes). */
  sha256: v.optional(Sha256HexSchema),
  /** For a digest: its algorithm and value (hex). */
  hashAlgorithm: v.optional(HashAlgorithmSchema),
  digest: v.optional(HexDigest),
  /** SHA-256 of the signed result (documents). */
  resultSha256: v.optional(Sha256HexSchema),
  /** This document's own failure in a batch. */
  error: v.optional(ErrorCode),
});
export type SigningRecordItem = v.InferOutput<typeof SigningRecordItemSchema>;

export const SigningOperationSchema = v.picklist(['signDigest', 'signDigests', 'signDocuments', 'sign-pdf', 'sign-cms', 'sign-xml']);

/** A record as written (without its chain fields `seq`, `prev`, `hash`, which the writer adds). */
export const SigningRecordBodySchema = v.strictObject({
  v: v.literal(1),
  time: v.pipe(v.string(), v.isoTimestamp()),
  /** The requesting frame's origin, `cli` for the kyso command line, or `unknown` (a host request without one). */
  origin: OriginText,
  topOrigin: v.optional(OriginText),
  operation: SigningOperationSchema,
  pageOperation: v.optional(Text(48)),
  description: v.optional(Text(200)),
  /** One per document or digest (a kyso.signHashes batch: up to SIGN_HASHES_MAX digests). */
  items: v.pipe(v.array(SigningRecordItemSchema), v.maxLength(SIGN_HASHES_MAX)),
  certificate: v.optional(v.strictObject({
    holder: v.optional(Text(1024)),
    identifiers: v.pipe(v.array(Text(256)), v.maxLength(20)),
    fingerprintSha256: Sha256HexSchema,
    serialNumber: v.optional(Text(256)),
    issuer: v.optional(Text(1024)),
  })),
  token: v.optional(v.strictObject({ label: Text(256), serialNumber: Text(256) })),
  /** ok: everything signed; partial: a batch where some documents failed; error: nothing signed. */
  result: v.picklist(['ok', 'partial', 'error']),
  error: v.optional(ErrorCode),
});
export type SigningRecordBody = v.InferOutput<typeof SigningRecordBodySchema>;

/** A record as stored: the body plus its place in the hash chain. */
export const SigningRecordSchema = v.strictObject({
  ...SigningRecordBodySchema.entries,
  /** 1, 2, 3 … across every history file. */
  seq: v.pipe(v.number(), v.integer(), v.minValue(1)),
  /** `hash` of the previous record (64 zeros for the first). */
  prev: Sha256HexSchema,
  /** SHA-256 of this line's text before `,"hash":…` with `}` appended (native-host/history/record-line.ts). */
  hash: Sha256HexSchema,
});
export type SigningRecord = v.InferOutput<typeof SigningRecordSchema>;

export const HISTORY_QUERY_MAX_RECORDS = 2000;

/** `host.history`: the options page's query. Never reachable from a web page (extension/background/options/). */
export const HistoryQuerySchema = v.strictObject({
  since: v.optional(v.pipe(v.string(), v.isoTimestamp())),
  /** Only records whose origin or top origin is this one. */
  origin: v.optional(OriginText),
  /** Most recent first, at most this many (default and maximum HISTORY_QUERY_MAX_RECORDS). */
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(HISTORY_QUERY_MAX_RECORDS))),
});
export type HistoryQuery = v.InferOutput<typeof HistoryQuerySchema>;

export const HistoryResultSchema = v.strictObject({
  records: v.pipe(v.array(SigningRecordSchema), v.maxLength(HISTORY_QUERY_MAX_RECORDS)),
  /** Records that matched but were left out by `limit`. */
  omitted: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** The chain check over ALL files: ok, or the first problem found (file, line, what). */
  chain: v.strictObject({ ok: v.boolean(), problems: v.pipe(v.array(Text(400)), v.maxLength(20)) }),
});
export type HistoryResult = v.InferOutput<typeof HistoryResultSchema>;
