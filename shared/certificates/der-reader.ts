/**
 * A small reader of DER [X.690 §8, §10]: enough to walk a certificate's structure (tags, lengths, nested
 * elements, OIDs, integers, times, bit strings) without a schema library. Each element is offsets into the bytes
 * it was read from; nothing is copied. Anything that is not well-formed DER for what is asked is a DerError.
 * Pure JS: runs in the host, the extension and the page SDK alike.
 */

export class DerError extends Error {}

export interface DerElement {
  /** The identifier octet: class, constructed bit and tag number (only low tag numbers, < 31, are read). */
  readonly tag: number;
  /** Where the element's header starts, where its contents start, and the end of its contents (exclusive). */
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

export const DER_TAG = {
  boolean: 0x01, integer: 0x02, bitString: 0x03, octetString: 0x04, null: 0x05, oid: 0x06,
  utcTime: 0x17, generalizedTime: 0x18, sequence: 0x30, set: 0x31,
} as const;

/** The element starting at `offset`, which must end by `limit` (default: the end of the bytes). */
export function readElement(bytes: Uint8Array, offset = 0, limit = bytes.length): DerElement {
  if (offset + 2 > limit) throw new DerError('truncated header');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag number');
  let length = bytes[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // 0x80 is BER's indefinite length, never DER; 4 length bytes cover any certificate.
    if (count === 0 || count > 4 || contentStart + count > limit) throw new DerError('bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i]!;
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError('element runs past its container');
  return { tag, start: offset, contentStart, end };
}

/** The elements inside a constructed element, in order. */
export function childrenOf(bytes: Uint8Array, element: DerElement): DerElement[] {
  if (!(element.tag & 0x20)) throw new DerError('not a constructed element');
  const out: DerElement[] = [];
  for (let at = element.contentStart; at < element.end;) {
    const child = readElement(bytes, at, element.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** `element`, after checking it has the tag expected. */
export function expectTag(element: DerElement | undefined, tag: number): DerElement {
  if (!element || element.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}`);
  return element;
}

export function contentsOf(bytes: Uint8Array, element: DerElement): Uint8Array {
  return bytes.subarray(element.contentStart, element.end);
}

/** The whole encoding of the element (header included). */
export function encodingOf(bytes: Uint8Array, element: DerElement): Uint8Array {
  return bytes.subarray(element.start, element.end);
}

/** Dotted text of an OBJECT IDENTIFIER [X.690 §8.19]. */
export function oidOf(bytes: Uint8Array, element: DerElement): string {
  const body = contentsOf(bytes, expectTag(element, DER_TAG.oid));
  if (body.length === 0) throw new DerError('empty OID');
  const arcs: (number | bigint)[] = [];
  let value = 0n;
  for (let i = 0; i < body.length; i++) {
    value = (value << 7n) | BigInt(body[i]! & 0x7f);
    if (body[i]! & 0x80) continue;
    if (arcs.length === 0) {
      // The first subidentifier carries two arcs: 40·X + Y, X ≤ 2.
      const first = value < 40n ? 0n : value < 80n ? 1n : 2n;
      arcs.push(first, value - first * 40n);
    } else {
      arcs.push(value);
    }
    value = 0n;
  }
  if (body[body.length - 1]! & 0x80) throw new DerError('truncated OID');
  return arcs.join('.');
}

/** Lower-case hex of an INTEGER's contents, as encoded (two's complement, leading zero byte kept). */
export function integerHexOf(bytes: Uint8Array, element: DerElement): string {
  const body = contentsOf(bytes, expectTag(element, DER_TAG.integer));
  if (body.length === 0) throw new DerError('empty INTEGER');
  let hex = '';
  for (const b of body) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** A BIT STRING's bytes, without the unused-bits count. */
export function bitStringBytesOf(bytes: Uint8Array, element: DerElement): Uint8Array {
  const body = contentsOf(bytes, expectTag(element, DER_TAG.bitString));
  if (body.length === 0 || body[0]! > 7) throw new DerError('bad BIT STRING');
  return body.subarray(1);
}

/**
 * UTCTime or GeneralizedTime [X.690 §11.7, §11.8; RFC 5280 §4.1.2.5]: UTCTime years 50–99 are 19xx, 00–49 are
 * 20xx. Seconds, fractions and an offset from UTC are accepted as BER allows them; DER always has seconds and Z.
 */
export function timeOf(bytes: Uint8Array, element: DerElement): Date {
  if (element.tag !== DER_TAG.utcTime && element.tag !== DER_TAG.generalizedTime) throw new DerError('not a time');
  const text = String.fromCharCode(...contentsOf(bytes, element));
  const utc = element.tag === DER_TAG.utcTime;
  const match = (utc ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?()(Z|[+-]\d{4})$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{4})?$/).exec(text);
  if (!match) throw new DerError('bad time');
  let year = Number(match[1]);
  if (utc) year += year < 50 ? 2000 : 1900;
  const milliseconds = match[7] ? Math.round(Number(`0.${match[7]}`) * 1000) : 0;
  let time = Date.UTC(year, Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6] ?? 0), milliseconds);
  const zone = match[8];
  if (zone && zone !== 'Z') {
    const minutes = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5));
    time -= (zone[0] === '+' ? 1 : -1) * minutes * 60_000;
  }
  // Date.UTC maps years 0–99 to 1900–1999; a GeneralizedTime year below 100 needs setting explicitly.
  const date = new Date(time);
  if (!utc && year < 100) date.setUTCFullYear(year);
  if (Number.isNaN(date.getTime())) throw new DerError('bad time');
  return date;
}
