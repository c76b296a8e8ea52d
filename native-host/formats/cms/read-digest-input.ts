/**
 * "Server prepares, browser signs": the portal computed the document's digest; the file holds it as raw bytes,
 * hex, or base64 (one line). The length must match the hash algorithm, else INVALID_HASH.
 */
import { DIGEST_LENGTH_BYTES, type HashAlgorithm } from '../../../shared/domain/algorithms.js';
import { base64ToBytes } from '../../../shared/domain/base64.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';

export function readDigestInput(bytes: Uint8Array, hash: HashAlgorithm): Uint8Array {
  const length = DIGEST_LENGTH_BYTES[hash];
  if (bytes.length === length) return bytes;
  const text = new TextDecoder().decode(bytes).trim();
  let digest: Uint8Array;
  if (/^[0-9a-fA-F]+$/.test(text) && text.length === length * 2) digest = new Uint8Array(Buffer.from(text, 'hex'));
  else digest = base64ToBytes(text, 'INVALID_HASH');
  if (digest.length !== length) {
    throw new KysoError('INVALID_HASH', { hashAlgorithm: hash, expectedBytes: length, actualBytes: digest.length });
  }
  return digest;
}
