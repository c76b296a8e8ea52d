/**
 * Document signing from a portal: signPdf, signXml, signCms, signBatch.
 *
 *   const { document } = await signPdf({ document: file, fileName: file.name, reason: 'Phê duyệt', visible: { page: 1, rect: { x: 340, y: 60, width: 220, height: 70 } } });
 *
 * A document is never posted as one message: it is sliced (Blob.slice) into ≤ 768 KiB chunks, each sent as its
 * own request (a few in flight), the extension forwards each to the host, which writes them to a private temp
 * file. The person then sees ONE Kyso window for the whole request (file names, sizes, SHA-256, a preview) and
 * types the PIN once; the signed results are pulled back in ≤ 512 KiB pieces. Failures are `KysoError`s; in a
 * batch each document has its own result, so one broken file does not lose the others.
 */
import { KysoError, deserializeError } from '../shared/errors/kyso-error.js';
import { bytesToBase64 } from '../shared/domain/base64.js';
import { decodeChunk, encodeChunk } from './document-base64.js';
import type { HashAlgorithm } from '../shared/domain/algorithms.js';
import { DOCUMENT_CHUNK_BYTES, DOCUMENT_MAX_BYTES, DOCUMENT_READ_CHUNK_BYTES } from '../shared/limits.js';
import type { CertificateFilter } from '../shared/protocol/common.js';
import type { PageDocumentItem } from '../shared/protocol/document-page-operations.js';
import type { DocumentKind } from '../shared/protocol/document-schemas.js';
import type { PageRequestPayload } from '../shared/protocol/page-messages.js';
import { createTransport, type Call } from './transport.js';

export type DocumentInput = Blob | ArrayBuffer | Uint8Array;
type PdfOptions = NonNullable<Extract<PageDocumentItem, { kind: 'pdf' }>['options']>;
type XmlOptions = NonNullable<Extract<PageDocumentItem, { kind: 'xml' }>['options']>;
type CmsOptions = NonNullable<Extract<PageDocumentItem, { kind: 'cms' }>['options']>;

/** Who signs and what the window says, common to every signing call. */
export interface SigningChoice {
  readonly certificateId?: string;
  readonly filter?: CertificateFilter;
  /** Shown in the Kyso window (plain text, ≤ 200 characters). */
  readonly description?: string;
}

export interface SignPdfParams extends SigningChoice, Omit<PdfOptions, 'visible'> {
  readonly document: DocumentInput;
  readonly fileName?: string;
  /** The stamp: page (1-based, default last), rect in PDF points (bottom-left origin) or anchor text, images (base64 PNG/JPEG). */
  readonly visible?: PdfOptions['visible'];
}
export interface SignXmlParams extends SigningChoice, XmlOptions {
  readonly document: DocumentInput;
  readonly fileName?: string;
}
/** Exactly one of `data` (the bytes to sign) or `digest` (base64, computed by the portal's server). */
export interface SignCmsParams extends SigningChoice, CmsOptions {
  readonly data?: DocumentInput;
  readonly digest?: string;
  readonly hashAlgorithm?: HashAlgorithm;
  readonly fileName?: string;
}

export interface SignedDocument {
  /** The signed PDF/XML bytes. */
  readonly document: Uint8Array;
  /** SHA-256 (hex) of `document`, as the host computed it. */
  readonly sha256: string;
  /** The signer's certificate and its issuers, base64 DER. */
  readonly certificate: string;
  readonly chain: string[];
}
export interface SignedCms {
  /** The CMS SignedData, base64 DER (detached unless `attached`). */
  readonly cms: string;
  readonly certificate: string;
  readonly chain: string[];
}

export type BatchDocument =
  | { readonly kind: 'pdf'; readonly document: DocumentInput; readonly fileName?: string; readonly options?: PdfOptions }
  | { readonly kind: 'xml'; readonly document: DocumentInput; readonly fileName?: string; readonly options?: XmlOptions }
  | { readonly kind: 'cms'; readonly document?: DocumentInput; readonly digest?: string; readonly fileName?: string; readonly options?: CmsOptions };

export interface SignBatchParams extends SigningChoice {
  readonly documents: readonly BatchDocument[];
}
export type BatchItemResult =
  | { readonly ok: true; readonly kind: DocumentKind; readonly document: Uint8Array; readonly sha256: string }
  | { readonly ok: false; readonly kind: DocumentKind; readonly error: KysoError };
export interface SignBatchResult {
  readonly certificate: string;
  readonly chain: string[];
  /** In the order of `documents`. For CMS, `document` is the DER of the CMS. */
  readonly results: BatchItemResult[];
}

/**
 * Chunks in flight at once: half the extension's per-page limit of pending requests (8), leaving room for the portal's
 * other calls. Measured with 100 MiB: 3 → ≈ 16 s, 4 → ≈ 12 s, 6 → ≈ 11 s (2 shared cores).
 */
const CHUNKS_IN_FLIGHT = 4;
/** Reads of a signed result in flight at once: the same share of the page's pending-request limit as the upload. */
const READS_IN_FLIGHT = 4;

export function createDocumentClient(call: Call) {
  const batch = async (params: SignBatchParams): Promise<SignBatchResult> => {
    if (params.documents.length === 0) throw new KysoError('BAD_REQUEST', { reason: 'no documents' });
    const items: PageRequestPayload<'kyso.signDocuments'>['documents'] = [];
    for (const d of params.documents) {
      const common = { ...(d.fileName ? { fileName: d.fileName } : {}), ...(d.options ? { options: d.options } : {}) };
      if (d.kind === 'cms' && d.digest !== undefined) {
        if (d.document !== undefined) throw new KysoError('BAD_REQUEST', { reason: 'give a CMS item either data or a digest' });
        items.push({ kind: 'cms', digest: d.digest, ...common } as PageDocumentItem);
        continue;
      }
      if (d.document === undefined) throw new KysoError('BAD_REQUEST', { reason: 'document missing' });
      const handle = await upload(call, d.kind, d.document);
      items.push({ kind: d.kind, handle, ...common } as PageDocumentItem);
    }
    const signed = await call('kyso.signDocuments', {
      documents: items,
      ...(params.certificateId ? { certificateId: params.certificateId } : {}),
      ...(params.filter ? { filter: params.filter } : {}),
      ...(params.description ? { description: params.description } : {}),
    });
    if (signed.results.length !== items.length) throw new KysoError('PROTOCOL_ERROR', { reason: 'result count' });
    const results: BatchItemResult[] = [];
    for (const [i, r] of signed.results.entries()) {
      const kind = items[i]!.kind;
      if (!r.ok) { results.push({ ok: false, kind, error: deserializeError(r.error) }); continue; }
      const document = await download(call, r.handle, r.size);
      if (await sha256Hex(document) !== r.sha256) throw new KysoError('PROTOCOL_ERROR', { reason: 'signed document digest' });
      results.push({ ok: true, kind, document, sha256: r.sha256 });
    }
    return { certificate: signed.certificate, chain: signed.chain, results };
  };

  const single = async (params: SigningChoice, document: BatchDocument): Promise<{ result: Extract<BatchItemResult, { ok: true }>; certificate: string; chain: string[] }> => {
    const out = await batch({ ...pickChoice(params), documents: [document] });
    const result = out.results[0]!;
    if (!result.ok) throw result.error;
    return { result, certificate: out.certificate, chain: out.chain };
  };

  return {
    signBatch: batch,
    async signPdf(params: SignPdfParams): Promise<SignedDocument> {
      const { document, fileName, certificateId: _c, filter: _f, description: _d, ...options } = params;
      const { result, certificate, chain } = await single(params, { kind: 'pdf', document, ...(fileName ? { fileName } : {}), options });
      return { document: result.document, sha256: result.sha256, certificate, chain };
    },
    async signXml(params: SignXmlParams): Promise<SignedDocument> {
      const { document, fileName, certificateId: _c, filter: _f, description: _d, ...options } = params;
      const { result, certificate, chain } = await single(params, { kind: 'xml', document, ...(fileName ? { fileName } : {}), options });
      return { document: result.document, sha256: result.sha256, certificate, chain };
    },
    async signCms(params: SignCmsParams): Promise<SignedCms> {
      const { data, digest, fileName, certificateId: _c, filter: _f, description: _d, ...options } = params;
      if ((data === undefined) === (digest === undefined)) throw new KysoError('BAD_REQUEST', { reason: 'give exactly one of data or digest' });
      const item: BatchDocument = digest !== undefined
        ? { kind: 'cms', digest, ...(fileName ? { fileName } : {}), options }
        : { kind: 'cms', document: data!, ...(fileName ? { fileName } : {}), options };
      const { result, certificate, chain } = await single(params, item);
      return { cms: bytesToBase64(result.document), certificate, chain };
    },
  };
}

function pickChoice(p: SigningChoice): SigningChoice {
  return { ...(p.certificateId ? { certificateId: p.certificateId } : {}), ...(p.filter ? { filter: p.filter } : {}), ...(p.description ? { description: p.description } : {}) };
}

function asBlob(input: DocumentInput): Blob {
  if (input instanceof Blob) return input;
  if (input instanceof ArrayBuffer) return new Blob([input]);
  if (input instanceof Uint8Array) return new Blob([input as Uint8Array<ArrayBuffer>]);
  throw new KysoError('BAD_REQUEST', { reason: 'document must be a Blob, ArrayBuffer or Uint8Array' });
}

/** Upload with a few chunks in flight; each carries its index (the background forwards them to the host in that order). */
async function upload(call: Call, kind: DocumentKind, input: DocumentInput): Promise<string> {
  const blob = asBlob(input);
  if (blob.size > DOCUMENT_MAX_BYTES) throw new KysoError('PAYLOAD_TOO_LARGE', { limitBytes: DOCUMENT_MAX_BYTES });
  const { handle, chunkBytes } = await call('kyso.documentBegin', { kind, size: blob.size });
  if (chunkBytes !== DOCUMENT_CHUNK_BYTES) throw new KysoError('VERSION_MISMATCH', { reason: 'chunk size' });
  const count = Math.ceil(blob.size / chunkBytes);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const bytes = new Uint8Array(await blob.slice(index * chunkBytes, (index + 1) * chunkBytes).arrayBuffer());
      await call('kyso.documentChunk', { handle, index, data: encodeChunk(bytes) });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHUNKS_IN_FLIGHT, count) }, worker));
  return handle;
}

/**
 * Pieces of a signed result, a few in flight (a strict request/reply loop spent ≈ 160 ms of relay per 512 KiB piece,
 * docs/benchmarks.md). Every piece but the last is read concurrently; the last goes alone after them, because the
 * host deletes a result once its last piece is read (and the extension forgets the handle). Each piece must be
 * exactly the announced size's share, and only the last may say eof.
 */
async function download(call: Call, handle: string, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  const pieces = Math.max(1, Math.ceil(size / DOCUMENT_READ_CHUNK_BYTES));
  const readPiece = async (index: number) => {
    const offset = index * DOCUMENT_READ_CHUNK_BYTES;
    const { data, eof } = await call('kyso.documentRead', { handle, offset });
    const bytes = decodeChunk(data);
    const expected = Math.min(DOCUMENT_READ_CHUNK_BYTES, size - offset);
    if (bytes.length > expected) throw new KysoError('PROTOCOL_ERROR', { reason: 'signed document longer than announced' });
    if (bytes.length < expected) throw new KysoError('PROTOCOL_ERROR', { reason: 'signed document shorter than announced' });
    if (eof !== (index === pieces - 1)) throw new KysoError('PROTOCOL_ERROR', { reason: eof ? 'signed document shorter than announced' : 'signed document longer than announced' });
    out.set(bytes, offset);
  };
  let next = 0;
  const worker = async () => {
    while (next < pieces - 1) await readPiece(next++);
  };
  await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, pieces - 1) }, worker));
  await readPiece(pieces - 1);
  return out;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

let pageClient: ReturnType<typeof createDocumentClient> | undefined;
function client() {
  pageClient ??= createDocumentClient(createTransport({ target: window, origin: location.origin }));
  return pageClient;
}

/** Sign a PDF (PAdES, visible stamp unless `invisible`). Resolves with the signed PDF. */
export function signPdf(params: SignPdfParams): Promise<SignedDocument> { return client().signPdf(params); }
/** Sign an XML document (XML-DSig enveloped, optionally XAdES-BES). Resolves with the signed XML. */
export function signXml(params: SignXmlParams): Promise<SignedDocument> { return client().signXml(params); }
/** CMS/CAdES over data or over a digest ("server prepares, browser signs"; `pades: true` omits signingTime). */
export function signCms(params: SignCmsParams): Promise<SignedCms> { return client().signCms(params); }
/** Several documents with ONE Kyso window and ONE PIN; per-document results. */
export function signBatch(params: SignBatchParams): Promise<SignBatchResult> { return client().signBatch(params); }
