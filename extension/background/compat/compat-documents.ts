/**
 * The plugin transport signs through the SAME page operations a portal using the SDK calls (router.ts): upload
 * (kyso.documentBegin/Chunk), one consent + one PIN for the batch (kyso.signDocuments, the document consent
 * window with its preview), then kyso.documentRead — so the access policy, the consent window, the per-origin
 * quotas and the host's checks all apply unchanged. No new signing path.
 */
import { bytesToBase64, base64ToBytes } from '../../../shared/domain/base64.js';
import { PROTOCOL_VERSION } from '../../../shared/limits.js';
import type { PageOperation, PageRequest, PageRequestPayload, PageResult } from '../../../shared/protocol/page-messages.js';
import type { PageDocumentItem } from '../../../shared/protocol/document-page-operations.js';
import type { RequestContext } from '../router.js';

export type Route = (request: PageRequest, context: RequestContext) => Promise<unknown>;

let nextId = 1;

/** One page operation through the router, typed. */
export async function call<T extends PageOperation>(route: Route, context: RequestContext, type: T, payload: PageRequestPayload<T>): Promise<PageResult<T>> {
  const request = { v: PROTOCOL_VERSION, id: `compat-${nextId++}`, type, payload } as unknown as PageRequest;
  return await route(request, context) as PageResult<T>;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Upload bytes to the host; returns the handle. */
export async function uploadToHost(route: Route, context: RequestContext, kind: 'pdf' | 'xml' | 'cms', bytes: Uint8Array): Promise<string> {
  const begun = await call(route, context, 'kyso.documentBegin', { kind, size: bytes.length, sha256: await sha256Hex(bytes) });
  for (let index = 0, offset = 0; offset < bytes.length || index === 0; index++, offset += begun.chunkBytes) {
    const result = await call(route, context, 'kyso.documentChunk', { handle: begun.handle, index, data: bytesToBase64(bytes.subarray(offset, offset + begun.chunkBytes)) });
    if (result.complete) break;
  }
  return begun.handle;
}

export async function readFromHost(route: Route, context: RequestContext, handle: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (;;) {
    const chunk = await call(route, context, 'kyso.documentRead', { handle, offset });
    const bytes = base64ToBytes(chunk.data);
    parts.push(bytes);
    offset += bytes.length;
    if (chunk.eof) break;
  }
  const out = new Uint8Array(offset);
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}

/** Sign a batch with ONE consent and ONE PIN; per-document outcome: the signed bytes or an error. */
export async function signBatch(
  route: Route, context: RequestContext, documents: readonly PageDocumentItem[], description: string,
): Promise<{ certificate: string; outcomes: ({ ok: true; bytes: Uint8Array } | { ok: false; error: unknown })[] }> {
  const signed = await call(route, context, 'kyso.signDocuments', { documents: [...documents], description: description.slice(0, 200) });
  const outcomes = [];
  for (const result of signed.results) {
    if (result.ok) outcomes.push({ ok: true as const, bytes: await readFromHost(route, context, result.handle) });
    else outcomes.push({ ok: false as const, error: result.error });
  }
  return { certificate: signed.certificate, outcomes };
}
