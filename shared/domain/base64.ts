/**
 * Strict base64 (RFC 4648 §4, with padding) without Node or DOM dependencies,
 * so the SDK, the extension and the host decode exactly the same way.
 */
import { KysoError } from '../errors/kyso-error.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/**
 * Alphabet characters then at most two '=' — with the length a multiple of 4, exactly strict base64. Written
 * without a repeated group: V8 backtracks `(?:[…]{4})*` on its stack and throws RangeError ("Maximum call stack
 * size exceeded") on strings of a few MB (found verifying a 5.75 MiB document through the SDK).
 */
const BASE64_CHARACTERS = /^[A-Za-z0-9+/]*={0,2}$/;
const LOOKUP = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

export function isStrictBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64_CHARACTERS.test(text);
}

export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  const chunk: string[] = [];
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2]! : 0;
    const n = (a << 16) | (b << 8) | c;
    chunk.push(
      ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! +
      (i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63]! : '=') +
      (i + 2 < bytes.length ? ALPHABET[n & 63]! : '='),
    );
    if (chunk.length === 4096) { out += chunk.join(''); chunk.length = 0; }
  }
  return out + chunk.join('');
}

/** Decode strict base64; anything else throws a KysoError with the given code. */
export function base64ToBytes(text: string, errorCode: 'BAD_REQUEST' | 'INVALID_HASH' | 'PROTOCOL_ERROR' = 'BAD_REQUEST'): Uint8Array {
  if (!isStrictBase64(text)) throw new KysoError(errorCode, { reason: 'not strict base64' });
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n = (LOOKUP[text.charCodeAt(i)]! << 18) | (LOOKUP[text.charCodeAt(i + 1)]! << 12) |
      ((LOOKUP[text.charCodeAt(i + 2)]! & 63) << 6) | (LOOKUP[text.charCodeAt(i + 3)]! & 63);
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
