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

/**
 * DER of an OBJECT IDENTIFIER from its dotted text [X.690 §8.19]. The few OIDs a signature names (attribute types,
 * algorithms) are encoded once and kept: each signature of a batch asked for them again (BigInt arithmetic per arc).
 * The kept bytes are only ever copied into larger encodings (derTlv), never changed.
 */
export function derOid(oid: string): Uint8Array {
  let der = KEPT_OIDS.get(oid);
  if (!der) {
    der = encodeOid(oid);
    if (KEPT_OIDS.size < 256) KEPT_OIDS.set(oid, der);
  }
  return der;
}

const KEPT_OIDS = new Map<string, Uint8Array>();

function encodeOid(oid: string): Uint8Array {
  const arcs = oid.split('.').map((arc) => BigInt(arc));
  if (arcs.length < 2) throw new Error(`not an OID: ${oid}`);
  const body: number[] = [];
  for (const arc of [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)]) {
    const groups: number[] = [];
    for (let n = arc; ; n >>= 7n) {
      groups.unshift(Number(n & 0x7fn) | (groups.length > 0 ? 0x80 : 0));
      if (n < 0x80n) break;
    }
    body.push(...groups);
  }
  return derTlv(0x06, [Uint8Array.from(body)]);
}

/** DER NULL. */
export const DER_NULL = Uint8Array.of(0x05, 0x00);

/**
 * A time as CMS writes it: UTCTime up to 2049, GeneralizedTime from 2050 [RFC 5652 §11.3], in UTC with seconds;
 * GeneralizedTime keeps milliseconds (trailing zeros dropped) as asn1js writes them, UTCTime cannot hold them.
 */
export function derTime(time: Date): Uint8Array {
  const two = (n: number) => String(n).padStart(2, '0');
  const rest = `${two(time.getUTCMonth() + 1)}${two(time.getUTCDate())}${two(time.getUTCHours())}${two(time.getUTCMinutes())}${two(time.getUTCSeconds())}`;
  const year = time.getUTCFullYear();
  if (year < 2050) return derTlv(0x17, [new TextEncoder().encode(`${two(year % 100)}${rest}Z`)]);
  const ms = time.getUTCMilliseconds();
  const fraction = ms === 0 ? '' : `.${String(ms).padStart(3, '0').replace(/0+$/, '')}`;
  return derTlv(0x18, [new TextEncoder().encode(`${String(year).padStart(4, '0')}${rest}${fraction}Z`)]);
}
