/**
 * `verify` reads the format from the file's structure (native-host/verify/detect-format.ts), not from "%PDF-"
 * somewhere in its first KiB. Every pairing that a magic string confuses: an attached CMS (.p7m, DER and PEM)
 * whose content is a PDF, an XML invoice quoting "%PDF-1.7" in a text field, a PDF with bytes before its header,
 * the caller's hint, and bytes that are none of them. Signatures come from independent producers (openssl cms,
 * xmlsec1) and our PDF writer; the CLI's exit code is checked where a user sees it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { TestPki, openssl, type IssuedCert } from '../helpers/test-pki.js';
import { softwareSigner } from '../helpers/software-signer.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { signPdf } from '../../native-host/formats/pdf/sign-pdf.js';
import { TrustStore } from '../../native-host/trust/index.js';
import { detectFormat, verifyDocument, type VerifyOptions } from '../../native-host/verify/index.js';

const run = promisify(execFile);
let pki: TestPki;
let person: IssuedCert;
let signedPdf: Uint8Array;

const options = (extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
  trust: new TrustStore([new x509.X509Certificate(pki.root.certDer as Uint8Array<ArrayBuffer>)]), checkRevocation: false, ...extra,
});
const file = async (name: string, bytes: Uint8Array | string) => { const p = join(pki.dir, name); await writeFile(p, bytes); return p; };
const cli = (path: string, ...extra: string[]) => runKyso(['verify', path, '--trust', pki.root.certPath, '--no-revocation', '--json', ...extra]);

/** An e-invoice whose note quotes a PDF header, as a text field may (signed by xmlsec1 over #data). */
const INVOICE = `<?xml version="1.0" encoding="UTF-8"?>
<HDon><DLHDon Id="data"><TTChung><THDon>Hóa đơn giá trị gia tăng</THDon><GChu>Tệp đính kèm: %PDF-1.7 bản scan hợp đồng</GChu></TTChung><NDHDon><TToan><TgTTTBSo>1100000</TgTTTBSo></TToan></NDHDon></DLHDon><DSCKS><NBan><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference URI="#data"><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature></NBan></DSCKS></HDon>
`;

beforeAll(async () => {
  pki = await TestPki.create({ label: 'Verify format' });
  person = await pki.issue({ subject: '/C=VN/O=Sở Tư pháp/CN=Đặng Văn Định/UID=CCCD:001077000222' }, 'format-person');
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]).drawText('Hop dong so 45/2026', { x: 50, y: 780, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
  signedPdf = await signPdf(await doc.save({ useObjectStreams: false }), softwareSigner(person.keyPath, person.certPem, [pki.intermediate.certPem], 'RSA'));
}, 120_000);
afterAll(async () => { await pki?.dispose(); });

async function attachedCmsOf(content: Uint8Array, form: 'DER' | 'PEM'): Promise<Uint8Array> {
  const input = await file(`content-${form}.bin`, content);
  const out = join(pki.dir, `attached.${form === 'DER' ? 'p7m' : 'pem'}`);
  await openssl(['cms', '-sign', '-binary', '-nodetach', '-in', input, '-signer', person.certPath, '-inkey', person.keyPath,
    '-certfile', pki.intermediate.certPath, '-md', 'sha256', '-outform', form, '-out', out]);
  // The fixture must be what it claims: openssl verifies it and gives back the PDF.
  await openssl(['cms', '-verify', '-binary', '-inform', form, '-in', out, '-CAfile', pki.root.certPath, '-certfile', pki.intermediate.certPath, '-out', join(pki.dir, 'back.bin')]);
  expect(Buffer.compare(await readFile(join(pki.dir, 'back.bin')), Buffer.from(content))).toBe(0);
  return new Uint8Array(await readFile(out));
}

describe('verify: format detection by structure', () => {
  it('an attached DER CMS (.p7m) of a PDF: verified as CMS, valid, and reported as carrying a PDF (CLI exit 0)', async () => {
    const p7m = await attachedCmsOf(signedPdf, 'DER');
    expect(Buffer.from(p7m.subarray(0, 1024)).toString('latin1')).toContain('%PDF-');
    expect(detectFormat(p7m)).toBe('cms');
    const report = await verifyDocument(p7m, options());
    expect(report).toMatchObject({ status: 'valid', format: 'cms' });
    expect(report.signatures[0]!.signer?.subject.commonName).toBe('Đặng Văn Định');
    expect(report.reasons.map((r) => r.code)).toEqual(['CMS_CONTENT_IS_PDF']);
    const result = await cli(await file('contract.pdf.p7m', p7m));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'valid', format: 'cms', reasons: [{ code: 'CMS_CONTENT_IS_PDF' }] });
  }, 120_000);

  it('an attached PEM CMS of a PDF: CMS, valid', async () => {
    const pem = await attachedCmsOf(signedPdf, 'PEM');
    expect(detectFormat(pem)).toBe('cms');
    expect(await verifyDocument(pem, options())).toMatchObject({ status: 'valid', format: 'cms' });
  });

  it('an attached CMS of plain text does not claim a PDF content', async () => {
    const p7m = await attachedCmsOf(new TextEncoder().encode('Quyết định số 9'), 'DER');
    const report = await verifyDocument(p7m, options());
    expect(report).toMatchObject({ status: 'valid', format: 'cms', reasons: [] });
  });

  it('an XML e-invoice quoting "%PDF-1.7" in a text field: XML, valid (CLI exit 0)', async () => {
    const template = await file('invoice.tmpl.xml', INVOICE);
    const signedPath = join(pki.dir, 'invoice.xml');
    await run('xmlsec1', ['--sign', '--privkey-pem', `${person.keyPath},${person.certPath},${pki.intermediate.certPath}`, '--id-attr:Id', 'DLHDon', '--output', signedPath, template]);
    await run('xmlsec1', ['--verify', '--trusted-pem', pki.root.certPath, '--untrusted-pem', pki.intermediate.certPath, '--id-attr:Id', 'DLHDon', signedPath]);
    const xml = new Uint8Array(await readFile(signedPath));
    expect(Buffer.from(xml.subarray(0, 1024)).toString('latin1')).toContain('%PDF-1.7');
    expect(detectFormat(xml)).toBe('xml');
    expect(await verifyDocument(xml, options())).toMatchObject({ status: 'valid', format: 'xml' });
    const result = await cli(signedPath);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'valid', format: 'xml' });
  });

  it('a PDF with bytes before its header (within 1 KiB) and a trailer: PDF, valid', async () => {
    const prefix = new TextEncoder().encode('X'.repeat(100) + '\n');
    const shifted = new Uint8Array(prefix.length + signedPdf.length);
    shifted.set(prefix);
    shifted.set(signedPdf, prefix.length);
    expect(detectFormat(shifted)).toBe('pdf');
    expect(detectFormat(signedPdf)).toBe('pdf');
  });

  it('the caller\'s hint is preferred: --format xml on a .p7m reads it as XML and says it is not well-formed (exit 3)', async () => {
    const p7m = await attachedCmsOf(signedPdf, 'DER');
    expect(detectFormat(p7m, 'xml')).toBe('xml');
    await expect(verifyDocument(p7m, options({ format: 'xml' }))).rejects.toMatchObject({ code: 'INVALID_DOCUMENT' });
    const path = await file('hinted.p7m', p7m);
    expect((await cli(path, '--format', 'cms')).code).toBe(0);
    expect((await cli(path, '--format', 'xml')).code).toBe(3);
    const bad = await cli(path, '--format', 'docx');
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/--format takes pdf, xml or cms/);
  }, 120_000);

  it('bytes that quote "%PDF-" after other data but have no PDF trailer, and are neither XML nor CMS: UNSUPPORTED_DOCUMENT', () => {
    const text = new TextEncoder().encode(`Ghi chú: tệp gốc là %PDF-1.7, đã gửi qua thư.\n`);
    expect(() => detectFormat(text)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_DOCUMENT' }));
    // A DER SEQUENCE that is not SignedData (a bare certificate) is not CMS either.
    expect(() => detectFormat(person.certDer)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_DOCUMENT' }));
  });
});
