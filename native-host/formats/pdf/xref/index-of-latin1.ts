/**
 * `buffer.indexOf(needle, from, 'latin1')`, the same answer, fast for any needle length (issue 14, "PDF streamed").
 *
 * Node's Buffer search (V8's StringSearch) takes a memchr-driven linear search for needles of up to 7 bytes and
 * Boyer-Moore-Horspool from 8 bytes on — which crawls over high-entropy bytes (compressed streams, images, i.e. most
 * of a large PDF): `startxref` over 100 MB of random bytes took 45–140 ms, its first 7 bytes 4–20 ms (node 20,
 * measured in 1 MiB windows as copy-input.ts searches). So the first 7 bytes are searched and the rest compared.
 */
const LINEAR_SEARCH_MAX = 7;

export function indexOfLatin1(buffer: Buffer, needle: string, from = 0): number {
  if (needle.length <= LINEAR_SEARCH_MAX) return buffer.indexOf(needle, from, 'latin1');
  const head = needle.slice(0, LINEAR_SEARCH_MAX);
  for (let i = buffer.indexOf(head, from, 'latin1'); i >= 0; i = buffer.indexOf(head, i + 1, 'latin1')) {
    if (restMatches(buffer, needle, i)) return i;
  }
  return -1;
}

function restMatches(buffer: Buffer, needle: string, at: number): boolean {
  if (at + needle.length > buffer.length) return false;
  for (let k = LINEAR_SEARCH_MAX; k < needle.length; k++) {
    if (buffer[at + k] !== (needle.charCodeAt(k) & 0xff)) return false;
  }
  return true;
}
