/**
 * The few DER reads the SDK needs to check a signature: the SubjectPublicKeyInfo of a certificate
 * [RFC 5280 §4.1] and the (r, s) of an ECDSA signature [RFC 3279 §2.2.3]. Anything malformed throws.
 */

export interface Tlv {
  readonly tag: number;
  /** Offset of the first byte of the TLV. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the content. */
  readonly end: number;
}

export class DerError extends Error {}

export function readTlv(bytes: Uint8Array, offset: number, limit = bytes.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used here');
  let length = bytes[offset + 1]!;
  let cursor = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // DER: definite, minimal length, at most 4 bytes (nothing we read is that large anyway).
    if (count === 0 || count > 4 || cursor + count > limit) throw new DerError('bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[cursor + i]!;
    cursor += count;
  }
  const end = cursor + length;
  if (end > limit) throw new DerError('truncated');
  return { tag, start: offset, contentStart: cursor, end };
}

/** The children of a constructed TLV. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let offset = parent.contentStart;
  while (offset < parent.end) {
    const child = readTlv(bytes, offset, parent.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;

/** SubjectPublicKeyInfo (whole TLV) of an X.509 certificate. */
export function subjectPublicKeyInfo(certificate: Uint8Array): Uint8Array {
  const outer = readTlv(certificate, 0);
  if (outer.tag !== SEQUENCE || outer.end !== certificate.length) throw new DerError('not a certificate');
  const tbs = children(certificate, outer)[0];
  if (!tbs || tbs.tag !== SEQUENCE) throw new DerError('no tbsCertificate');
  const fields = children(certificate, tbs);
  // version [0] EXPLICIT is optional; then serial, signature, issuer, validity, subject, subjectPublicKeyInfo.
  const first = fields[0]?.tag === 0xa0 ? 1 : 0;
  const spki = fields[first + 5];
  if (!spki || spki.tag !== SEQUENCE) throw new DerError('no subjectPublicKeyInfo');
  return certificate.slice(spki.start, spki.end);
}

/** r and s of a DER ECDSA-Sig-Value. */
export function ecdsaSignatureValues(signature: Uint8Array): { r: bigint; s: bigint } {
  const outer = readTlv(signature, 0);
  if (outer.tag !== SEQUENCE || outer.end !== signature.length) throw new DerError('not an ECDSA signature');
  const parts = children(signature, outer);
  if (parts.length !== 2 || parts.some((p) => p.tag !== INTEGER)) throw new DerError('not an ECDSA signature');
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
