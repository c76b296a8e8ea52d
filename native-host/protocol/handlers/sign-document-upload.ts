/**
 * `host.documentBegin` / `host.documentChunk` / `host.documentInfo` / `host.documentRead` / `host.documentDiscard`:
 * documents cross native messaging in chunks both ways and live in the host's private temp dir meanwhile
 * (native-host/documents/README.md).
 */
import { readFile } from 'node:fs/promises';
import type { HostRequestPayload, HostResult } from '../../../shared/protocol/host-messages.js';
import { DOCUMENT_CHUNK_BYTES, DOCUMENT_IN_MEMORY_MAX_BYTES } from '../../../shared/limits.js';
import { KysoError, serializeError } from '../../../shared/errors/kyso-error.js';
import { documentStoreFor } from '../../documents/document-store.js';
import { decodeChunk, encodeChunk } from '../../documents/chunk-base64.js';
import { summarizeXml } from '../../documents/xml-summary.js';
import { summarizePdf } from '../../documents/pdf-summary.js';
import type { HandlerContext } from '../handler-context.js';

export async function documentBegin(context: HandlerContext, payload: HostRequestPayload<'host.documentBegin'>): Promise<HostResult<'host.documentBegin'>> {
  const handle = await documentStoreFor(context).begin(payload.kind, payload.size, payload.sha256);
  return { handle, chunkBytes: DOCUMENT_CHUNK_BYTES };
}

export function documentChunk(context: HandlerContext, payload: HostRequestPayload<'host.documentChunk'>): Promise<HostResult<'host.documentChunk'>> {
  // Synchronous up to the store's order check: chunks are checked in the order their frames arrived.
  let bytes: Uint8Array;
  try {
    bytes = decodeChunk(payload.data);
  } catch (error) {
    return Promise.reject(error);
  }
  return documentStoreFor(context).chunk(payload.handle, payload.index, bytes);
}

const SUMMARY_SOFT_ERRORS = new Set(['INVALID_DOCUMENT', 'UNSUPPORTED_DOCUMENT', 'BAD_REQUEST', 'PAYLOAD_TOO_LARGE']);

export async function documentInfo(context: HandlerContext, payload: HostRequestPayload<'host.documentInfo'>): Promise<HostResult<'host.documentInfo'>> {
  const document = documentStoreFor(context).complete(payload.handle);
  const info = { kind: document.kind, size: document.size, sha256: document.sha256 };
  if (document.kind === 'pdf') {
    try {
      return { ...info, pdf: await summarizePdf(new Uint8Array(await readFile(document.path)), payload.placement) };
    } catch (error) {
      // A damaged PDF or a placement that does not fit fails only this document when it is signed (a batch signs
      // the others), so the window is told here and goes on. An ambiguous PDF is refused outright, before the PIN.
      if (error instanceof KysoError && SUMMARY_SOFT_ERRORS.has(error.code)) return { ...info, pdfError: serializeError(error) };
      throw error;
    }
  }
  if (document.kind !== 'xml') return info;
  if (document.size > DOCUMENT_IN_MEMORY_MAX_BYTES) throw new KysoError('PAYLOAD_TOO_LARGE', { limitBytes: DOCUMENT_IN_MEMORY_MAX_BYTES });
  return { ...info, xml: summarizeXml(new Uint8Array(await readFile(document.path)), payload.ref) };
}

export async function documentRead(context: HandlerContext, payload: HostRequestPayload<'host.documentRead'>): Promise<HostResult<'host.documentRead'>> {
  const { data, eof } = await documentStoreFor(context).read(payload.handle, payload.offset);
  return { data: encodeChunk(data), eof };
}

export async function documentDiscard(context: HandlerContext, payload: HostRequestPayload<'host.documentDiscard'>): Promise<HostResult<'host.documentDiscard'>> {
  await documentStoreFor(context).discard(payload.handle);
  return {};
}
