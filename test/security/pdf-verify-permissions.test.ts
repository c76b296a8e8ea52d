/**
 * Changes after signing against what the signed revision permits [ISO 32000-1 §12.8.2.2 DocMDP Table 254,
 * §12.7.4.5 /Lock (FieldMDP)] — the "certification attacks" of Rohlmann, Mladenov, Mainka, Schwenk (IEEE S&P
 * 2021): evil annotations (a FreeText over the amount) and sneaky form changes are allowed only where the
 * signer allowed them. Kyso's writer has no certification mode, so certifications and locks are written by the
 * test (support: signByHand, Kyso's CMS builder with the demo certificate's key); approvals come from `kyso sign-pdf`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  SHADOW_TEXT, addDss, addFreeText, addSignatureField, appendRevision, streamBody, codes, createSigningBench, details, fillAmount, makeContract, signByHand,
  type ContractParts, type SigningBench,
} from './pdf-verify-support.js';

let bench: SigningBench;
let contract: ContractParts;
let approved: Uint8Array;

beforeAll(async () => {
  bench = await createSigningBench();
  contract = await makeContract();
  approved = await bench.sign(contract.pdf, 'org-rsa');
}, 180_000);
afterAll(async () => { await bench?.dispose(); });

const certified = (p: 1 | 2 | 3) => signByHand(contract.pdf, bench, { certify: p });

describe('DocMDP and FieldMDP permissions decide which later changes are allowed', () => {
  it('the hand-made certification signatures are themselves valid (Kyso and pdfsig agree)', async () => {
    for (const p of [1, 2, 3] as const) {
      const pdf = await certified(p);
      expect(codes(await bench.verify(pdf))).toEqual([[]]);
      const path = join(bench.dir, `certified-${p}.pdf`);
      await writeFile(path, pdf);
      const { stdout } = await promisify(execFile)('pdfsig', ['-nocert', path]).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
      expect(stdout).toMatch(/Signature is Valid/);
    }
  });

  it('no certification (Kyso default P=2): a FreeText annotation over the amount → invalid', async () => {
    const report = await bench.verify(await addFreeText(approved, 'SO TIEN: 9.900.000 DONG'));
    expect(report.status).toBe('invalid');
    expect(details(report, 0, 'PDF_DISALLOWED_CHANGE').join('\n')).toMatch(/\/FreeText annotation added on page 1/);
  });

  it('no certification (Kyso default P=2): form filling → valid, the new value reported', async () => {
    const report = await bench.verify(await fillAmount(approved, '2.200.000', contract.fontName));
    expect(report.status).toBe('valid');
    expect(details(report, 0, 'PDF_ALLOWED_CHANGE').join('\n')).toMatch(/field 'SoTien' value changed to '2\.200\.000'/);
  });

  it('certified P=1: form filling → invalid', async () => {
    const report = await bench.verify(await fillAmount(await certified(1), '2.200.000', contract.fontName));
    expect(report.status).toBe('invalid');
    expect(details(report, 0, 'PDF_DISALLOWED_CHANGE').join('\n')).toMatch(/SoTien/);
  });

  it('certified P=1: even a new signature field → invalid (and kyso sign-pdf refuses to sign it)', async () => {
    const pdf = await certified(1);
    await expect(bench.sign(pdf, 'person2-rsa')).rejects.toThrow(/UNSUPPORTED_DOCUMENT/);
    const report = await bench.verify(await addSignatureField(pdf, undefined, { appearance: false }));
    expect(report.status).toBe('invalid');
    expect(details(report, 0, 'PDF_DISALLOWED_CHANGE').join('\n')).toMatch(/DocMDP P=1/);
  });

  it('certified P=1: validation data (DSS) may still be added (DocMDP does not restrict it, ETSI TS 102 778-4 A.1)', async () => {
    const report = await bench.verify(await addDss(await certified(1), bench));
    expect(report.status).toBe('valid');
    expect(details(report, 0, 'PDF_ALLOWED_CHANGE').join('\n')).toMatch(/validation data \(DSS\) added/);
  });

  it('certified P=2: a later kyso signature and form filling → valid; a FreeText annotation → invalid', async () => {
    const signedAgain = await bench.sign(await fillAmount(await certified(2), '2.200.000', contract.fontName), 'person2-rsa');
    const report = await bench.verify(signedAgain);
    expect(report.signatures.map((s) => s.status)).toEqual(['valid', 'valid']);
    expect(codes(report)[0]).toEqual(['PDF_ALLOWED_CHANGE']);
    expect((await bench.verify(await addFreeText(await certified(2), 'SO TIEN: 9.900.000 DONG'))).status).toBe('invalid');
  });

  it('certified P=3: a FreeText annotation → valid, reported; a page content change is still invalid', async () => {
    const annotated = await bench.verify(await addFreeText(await certified(3), 'Da xem'));
    expect(annotated.status).toBe('valid');
    expect(details(annotated, 0, 'PDF_ALLOWED_CHANGE').join('\n')).toMatch(/\/FreeText annotation added on page 1/);
    const rewritten = appendRevision(await certified(3), [{ ref: contract.contentRef, body: streamBody(`BT /${contract.fontName} 14 Tf 50 760 Td (${SHADOW_TEXT}) Tj ET`) }]);
    const report = await bench.verify(rewritten);
    expect(report.status).toBe('invalid');
    expect(details(report, 0, 'PDF_DISALLOWED_CHANGE').join('\n')).toMatch(/page 1 content changed/);
  });

  it('a signature whose field locks "SoTien" (FieldMDP /Lock): changing that field → invalid', async () => {
    const locked = await signByHand(contract.pdf, bench, { lockFields: ['SoTien'] });
    expect(codes(await bench.verify(locked))).toEqual([[]]);
    const report = await bench.verify(await fillAmount(locked, '9.900.000', contract.fontName));
    expect(report.status).toBe('invalid');
    expect(details(report, 0, 'PDF_DISALLOWED_CHANGE').join('\n')).toMatch(/field 'SoTien' changed although signature 'Chung thuc' locks it/);
  });
});
