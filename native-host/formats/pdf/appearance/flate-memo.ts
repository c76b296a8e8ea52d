/**
 * Deflated stream data remembered across the documents of a batch. The stamp's font subset and its ToUnicode map
 * are the same bytes in every document that shows the same letters (stamp-font.ts already keeps the subset's
 * bytes), yet pdf-lib deflated both again for each document with pako: ~1–2 ms of CPU per document, and each
 * deflate allocates ~256 KB of window and hash tables that the garbage collector then has to reclaim.
 *
 * Deflating is a pure function of the input (same pako, same level), so the kept result is byte-for-byte what
 * pdf-lib would have produced: keyed by the input's SHA-256 and length, nothing about the document is shared.
 * Each stream gets its own copy of the kept bytes, so nothing written later (an encrypted file's stream is
 * replaced, never changed in place, but this does not rely on it) can reach another document.
 */
import { createHash } from 'node:crypto';
import type { PDFContext } from 'pdf-lib';

/** Distinct stream contents kept (each a few KB to a few tens of KB: a font subset, a ToUnicode map). */
const MAX_KEPT = 128;
/** Below this, deflating costs about what hashing does: not worth keeping. */
const MIN_BYTES = 256;

const kept = new Map<string, Uint8Array>();
const memoized = new WeakSet<PDFContext>();

type FlateStream = PDFContext['flateStream'];

/** From now on, `context.flateStream` reuses the deflated bytes of contents deflated before (by any document). */
export function memoizeFlateStreams(context: PDFContext): void {
  if (memoized.has(context)) return;
  memoized.add(context);
  const original: FlateStream = context.flateStream.bind(context);
  context.flateStream = ((contents, dict = {}) => {
    // pdf-lib turns a string into bytes one char code per byte (utils typedArrayFor): latin1 is the same mapping.
    const bytes = typeof contents === 'string' ? Buffer.from(contents, 'latin1') : contents;
    if (bytes.length < MIN_BYTES) return original(contents, dict);
    const key = `${createHash('sha256').update(bytes).digest('base64')}:${bytes.length}`;
    const known = kept.get(key);
    if (known) return context.stream(known.slice(), { ...dict, Filter: 'FlateDecode' });
    const stream = original(contents, dict);
    if (kept.size >= MAX_KEPT) kept.clear();
    kept.set(key, stream.getContents().slice());
    return stream;
  }) as FlateStream;
}
