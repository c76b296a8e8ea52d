/**
 * XML verification against signatures made by xmlsec1 (independent) and by our XML signer (XAdES-BES,
 * Vietnamese e-invoice layout), plus tampering and hostile input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestPki, type IssuedCert } from '../helpers/test-pki.js';
import { softwareSigner } from '../helpers/software-signer.js';
import { signXmlDocument } from '../../native-host/formats/xml/sign-xml-document.js';
import { TrustStore } from '../../native-host/trust/index.js';
import { verifyDocument, type VerifyOptions } from '../../native-host/verify/index.js';

const run = promisify(execFile);
let pki: TestPki;
let other: TestPki;
let rsa: IssuedCert;
let ec: IssuedCert;

const INVOICE = (signatureMethod: string) => `<?xml version="1.0" encoding="UTF-8"?>
<HDon><DLHDon Id="data"><TTChung><THDon>Hóa đơn giá trị gia tăng</THDon><KHMSHDon>1</KHMSHDon></TTChung><NDHDon><NBan><Ten>Công ty TNHH Ánh Dương</Ten><MST>0101234567</MST></NBan><TToan><TgTTTBSo>1100000</TgTTTBSo></TToan></NDHDon></DLHDon><DSCKS><NBan><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/><SignatureMethod Algorithm="${signatureMethod}"/><Reference URI="#data"><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature></NBan></DSCKS></HDon>
`;
const ENVELOPED = `<?xml version="1.0" encoding="UTF-8"?>
<ToKhai><NguoiNop>Nguyễn Văn Ánh</NguoiNop><SoTien>500000</SoTien><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature></ToKhai>
`;

async function xmlsecSign(template: string, cert: IssuedCert, name: string): Promise<Uint8Array> {
  const input = join(pki.dir, `${name}.tmpl.xml`);
  const output = join(pki.dir, `${name}.xml`);
  await writeFile(input, template);
  await run('xmlsec1', ['--sign', '--privkey-pem', `${cert.keyPath},${cert.certPath},${pki.intermediate.certPath}`, '--id-attr:Id', 'DLHDon', '--output', output, input]);
  // The fixture must verify with xmlsec1 itself before it can judge our verifier.
  await run('xmlsec1', ['--verify', '--trusted-pem', pki.root.certPath, '--untrusted-pem', pki.intermediate.certPath, '--id-attr:Id', 'DLHDon', output]);
  return new Uint8Array(await readFile(output));
}

const options = (extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
  trust: new TrustStore([new x509.X509Certificate(pki.root.certDer as Uint8Array<ArrayBuffer>)]), checkRevocation: false, ...extra,
});
const codes = (report: Awaited<ReturnType<typeof verifyDocument>>) => report.signatures.flatMap((s) => s.reasons.map((r) => r.code));
const edit = (bytes: Uint8Array, from: string, to: string) => {
  const text = Buffer.from(bytes).toString('utf8');
  expect(text).toContain(from);
  return new Uint8Array(Buffer.from(text.replace(from, to), 'utf8'));
};

beforeAll(async () => {
  pki = await TestPki.create({ label: 'Verify XML' });
  other = await TestPki.create({ label: 'Stranger' });
  rsa = await pki.issue({ subject: '/C=VN/O=Công ty TNHH Ánh Dương/CN=Công ty TNHH Ánh Dương/UID=MST:0101234567' }, 'xml-rsa');
  ec = await pki.issue({ subject: '/C=VN/CN=Lê Thị Hồng/UID=CCCD:079201000123', keyType: 'ec' }, 'xml-ec');
}, 60_000);
afterAll(async () => { await Promise.all([pki?.dispose(), other?.dispose()]); });

describe('verifyDocument — XML', () => {
  it('xmlsec1 e-invoice (#Id reference, RSA): valid, signer typed', async () => {
    const report = await verifyDocument(await xmlsecSign(INVOICE('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'), rsa, 'invoice'), options());
    expect(codes(report)).toEqual(['REVOCATION_SKIPPED']);
    expect(report.status).toBe('valid');
    expect(report.format).toBe('xml');
    expect(report.signatures[0]!.signer?.subject.identifiers.mst).toBe('0101234567');
    expect(report.signatures[0]!.chain.status).toBe('valid');
  });

  it('xmlsec1 enveloped whole-document and ECDSA signatures: valid', async () => {
    expect((await verifyDocument(await xmlsecSign(ENVELOPED, rsa, 'enveloped'), options())).status).toBe('valid');
    const ecReport = await verifyDocument(await xmlsecSign(INVOICE('http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256'), ec, 'invoice-ec'), options());
    expect(codes(ecReport)).toEqual(['REVOCATION_SKIPPED']);
    expect(ecReport.signatures[0]!.signer?.subject.commonName).toBe('Lê Thị Hồng');
  });

  it('a changed amount: invalid (reference digest)', async () => {
    const signed = await xmlsecSign(INVOICE('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'), rsa, 'invoice-t');
    const report = await verifyDocument(edit(signed, '<TgTTTBSo>1100000<', '<TgTTTBSo>9100000<'), options());
    expect(report.status).toBe('invalid');
    expect(codes(report)).toContain('XML_REFERENCE_DIGEST');
  });

  it('a changed SignatureValue: invalid (signature)', async () => {
    const signed = await xmlsecSign(ENVELOPED, rsa, 'enveloped-t');
    const text = Buffer.from(signed).toString('utf8');
    const value = /<SignatureValue>([\s\S]*?)<\/SignatureValue>/.exec(text)![1]!;
    const flipped = (value[5] === 'A' ? 'B' : 'A');
    const report = await verifyDocument(edit(signed, value, value.slice(0, 5) + flipped + value.slice(6)), options());
    expect(report.status).toBe('invalid');
    expect(codes(report)).toContain('SIGNATURE_INVALID');
  });

  it('signed under another root: indeterminate', async () => {
    const signed = await xmlsecSign(ENVELOPED, rsa, 'enveloped-r');
    const report = await verifyDocument(signed, { trust: new TrustStore([new x509.X509Certificate(other.root.certDer as Uint8Array<ArrayBuffer>)]), checkRevocation: false });
    expect(report.status).toBe('indeterminate');
  });

  it('our XAdES-BES e-invoice signature: valid with its SigningTime', async () => {
    const signer = softwareSigner(rsa.keyPath, rsa.certPem, [pki.intermediate.certPem], 'RSA');
    const unsigned = new TextEncoder().encode('<?xml version="1.0" encoding="UTF-8"?>\n<HDon><DLHDon Id="data"><THDon>Hóa đơn</THDon></DLHDon><DSCKS><NBan/></DSCKS></HDon>\n');
    const signingTime = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    const signed = await signXmlDocument(unsigned, { signer, referenceId: 'data', parent: 'DSCKS/NBan', xades: true, signingTime });
    const report = await verifyDocument(signed, options());
    expect(codes(report)).toEqual(['REVOCATION_SKIPPED']);
    expect(report.signatures[0]!.signingTime).toBe(signingTime.toISOString());
  });

  it('a XAdES SigningCertificateV2 digest that names another certificate: invalid', async () => {
    const signer = softwareSigner(rsa.keyPath, rsa.certPem, [pki.intermediate.certPem], 'RSA');
    const unsigned = new TextEncoder().encode('<?xml version="1.0" encoding="UTF-8"?>\n<HDon><DLHDon Id="data"><THDon>Hóa đơn</THDon></DLHDon></HDon>\n');
    const signed = await signXmlDocument(unsigned, { signer, referenceId: 'data', xades: true });
    const text = Buffer.from(signed).toString('utf8');
    const digest = /CertDigest>[\s\S]*?DigestValue>([^<]+)</.exec(text)?.[1];
    expect(digest).toBeDefined();
    // Swapping the digest breaks SignedProperties' reference digest too: both findings must be reported.
    const forged = await verifyDocument(edit(signed, digest!, Buffer.alloc(32, 7).toString('base64')), options());
    expect(forged.status).toBe('invalid');
    expect(codes(forged)).toEqual(expect.arrayContaining(['XML_REFERENCE_DIGEST', 'SIGNING_CERT_MISMATCH']));
  });

  it('a reference to an external URI is not fetched: indeterminate (content missing)', async () => {
    const http = await import('node:http');
    let hits = 0;
    const server = http.createServer((_req, res) => { hits++; res.end('x'); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hoa-don.xml`;
      const signed = await xmlsecSign(ENVELOPED, rsa, 'external');
      const report = await verifyDocument(edit(signed, '<Reference URI="">', `<Reference URI="${url}">`), options());
      expect(report.status).toBe('indeterminate');
      expect(codes(report)).toContain('CONTENT_MISSING');
      expect(hits).toBe(0);
    } finally {
      server.close();
    }
  });

  it('refuses a DTD (entity expansion) and reports a document without signatures', async () => {
    const bomb = new TextEncoder().encode('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx">]><a>&x;</a>');
    const refused = await verifyDocument(bomb, options());
    expect(refused.status).toBe('invalid');
    expect(refused.reasons.map((r) => r.code)).toEqual(['XML_DTD_REFUSED']);
    const none = await verifyDocument(new TextEncoder().encode('<a>không có chữ ký</a>'), options());
    expect(none).toMatchObject({ status: 'invalid', signatures: [], reasons: [{ code: 'XML_NO_SIGNATURES' }] });
    await expect(verifyDocument(new TextEncoder().encode('<a><b></a>'), options())).rejects.toMatchObject({ code: 'INVALID_DOCUMENT' });
  });

  it('a NEL (U+0085) in the signed text is read as XML 1.0 reads it: xmlsec1\'s signature is valid, and the NEL changed to a line feed is not', async () => {
    // XML 1.0 ends lines at CR and CRLF only; xmldom's default also turned NEL/LS/PS into LF (XML 1.1). Then a
    // signed NEL and a line feed put in its place canonicalised alike, and the edit verified `valid`.
    const signed = await xmlsecSign(ENVELOPED.replace('Nguyễn Văn Ánh', 'Nguyễn\u0085Văn Ánh'), rsa, 'enveloped-nel');
    expect((await verifyDocument(signed, options())).status).toBe('valid');
    const edited = edit(signed, 'Nguyễn\u0085Văn', 'Nguyễn\nVăn');
    const input = join(pki.dir, 'enveloped-nel-edited.xml');
    await writeFile(input, edited);
    // The independent verifier agrees the edit breaks the signature.
    await expect(run('xmlsec1', ['--verify', '--trusted-pem', pki.root.certPath, '--untrusted-pem', pki.intermediate.certPath, input])).rejects.toThrow();
    expect((await verifyDocument(edited, options())).status).toBe('invalid');
  });
});
