/**
 * The few DER reads the SDK needs to check a signature: the SubjectPublicKeyInfo of a certificate
 * [RFC 5280 §4.1] and the (r, s) of an ECDSA signature [RFC 3279 §2.2.3]. Anything malformed throws a DerError.
 * The DER itself is read by shared/certificates/der-reader.ts, the reader the host and the extension use.
 */
import { childrenOf, DER_TAG, DerError, expectTag, readElement } from '../../shared/certificates/der-reader.js';

/** SubjectPublicKeyInfo (whole TLV) of an X.509 certificate. */
export function subjectPublicKeyInfo(certificate: Uint8Array): Uint8Array {
  const outer = readElement(certificate);
  if (outer.tag !== DER_TAG.sequence || outer.end !== certificate.length) throw new DerError('not a certificate');
  const tbs = expectTag(childrenOf(certificate, outer)[0], DER_TAG.sequence);
  const fields = childrenOf(certificate, tbs);
  // version [0] EXPLICIT is optional; then serial, signature, issuer, validity, subject, subjectPublicKeyInfo.
  const first = fields[0]?.tag === 0xa0 ? 1 : 0;
  const spki = expectTag(fields[first + 5], DER_TAG.sequence);
  return certificate.slice(spki.start, spki.end);
}

/** r and s of a DER ECDSA-Sig-Value. */
export function ecdsaSignatureValues(signature: Uint8Array): { r: bigint; s: bigint } {
  const outer = readElement(signature);
  if (outer.tag !== DER_TAG.sequence || outer.end !== signature.length) throw new DerError('not an ECDSA signature');
  const parts = childrenOf(signature, outer);
  if (parts.length !== 2 || parts.some((p) => p.tag !== DER_TAG.integer)) throw new DerError('not an ECDSA signature');
  const [r, s] = parts.map((p) => bytesToBigInt(signature.subarray(p.contentStart, p.end))) as [bigint, bigint];
  return { r, s };
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex ? BigInt(`0x${hex}`) : 0n;
}

export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  const hex = value.toString(16).padStart(length * 2, '0');
  if (hex.length > length * 2) throw new DerError('integer too large');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function base64UrlToBigInt(text: string): bigint {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytesToBigInt(bytes);
}
