/**
 * PDF verification. Signed PDFs come from our PAdES writer (native-host/formats/pdf) — no other PDF signing tool
 * is installed here — and each fixture is first checked by poppler's pdfsig, an independent verifier, so these
 * tests judge our verifier against pdfsig's verdict. Tampering is done on the bytes, as an attacker would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { TestPki, type IssuedCert } from '../helpers/test-pki.js';
import { softwareSigner } from '../helpers/software-signer.js';
import { startTestTsa, type TestTsa } from '../helpers/tsa-server.js';
import { signPdf } from '../../native-host/formats/pdf/sign-pdf.js';
import { completePdfSignature, preparePdfSignature } from '../../native-host/formats/pdf/prepare-pdf-signature.js';
import { requestTimestamp, timestampHook } from '../../native-host/formats/timestamp/request-timestamp.js';
import type { Signer } from '../../native-host/token/signer.js';
import { TrustStore } from '../../native-host/trust/index.js';
import { verifyDocument, type VerifyOptions } from '../../native-host/verify/index.js';

const run = promisify(execFile);
let pki: TestPki;
let tsa: TestTsa;
let person: IssuedCert;
let signer: Signer;
let signer2: Signer;
let unsigned: Uint8Array;
let tsaCaDer: Uint8Array;

const options = (extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
  trust: new TrustStore([new x509.X509Certificate(pki.root.certDer as Uint8Array<ArrayBuffer>), new x509.X509Certificate(tsaCaDer as Uint8Array<ArrayBuffer>)]),
  checkRevocation: false,
  ...extra,
});
const codes = (report: Awaited<ReturnType<typeof verifyDocument>>) => report.signatures.map((s) => s.reasons.map((r) => r.code).filter((c) => c !== 'REVOCATION_SKIPPED'));

async function pdfsig(bytes: Uint8Array, name: string): Promise<string> {
  const path = join(pki.dir, `${name}.pdf`);
  await writeFile(path, bytes);
  const { stdout } = await run('pdfsig', ['-nocert', path]).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
  return stdout;
}

beforeAll(async () => {
  pki = await TestPki.create({ label: 'Verify PDF' });
  person = await pki.issue({ subject: '/C=VN/O=Sở Tài chính/CN=Hoàng Văn Duyệt/UID=CCCD:001088000111' }, 'pdf-person');
  const second = await pki.issue({ subject: '/C=VN/CN=Vũ Thị Hai', keyType: 'ec' }, 'pdf-second');
  signer = softwareSigner(person.keyPath, person.certPem, [pki.intermediate.certPem], 'RSA');
  signer2 = softwareSigner(second.keyPath, second.certPem, [pki.intermediate.certPem], 'EC');
  tsa = await startTestTsa();
  const { readFile } = await import('node:fs/promises');
  tsaCaDer = new Uint8Array(Buffer.from((await readFile(tsa.caPem, 'utf8')).replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText('Quyet dinh so 123 - so tien 1.100.000 dong', { x: 50, y: 780, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
  unsigned = await doc.save({ useObjectStreams: false });
}, 120_000);
afterAll(async () => { await tsa?.close(); await pki?.dispose(); });

describe('verifyDocument — PDF', () => {
  it('one PAdES signature with a timestamp: valid (pdfsig agrees), signer, time and coverage reported', async () => {
    const signed = await signPdf(unsigned, signer, { timestamp: timestampHook({ url: tsa.url, allowPrivateAddresses: true /* test TSA on loopback */ }), reason: 'Phê duyệt' });
    expect(await pdfsig(signed, 'one')).toMatch(/Signature Validation: Signature is Valid/);
    const report = await verifyDocument(signed, options());
    expect(codes(report)).toEqual([[]]);
    expect(report).toMatchObject({ status: 'valid', format: 'pdf' });
    const sig = report.signatures[0]!;
    expect(sig.coversWholeDocument).toBe(true);
    expect(sig.signer?.subject.commonName).toBe('Hoàng Văn Duyệt');
    expect(sig.timestamp?.status).toBe('valid');
    expect(sig.signingTime).toBeDefined();
  });

  it('two signatures: both valid; the first does not cover the whole file but a later signature does', async () => {
    const once = await signPdf(unsigned, signer);
    const twice = await signPdf(once, signer2);
    expect((await pdfsig(twice, 'twice')).match(/Signature is Valid/g)?.length).toBe(2);
    const report = await verifyDocument(twice, options());
    expect(report.status).toBe('valid');
    expect(report.signatures.map((s) => s.coversWholeDocument)).toEqual([false, true]);
    expect(report.signatures.map((s) => s.signer?.subject.commonName)).toEqual(['Hoàng Văn Duyệt', 'Vũ Thị Hai']);
  });

  it('an object redefined after %%EOF without a cross-reference section: invalid, the file is ambiguous', async () => {
    const signed = await signPdf(unsigned, signer);
    const appended = new Uint8Array([...signed, ...new TextEncoder().encode('\n1 0 obj\n<< /Injected true >>\nendobj\n%%EOF\n')]);
    const report = await verifyDocument(appended, options());
    expect(report.status).toBe('invalid');
    expect(codes(report)).toEqual([['PDF_STRUCTURE_INCONSISTENT', 'PDF_MODIFIED_AFTER_SIGNING']]);
    expect(report.signatures[0]!.coversWholeDocument).toBe(false);
  });

  it('junk bytes (no object) after %%EOF: indeterminate, reported as bytes outside any revision', async () => {
    const signed = await signPdf(unsigned, signer);
    const appended = new Uint8Array([...signed, ...new TextEncoder().encode('\n% appended by a mail gateway\n')]);
    const report = await verifyDocument(appended, options());
    expect(report.status).toBe('indeterminate');
    expect(codes(report)).toEqual([['PDF_MODIFIED_AFTER_SIGNING']]);
    expect(report.signatures[0]!.coversWholeDocument).toBe(false);
  });

  it('a changed byte inside the signed range: invalid (pdfsig agrees)', async () => {
    const signed = await signPdf(unsigned, signer);
    const text = Buffer.from(signed).toString('latin1');
    const at = text.indexOf('/MediaBox [');
    expect(at).toBeGreaterThan(0);
    const tampered = signed.slice();
    const digitAt = text.indexOf('595', at);
    tampered[digitAt] = '6'.charCodeAt(0); // MediaBox width 595 → 695, same length
    expect(await pdfsig(tampered, 'tampered')).not.toMatch(/Signature is Valid/);
    const report = await verifyDocument(tampered, options());
    expect(report.status).toBe('invalid');
    expect(codes(report)[0]).toContain('CONTENT_MODIFIED');
  });

  it('a ByteRange that leaves out more than /Contents: invalid', async () => {
    const signed = await signPdf(unsigned, signer);
    const text = Buffer.from(signed).toString('latin1');
    const match = /\/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(text)!;
    const [whole, b, c, d] = match as unknown as [string, string, string, string];
    const forged = whole.replace(` ${b} `, ` ${String(Number(b) - 10).padStart(b.length, ' ')} `);
    expect(forged.length).toBe(whole.length);
    const tampered = new Uint8Array(Buffer.from(text.replace(whole, forged), 'latin1'));
    void c; void d;
    const report = await verifyDocument(tampered, options());
    expect(report.status).toBe('invalid');
    expect(codes(report)[0]).toEqual(['PDF_BYTE_RANGE_INVALID']);
  });

  it('a document timestamp (ETSI.RFC3161) after a signature: both valid; a changed byte breaks the timestamp', async () => {
    const signed = await signPdf(unsigned, signer);
    const prepared = await preparePdfSignature(signed, { placeholderBytes: 8192 });
    // Our writer has no document-timestamp mode: rename the SubFilter (same length, blank-padded) before the
    // range is hashed, then put an RFC 3161 token from `openssl ts` over the covered bytes into /Contents.
    const text = Buffer.from(prepared.preparedPdf).toString('latin1');
    const from = text.lastIndexOf('/SubFilter /ETSI.CAdES.detached');
    expect(from).toBeGreaterThan(signed.length);
    const patched = prepared.preparedPdf.slice();
    patched.set(new TextEncoder().encode('/SubFilter /ETSI.RFC3161'.padEnd('/SubFilter /ETSI.CAdES.detached'.length, ' ')), from);
    const [, b, c] = prepared.byteRange;
    const covered = new Uint8Array([...patched.subarray(0, b), ...patched.subarray(c)]);
    const stamped = completePdfSignature(patched, await requestTimestamp(covered, { url: tsa.url, allowPrivateAddresses: true /* test TSA on loopback */ }));
    const report = await verifyDocument(stamped, options());
    // The timestamp's field, widget and AcroForm update are allowed changes after the first signature.
    expect(codes(report)).toEqual([['PDF_ALLOWED_CHANGE'], []]);
    expect(report.status).toBe('valid');
    expect(report.signatures[1]!.timestamp).toMatchObject({ status: 'valid', authority: 'Kyso Test TSA' });

    const tampered = stamped.slice();
    const at = Buffer.from(tampered).indexOf('/MediaBox [', 0, 'latin1') + 11;
    tampered[at] = tampered[at] === 0x35 ? 0x36 : 0x35;
    const broken = await verifyDocument(tampered, options());
    expect(broken.status).toBe('invalid');
    expect(broken.signatures[1]!.reasons.map((r) => r.code)).toContain('TIMESTAMP_INVALID');
  });

  it('an unsigned PDF: invalid with "no signatures"', async () => {
    const report = await verifyDocument(unsigned, options());
    expect(report).toMatchObject({ status: 'invalid', signatures: [], reasons: [{ code: 'PDF_NO_SIGNATURES' }] });
  });

  it('a truncated PDF is a typed error or a finding, never a crash', async () => {
    const signed = await signPdf(unsigned, signer);
    const cut = signed.subarray(0, Math.floor(signed.length / 2));
    const outcome = await verifyDocument(cut, options()).then((r) => r.status, (e: { code?: string }) => e.code);
    expect(['invalid', 'INVALID_DOCUMENT']).toContain(outcome);
  });
});
