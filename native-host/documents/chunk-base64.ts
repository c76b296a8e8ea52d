/**
 * Base64 of document chunks on the host, with Node's native codec: the shared pure-JS one (shared/domain/base64.ts)
 * cost ≈ 48 ms to decode each 768 KiB upload chunk and ≈ 26 ms to encode each 512 KiB read under load — ≈ 2.6 s
 * of host time per 20 MB round trip (docs/benchmarks.md, "Large PDF through the browser"). The strictness is the
 * shared one: the text is checked with the same isStrictBase64 (RFC 4648 §4, padded, no whitespace) before Buffer
 * decodes it, because Buffer alone is lenient (skips whitespace and foreign characters) [Node Buffer docs].
 */
import { isStrictBase64 } from '../../shared/domain/base64.js';
import { KysoError } from '../../shared/errors/kyso-error.js';

export function decodeChunk(text: string, errorCode: 'BAD_REQUEST' | 'INVALID_HASH' = 'BAD_REQUEST'): Uint8Array {
  if (!isStrictBase64(text)) throw new KysoError(errorCode, { reason: 'not strict base64' });
  const buffer = Buffer.from(text, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function encodeChunk(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
