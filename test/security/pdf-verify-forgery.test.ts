/**
 * Universal signature forgery [Mladenov et al., CCS 2019 — USF]: a signature field whose signature dictionary
 * lacks the values a verifier needs, or holds malformed ones (/Contents missing, empty, zeros, not hex, not CMS;
 * /ByteRange missing, empty, wrong length, negative, not integers, beyond the end; /Cert junk). Viewers that skip
 * a check they cannot run showed such fields as signed. Kyso must report every such field as an invalid
 * signature — never valid, never silently dropped — and the document as not valid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSignatureField, codes, createSigningBench, makeContract, signatureObjects, type ContractParts, type SigningBench } from './pdf-verify-support.js';

let bench: SigningBench;
let contract: ContractParts;
let signed: Uint8Array;
let realRange: readonly number[];
let realContents: string;

beforeAll(async () => {
  bench = await createSigningBench();
  contract = await makeContract();
  signed = await bench.sign(contract.pdf, 'org-rsa');
  const [first] = await signatureObjects(signed);
  realRange = first!.byteRange;
  realContents = /\/Contents (<[0-9A-Fa-f]*>)/.exec(first!.sigBody)![1]!;
}, 180_000);
afterAll(async () => { await bench?.dispose(); });

const head = '/Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached';
const range = () => `[ ${realRange.join(' ')} ]`;

/** Forged signature dictionaries: each must make a reported, invalid signature. */
const FORGERIES: ReadonlyArray<readonly [string, () => string]> = [
  ['/Contents missing', () => `<< ${head} /ByteRange ${range()} >>`],
  ['/Contents empty', () => `<< ${head} /ByteRange ${range()} /Contents <> >>`],
  ['/Contents all zeros', () => `<< ${head} /ByteRange ${range()} /Contents <${'0'.repeat(2048)}> >>`],
  ['/Contents not a hex string', () => `<< ${head} /ByteRange ${range()} /Contents (not hex at all) >>`],
  ['/Contents not CMS', () => `<< ${head} /ByteRange ${range()} /Contents <3003020101> >>`],
  ['/Contents a null object', () => `<< ${head} /ByteRange ${range()} /Contents null >>`],
  ['/ByteRange missing', () => `<< ${head} /Contents ${realContents} >>`],
  ['/ByteRange empty', () => `<< ${head} /ByteRange [] /Contents ${realContents} >>`],
  ['/ByteRange of three numbers', () => `<< ${head} /ByteRange [0 10 20] /Contents ${realContents} >>`],
  ['/ByteRange negative', () => `<< ${head} /ByteRange [0 -10 20 30] /Contents ${realContents} >>`],
  ['/ByteRange not integers', () => `<< ${head} /ByteRange [0 10.5 /Twenty (30)] /Contents ${realContents} >>`],
  ['/ByteRange beyond the end of the file', () => `<< ${head} /ByteRange [0 ${realRange[1]} ${realRange[2]} 99999999] /Contents ${realContents} >>`],
  ['/ByteRange a name', () => `<< ${head} /ByteRange /All /Contents ${realContents} >>`],
  ['adbe.x509.rsa_sha1 with /Cert junk', () => `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.x509.rsa_sha1 /ByteRange ${range()} /Cert [ (junk) <00> ] /Contents <0401aa> >>`],
  ['adbe.x509.rsa_sha1 with /Cert missing', () => `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.x509.rsa_sha1 /ByteRange ${range()} /Contents <0401aa> >>`],
  ['the real signature copied into a new field (its dictionary is not in the revision it signs)', () => `<< ${head} /ByteRange ${range()} /Contents ${realContents} >>`],
  ['a signature value that is not a dictionary', () => '42'],
];

describe('universal signature forgery: malformed signature dictionaries are invalid signatures', () => {
  for (const [what, body] of FORGERIES) {
    it(`${what}: the forged field is reported invalid, the document is not valid`, async () => {
      const forged = await addSignatureField(signed, body());
      const report = await bench.verify(forged);
      expect(report.status).toBe('invalid');
      const fake = report.signatures.find((s) => s.name === 'Giam doc');
      expect(fake, JSON.stringify(codes(report))).toBeDefined();
      expect(fake!.status).toBe('invalid');
      expect(fake!.reasons.map((r) => r.code).some((c) => ['PDF_BYTE_RANGE_INVALID', 'SIGNATURE_INVALID', 'UNSUPPORTED_ALGORITHM'].includes(c))).toBe(true);
      // The real signature still verifies and names the forged field as a change after it.
      expect(report.signatures[0]!.name).toBe('Signature1');
    });
  }

  it('a forged field alone in an unsigned document: invalid, not "valid" and not silently empty', async () => {
    const { pdf } = contract;
    const forged = await addSignatureField(pdf, `<< ${head} /ByteRange [0 10 20 30] /Contents <> >>`);
    const report = await bench.verify(forged);
    expect(report.status).toBe('invalid');
    expect(report.signatures.map((s) => s.status)).toEqual(['invalid']);
  });

  it('an empty signature field (no /V) with a visible appearance added after signing: not valid', async () => {
    const forged = await addSignatureField(signed, undefined);
    const report = await bench.verify(forged);
    expect(report.status).toBe('invalid');
    expect(codes(report)[0]).toContain('PDF_DISALLOWED_CHANGE');
  });

  it('an empty, invisible signature field (no /V, no appearance) added after signing: allowed, reported', async () => {
    const added = await addSignatureField(signed, undefined, { appearance: false });
    const report = await bench.verify(added);
    expect(report.status).toBe('valid');
    expect(codes(report)).toEqual([['PDF_ALLOWED_CHANGE']]);
  });
});

describe('damaged multi-revision files', () => {
  it('bit flips and cuts anywhere in a twice-signed file: a report or a typed error, never a crash, never all valid', async () => {
    const { KysoError } = await import('../../shared/errors/kyso-error.js');
    const twice = await bench.sign(signed, 'person2-rsa', ['--page', '1']);
    expect((await bench.verify(twice)).status).toBe('valid');
    let x = 20261202;
    const next = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return Math.abs(x); };
    // The only bytes no signature covers: the second signature's own /Contents (its zero padding is not signed).
    const [, b, c] = (await signatureObjects(twice))[1]!.byteRange;
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const at = next() % twice.length;
      const damaged = i % 3 === 0 ? twice.subarray(0, at) : twice.slice();
      if (i % 3 !== 0) damaged[at] = damaged[at]! ^ (1 << (next() % 8));
      let outcome: string;
      try {
        outcome = (await bench.verify(damaged)).status;
      } catch (error) {
        if (!(error instanceof KysoError)) throw error;
        outcome = error.code;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      // Every other byte is covered by the second signature: a flip there, or a cut, never leaves the file valid.
      if (i % 3 === 0 || at < b || at >= c) expect(outcome, `mutation ${i} at ${at}`).not.toBe('valid');
    }
    expect(outcomes.size).toBeGreaterThan(1);
  });
});
