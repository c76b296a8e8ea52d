/**
 * The two pieces of DER the CMS builders write by hand, where asn1js would re-encode what must stay byte-exact
 * (signed attributes, revocation values copied from a signature): a TLV around already-encoded contents, and the
 * order of a SET OF.
 */

/** DER of `tag` around already-encoded `contents`, with a definite length [X.690 §8.1.3, §10.1]. */
export function derTlv(tag: number, contents: readonly Uint8Array[]): Uint8Array {
  const length = contents.reduce((n, c) => n + c.length, 0);
  const header = [tag, ...derLength(length)];
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  let at = header.length;
  for (const c of contents) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Order of the elements of a DER SET OF: lexicographic on their encodings, a shorter prefix first [X.690 §11.6]. */
export function compareDer(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Short form below 128, else 0x80 | the number of length bytes, then the length big-endian [X.690 §8.1.3.4–5]. */
function derLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return [0x80 | bytes.length, ...bytes];
}
