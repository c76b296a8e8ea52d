/**
 * PKCS#11 returns ECDSA signatures as r ‖ s, each the size of the curve order [PKCS#11 2.40 §2.3.1];
 * CMS, PDF and XML-DSig over CMS want DER SEQUENCE { r INTEGER, s INTEGER } [RFC 3279 §2.2.3].
 */

function derInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  // A leading 1 bit would read as negative: prefix a zero byte [X.690 §8.3.2].
  const pad = (trimmed[0] ?? 0) & 0x80 ? 1 : 0;
  const out = new Uint8Array(2 + pad + trimmed.length);
  out[0] = 0x02;
  out[1] = pad + trimmed.length;
  out.set(trimmed, 2 + pad);
  return out;
}

export function rawEcdsaToDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0 || raw.length > 132) throw new RangeError(`raw ECDSA signature of ${raw.length} bytes`);
  const half = raw.length / 2;
  const r = derInteger(raw.subarray(0, half));
  const s = derInteger(raw.subarray(half));
  const bodyLength = r.length + s.length;
  // P-521 signatures exceed 127 bytes of content: long-form length [X.690 §8.1.3.5].
  const header = bodyLength < 0x80 ? [0x30, bodyLength] : [0x30, 0x81, bodyLength];
  const out = new Uint8Array(header.length + bodyLength);
  out.set(header, 0);
  out.set(r, header.length);
  out.set(s, header.length + r.length);
  return out;
}
