/** Small byte-level helpers for PDF syntax [ISO 32000-1 §7.2.2 white-space and delimiter characters]. */

/** White-space characters: NUL, HT, LF, FF, CR, SP [§7.2.2 Table 1]. */
export function isPdfWhitespace(byte: number | undefined): boolean {
  return byte === 0x00 || byte === 0x09 || byte === 0x0a || byte === 0x0c || byte === 0x0d || byte === 0x20;
}

/** Delimiters ( ) < > [ ] { } / % [§7.2.2 Table 2]. */
export function isPdfDelimiter(byte: number | undefined): boolean {
  return byte === 0x28 || byte === 0x29 || byte === 0x3c || byte === 0x3e || byte === 0x5b || byte === 0x5d
    || byte === 0x7b || byte === 0x7d || byte === 0x2f || byte === 0x25;
}

export function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

/** First offset at or after `at` that is not white space (comments are not skipped). */
export function skipWhitespace(bytes: Uint8Array, at: number): number {
  let i = at;
  while (i < bytes.length && isPdfWhitespace(bytes[i])) i++;
  return i;
}

/** A Buffer view over the same memory (no copy), for indexOf and latin1 decoding. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return asBuffer(bytes).toString('latin1', Math.max(0, start), Math.min(bytes.length, end));
}

/** `keyword` at `at`, followed by white space, a delimiter or the end of the data (so `xref` ≠ `xrefs`). */
export function keywordAt(bytes: Uint8Array, at: number, keyword: string): boolean {
  if (at < 0 || at + keyword.length > bytes.length) return false;
  for (let i = 0; i < keyword.length; i++) if (bytes[at + i] !== keyword.charCodeAt(i)) return false;
  const after = bytes[at + keyword.length];
  return after === undefined || isPdfWhitespace(after) || isPdfDelimiter(after);
}

/**
 * A non-negative decimal integer at `at` (no sign, no point), at most `maxDigits` digits; undefined when there is
 * none or it is not a safe integer.
 */
export function readUnsignedInt(bytes: Uint8Array, at: number, maxDigits = 16): { value: number; end: number } | undefined {
  let i = at;
  let value = 0;
  while (i < bytes.length && isDigit(bytes[i]) && i - at < maxDigits) {
    value = value * 10 + (bytes[i]! - 0x30);
    i++;
  }
  if (i === at || isDigit(bytes[i]) || !Number.isSafeInteger(value)) return undefined;
  return { value, end: i };
}
