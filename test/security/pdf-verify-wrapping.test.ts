/**
 * Signature wrapping [Mladenov et al., CCS 2019 — SWA]: a later revision redefines a signature dictionary so its
 * /ByteRange points at bytes the attacker arranged — a copy of the signed bytes moved elsewhere, another
 * signature's /Contents, a range not starting at 0, overlapping or leaving a gap that is not this dictionary's own
 * /Contents, or ending somewhere other than the end of a revision. The CMS may still verify over the bytes it
 * points at; Kyso must still say invalid (PDF_BYTE_RANGE_INVALID for the forged range) and never valid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PAGE_CONTENTS, SHADOW_TEXT, addSignatureField, appendRevision, codes, createSigningBench, edit, lastTrailer, makeContract, objectsOf,
  signatureObjects, streamBody, type ContractParts, type SignatureObjects, type SigningBench,
} from './pdf-verify-support.js';

let bench: SigningBench;
let contract: ContractParts;
let signed: Uint8Array;
let signedTwice: Uint8Array;
let first: SignatureObjects;

beforeAll(async () => {
  bench = await createSigningBench();
  contract = await makeContract();
  signed = await bench.sign(contract.pdf, 'org-rsa');
  signedTwice = await bench.sign(signed, 'person2-rsa');
  [first] = await signatureObjects(signed) as [SignatureObjects];
  const report = await bench.verify(signedTwice);
  if (report.status !== 'valid') throw new Error(`fixture not valid: ${JSON.stringify(codes(report))}`);
}, 180_000);
afterAll(async () => { await bench?.dispose(); });

const withRange = (body: string, range: readonly number[]) => edit(body, /\/ByteRange \[[^\]]*\]/, `/ByteRange [ ${range.join(' ')} ]`);

/** Page 1 pointed at a new content stream with the shadow amount (the payload every wrapping tries to hide). */
async function payload(pdf: Uint8Array, number: number) {
  const { body, page } = await objectsOf(pdf);
  return [
    { ref: `${number} 0`, body: streamBody(`BT /${contract.fontName} 14 Tf 50 760 Td (${SHADOW_TEXT}) Tj ET`) },
    { ref: page(1), body: edit(body(page(1)), PAGE_CONTENTS, `/Contents ${number} 0 R`) },
  ];
}

function expectNeverValid(report: Awaited<ReturnType<SigningBench['verify']>>, code = 'PDF_BYTE_RANGE_INVALID'): void {
  expect(report.status).toBe('invalid');
  expect(report.signatures.some((s) => s.status === 'valid' && s.name === 'Signature1' && s.reasons.length === 0)).toBe(false);
  expect(codes(report).flat(), JSON.stringify(codes(report))).toContain(code);
}

describe('signature wrapping: a /ByteRange pointing at moved or foreign bytes', () => {
  it('the classic: signed bytes after /Contents copied into a later revision, /ByteRange redefined to point at the copy', async () => {
    const [, b, c, d] = first.byteRange;
    const size = lastTrailer(signed).size;
    const copyRef = `${size} 0`;
    const streamHead = `<< /Length ${d} >>\nstream\n`;
    const copyAt = signed.length + `${copyRef} obj\n`.length + streamHead.length;
    const copy = Buffer.concat([Buffer.from(streamHead, 'latin1'), Buffer.from(signed.subarray(c, c + d)), Buffer.from('\nendstream', 'latin1')]);
    const attacked = appendRevision(signed, [
      { ref: copyRef, body: copy },
      { ref: first.sigRef, body: withRange(first.sigBody, [0, b, copyAt, d]) },
      ...await payload(signed, size + 1),
    ]);
    // The moved bytes are the signed bytes: a verifier that only hashes the ranges would accept the CMS.
    expect(Buffer.from(attacked.subarray(copyAt, copyAt + d)).equals(Buffer.from(signed.subarray(c, c + d)))).toBe(true);
    expectNeverValid(await bench.verify(attacked));
  });

  it("a signature field whose /ByteRange and /Contents are another signature's (gap = the other signature's /Contents)", async () => {
    const [, second] = await signatureObjects(signedTwice) as [SignatureObjects, SignatureObjects];
    const contents = /\/Contents (<[0-9A-Fa-f]*>)/.exec(first.sigBody)![1]!;
    const forgedSecond = edit(withRange(second.sigBody, first.byteRange), /\/Contents <[0-9A-Fa-f]*>/, `/Contents ${contents}`);
    const size = lastTrailer(signedTwice).size;
    const attacked = appendRevision(signedTwice, [{ ref: second.sigRef, body: forgedSecond }, ...await payload(signedTwice, size)]);
    expectNeverValid(await bench.verify(attacked));
  });

  it('the real signature copied into a new field: reported invalid (its dictionary is not in the revision it signs)', async () => {
    const contents = /\/Contents (<[0-9A-Fa-f]*>)/.exec(first.sigBody)![1]!;
    const attacked = await addSignatureField(signed, `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [ ${first.byteRange.join(' ')} ] /Contents ${contents} >>`);
    const report = await bench.verify(attacked);
    expectNeverValid(report);
    expect(report.signatures.find((s) => s.name === 'Giam doc')?.reasons.map((r) => r.code)).toContain('PDF_BYTE_RANGE_INVALID');
  });

  const [b0, c0] = [1, 2] as const; // indices into the ByteRange
  const ranges: ReadonlyArray<readonly [string, (r: readonly [number, number, number, number], length: number) => number[]]> = [
    ['not starting at 0', (r) => [1, r[b0] - 1, r[c0], r[3]]],
    ['first range overlapping /Contents', (r) => [0, r[b0] + 10, r[c0], r[3]]],
    ['second range overlapping /Contents', (r) => [0, r[b0], r[c0] - 10, r[3] + 10]],
    ['gap larger than /Contents', (r) => [0, r[b0] - 20, r[c0], r[3]]],
    ['ending inside the signed revision (not at a revision end)', (r) => [0, r[b0], r[c0], r[3] - 7]],
    ['ending at the end of the file, covering the attacker revision', (r, length) => [0, r[b0], r[c0], length - r[c0]]],
    ['ranges in the wrong order', (r) => [r[c0], r[3], 0, r[b0]]],
  ];
  for (const [what, make] of ranges) {
    it(`a /ByteRange redefined ${what}: invalid`, async () => {
      const size = lastTrailer(signed).size;
      const probe = appendRevision(signed, [{ ref: first.sigRef, body: withRange(first.sigBody, make(first.byteRange, 0)) }, ...await payload(signed, size)]);
      // Pad the number so the final length does not move when the real value is written.
      const attacked = appendRevision(signed, [{ ref: first.sigRef, body: withRange(first.sigBody, make(first.byteRange, probe.length)) }, ...await payload(signed, size)]);
      const report = await bench.verify(attacked.length === probe.length ? attacked : probe);
      expect(report.status).toBe('invalid');
      expect(report.signatures.some((s) => s.status === 'valid' && s.reasons.length === 0 && s.name === 'Signature1')).toBe(false);
    });
  }
});
