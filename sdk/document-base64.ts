/**
 * Base64 of document chunks in the page, with the browser's native codec where it has one (Uint8Array.prototype
 * .toBase64 / Uint8Array.fromBase64: Chrome 140, Firefox 133 [TC39 proposal-arraybuffer-base64, MDN]); the shared
 * pure-JS codec otherwise. The pure-JS one cost ≈ 15 ms per 768 KiB chunk on the main thread (docs/benchmarks.md,
 * "Large PDF through the browser"). Decoding keeps the shared strictness: isStrictBase64 first, in every case.
 */
import { base64ToBytes, bytesToBase64, isStrictBase64 } from '../shared/domain/base64.js';
import { KysoError } from '../shared/errors/kyso-error.js';

interface NativeBase64 {
  toBase64?: (this: Uint8Array) => string;
}
interface NativeBase64Constructor {
  fromBase64?: (text: string) => Uint8Array;
}

const nativeEncode = (Uint8Array.prototype as NativeBase64).toBase64;
const nativeDecode = (Uint8Array as unknown as NativeBase64Constructor).fromBase64;

export function encodeChunk(bytes: Uint8Array): string {
  return nativeEncode ? nativeEncode.call(bytes) : bytesToBase64(bytes);
}

export function decodeChunk(text: string): Uint8Array {
  if (!nativeDecode) return base64ToBytes(text, 'PROTOCOL_ERROR');
  if (!isStrictBase64(text)) throw new KysoError('PROTOCOL_ERROR', { reason: 'not strict base64' });
  return nativeDecode(text);
}
