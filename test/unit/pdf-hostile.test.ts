/**
 * Hostile PDFs: damaged copies of a valid document (bytes overwritten, cut, junk appended). Preparing a
 * signature must either work or throw a typed KysoError — never another exception, never a hang.
 * The mutations come from a fixed-seed generator so a failure reproduces.
 */
import { describe, expect, it } from 'vitest';
import { preparePdfSignature } from '../../native-host/formats/pdf/prepare-pdf-signature.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('damaged PDFs', () => {
  it('every damaged copy is signed or refused with a KysoError', async () => {
    const original = await makeVietnameseDocument(2, 'table');
    const streams = await makeVietnameseDocument(2, 'stream');
    const random = prng(20261125);
    const outcomes = { signed: 0, refused: 0 };
    for (let i = 0; i < 120; i++) {
      const base = i % 2 === 0 ? original : streams;
      const bytes = new Uint8Array(base);
      const kind = i % 4;
      let input: Uint8Array = bytes;
      if (kind === 0) {
        for (let k = 0; k < 8; k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      } else if (kind === 1) {
        input = bytes.subarray(0, Math.floor(random() * bytes.length));
      } else if (kind === 2) {
        // Damage the tail, where startxref and the trailer live.
        for (let k = 0; k < 4; k++) bytes[bytes.length - 1 - Math.floor(random() * 200)] = Math.floor(random() * 256);
      } else {
        input = new Uint8Array([...bytes, ...new TextEncoder().encode(`\n${'garbage '.repeat(Math.floor(random() * 50))}`)]);
      }
      try {
        await preparePdfSignature(input, { placeholderBytes: 1024, visible: { rect: { x: 300, y: 100, width: 200, height: 60 } } });
        outcomes.signed++;
      } catch (error) {
        expect(error, `mutation ${i} (kind ${kind})`).toBeInstanceOf(KysoError);
        // DOCUMENT_AMBIGUOUS: a byte hit an object the xref points to, so the xref and the objects disagree.
        expect(['INVALID_DOCUMENT', 'UNSUPPORTED_DOCUMENT', 'BAD_REQUEST', 'DOCUMENT_AMBIGUOUS']).toContain((error as KysoError).code);
        outcomes.refused++;
      }
    }
    // Both outcomes happen: the test exercises the refusal paths, not only the happy one.
    expect(outcomes.refused).toBeGreaterThan(10);
    expect(outcomes.signed).toBeGreaterThan(10);
  }, 60_000);
});
