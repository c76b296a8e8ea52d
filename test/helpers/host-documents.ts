/**
 * Talking to a built host (test/helpers/host-process.ts) about documents, as the extension does: a request whose
 * answer must be host.result, the host.documentChunk payloads of an upload, and reading a result back in chunks.
 */
import { DOCUMENT_CHUNK_BYTES } from '../../shared/limits.js';
import type { HostProcess } from './host-process.js';

/** The payload of a host.result; any other answer throws with the request type and the host's error. */
export async function hostResult(h: HostProcess, type: string, payload: unknown): Promise<any> {
  const reply = await h.request(type, payload);
  if (reply.type !== 'host.result') throw new Error(`${type}: ${JSON.stringify(reply.error)}`);
  return reply.payload;
}

/** The host.documentChunk payloads that upload `bytes` under `handle`, in order. */
export function documentChunks(handle: string, bytes: Uint8Array): { handle: string; index: number; data: string }[] {
  const chunks: { handle: string; index: number; data: string }[] = [];
  for (let index = 0, offset = 0; offset < bytes.length; index++, offset += DOCUMENT_CHUNK_BYTES) {
    chunks.push({ handle, index, data: Buffer.from(bytes.subarray(offset, offset + DOCUMENT_CHUNK_BYTES)).toString('base64') });
  }
  return chunks;
}

/** A document the host holds (a signed result), read back with host.documentRead until eof. */
export async function readDocument(h: HostProcess, handle: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let offset = 0; ;) {
    const { data, eof } = await hostResult(h, 'host.documentRead', { handle, offset });
    const bytes = Buffer.from(data, 'base64');
    parts.push(bytes);
    offset += bytes.length;
    if (eof) return Buffer.concat(parts);
  }
}
