/**
 * One rule for weak algorithms in every format (native-host/verify/algorithm-policy.ts, ETSI TS 119 312): a
 * signature whose mathematics holds but uses SHA-1, or an RSA key under 2048 bits, is INDETERMINATE with
 * WEAK_ALGORITHM — in CMS (openssl cms -md sha1), XML (xmlsec1 rsa-sha1, as VN tax notices are signed) and PDF
 * (a SHA-1 detached CMS and an adbe.pkcs7.sha1 signature, both checked by pdfsig first) — and a --policy that
 * accepts them for a stated use turns it into WEAK_ALGORITHM_ACCEPTED (valid, the use named). A broken SHA-1
 * signature stays invalid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { TestPki, openssl, type IssuedCert } from '../helpers/test-pki.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { completePdfSignature, preparePdfSignature } from '../../native-host/formats/pdf/prepare-pdf-signature.js';
import { TrustStore } from '../../native-host/trust/index.js';
import { verifyDocument, type VerifyOptions } from '../../native-host/verify/index.js';

const run = promisify(execFile);
let pki: TestPki;
let person: IssuedCert;
let shortKey: { certPath: string; keyPath: string };
let unsignedPdf: Uint8Array;
const ARCHIVE = { acceptWeakAlgorithms: { use: 'đọc lại hoá đơn 2022 / archive reading of 2022 e-invoices' } };

const options = (extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
  trust: new TrustStore([new x509.X509Certificate(pki.root.certDer as Uint8Array<ArrayBuffer>)]), checkRevocation: false, ...extra,
});
const codes = (report: Awaited<ReturnType<typeof verifyDocument>>) => report.signatures.flatMap((s) => s.reasons.map((r) => r.code));
const file = async (name: string, bytes: Uint8Array | string) => { const p = join(pki.dir, name); await writeFile(p, bytes); return p; };
const DOCUMENT = new TextEncoder().encode('Thông báo thuế số 77/TB-CT năm 2022.\n');

beforeAll(async () => {
  pki = await TestPki.create({ label: 'Weak algorithms' });
  person = await pki.issue({ subject: '/C=VN/O=Cục Thuế/CN=Cục Thuế Thử/UID=MST:0100231226' }, 'weak-person');
  // An RSA-1024 signer issued by the same intermediate (TestPki makes 2048-bit keys only).
  const keyPath = join(pki.dir, 'rsa1024.key');
  const csrPath = join(pki.dir, 'rsa1024.csr');
  const extPath = join(pki.dir, 'rsa1024.ext');
  const certPath = join(pki.dir, 'rsa1024.pem');
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', keyPath]);
  await openssl(['req', '-new', '-key', keyPath, '-subj', '/C=VN/CN=Khoa Ngan', '-out', csrPath]);
  await writeFile(extPath, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  await openssl(['x509', '-req', '-in', csrPath, '-CA', pki.intermediate.certPath, '-CAkey', pki.intermediate.keyPath, '-CAcreateserial', '-days', '30', '-extfile', extPath, '-out', certPath]);
  shortKey = { certPath, keyPath };
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]).drawText('Thong bao thue 2022', { x: 50, y: 780, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
  unsignedPdf = await doc.save({ useObjectStreams: false });
}, 120_000);
afterAll(async () => { await pki?.dispose(); });

async function cmsSign(content: Uint8Array, md: string, signer: { certPath: string; keyPath: string }, extra: string[] = []): Promise<Uint8Array> {
  const input = await file(`in-${md}.bin`, content);
  const out = join(pki.dir, `out-${md}.p7s`);
  await openssl(['cms', '-sign', '-binary', '-in', input, '-signer', signer.certPath, '-inkey', signer.keyPath, '-certfile', pki.intermediate.certPath,
    '-md', md, '-outform', 'DER', '-out', out, ...extra]);
  return new Uint8Array(await readFile(out));
}

async function pdfsigSays(bytes: Uint8Array, name: string): Promise<string> {
  const { stdout } = await run('pdfsig', ['-nocert', await file(name, bytes)]).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
  return stdout;
}

describe('one weak-algorithm rule for CMS, XML and PDF', () => {
  it('CMS with SHA-1: indeterminate WEAK_ALGORITHM ("SHA-1 is no longer considered safe"); a policy accepts it for a stated use', async () => {
    const p7s = await cmsSign(DOCUMENT, 'sha1', person);
    const report = await verifyDocument(p7s, options({ content: DOCUMENT }));
    expect(report.status).toBe('indeterminate');
    expect(codes(report).sort()).toEqual(['REVOCATION_SKIPPED', 'WEAK_ALGORITHM']);
    const weak = report.signatures[0]!.reasons.find((r) => r.code === 'WEAK_ALGORITHM')!;
    expect(weak.detail).toMatch(/SHA-1 is no longer considered safe/);
    const accepted = await verifyDocument(p7s, options({ content: DOCUMENT, algorithmPolicy: ARCHIVE }));
    expect(accepted.status).toBe('valid');
    expect(accepted.signatures[0]!.reasons.find((r) => r.code === 'WEAK_ALGORITHM_ACCEPTED')?.detail).toMatch(/accepted for: .*archive reading/);
    // The same file signed with SHA-256 is plainly valid: the rule is about the algorithm, nothing else.
    expect((await verifyDocument(await cmsSign(DOCUMENT, 'sha256', person), options({ content: DOCUMENT }))).status).toBe('valid');
  });

  it('CMS with SHA-1 whose content was changed stays invalid (CONTENT_MODIFIED), whatever the policy', async () => {
    const p7s = await cmsSign(DOCUMENT, 'sha1', person);
    const changed = new TextEncoder().encode('Thông báo thuế số 78/TB-CT năm 2022.\n');
    const report = await verifyDocument(p7s, options({ content: changed, algorithmPolicy: ARCHIVE }));
    expect(report.status).toBe('invalid');
    expect(codes(report)).toContain('CONTENT_MODIFIED');
  });

  it('CMS by an RSA-1024 key with SHA-256: indeterminate WEAK_ALGORITHM naming the key size', async () => {
    const report = await verifyDocument(await cmsSign(DOCUMENT, 'sha256', shortKey), options({ content: DOCUMENT }));
    expect(report.status).toBe('indeterminate');
    expect(report.signatures[0]!.reasons.find((r) => r.code === 'WEAK_ALGORITHM')?.detail).toMatch(/RSA key of 1024 bits is under 2048/);
  });

  it('XML signed rsa-sha1 by xmlsec1 (a 2022 tax notice): indeterminate WEAK_ALGORITHM; accepted by policy → valid', async () => {
    const template = await file('notice.tmpl.xml', `<?xml version="1.0" encoding="UTF-8"?>
<TBao><DLTBao Id="data"><So>77/TB-CT</So><NDung>Thông báo nộp thuế</NDung></DLTBao><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/><SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/><Reference URI="#data"><DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/><DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature></TBao>
`);
    const signedPath = join(pki.dir, 'notice.xml');
    await run('xmlsec1', ['--sign', '--privkey-pem', `${person.keyPath},${person.certPath},${pki.intermediate.certPath}`, '--id-attr:Id', 'DLTBao', '--output', signedPath, template]);
    await run('xmlsec1', ['--verify', '--trusted-pem', pki.root.certPath, '--untrusted-pem', pki.intermediate.certPath, '--id-attr:Id', 'DLTBao', signedPath]);
    const xml = new Uint8Array(await readFile(signedPath));
    const report = await verifyDocument(xml, options());
    expect(report).toMatchObject({ status: 'indeterminate', format: 'xml' });
    expect(codes(report)).toContain('WEAK_ALGORITHM');
    expect(codes(report)).not.toContain('SIGNATURE_INVALID');
    expect((await verifyDocument(xml, options({ algorithmPolicy: ARCHIVE }))).status).toBe('valid');
    // The CLI: exit 2 (indeterminate) by default, 0 with a --policy file that states the use.
    const policy = await file('policy.json', JSON.stringify(ARCHIVE));
    expect((await runKyso(['verify', signedPath, '--trust', pki.root.certPath, '--no-revocation'])).code).toBe(2);
    const accepted = await runKyso(['verify', signedPath, '--trust', pki.root.certPath, '--no-revocation', '--policy', policy]);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/archive reading/);
    const badPolicy = await runKyso(['verify', signedPath, '--policy', await file('bad-policy.json', '{"acceptWeakAlgorithms": true}')]);
    expect(badPolicy.code).toBe(3);
    expect(badPolicy.stderr).toMatch(/--policy/);
  }, 120_000);

  it('PDF with a SHA-1 detached CMS (pdfsig: valid): indeterminate WEAK_ALGORITHM, as for CMS and XML', async () => {
    const prepared = await preparePdfSignature(unsignedPdf, { placeholderBytes: 8192 });
    const [, b, c] = prepared.byteRange;
    const covered = Buffer.concat([prepared.preparedPdf.subarray(0, b), prepared.preparedPdf.subarray(c)]);
    const pdf = completePdfSignature(prepared.preparedPdf, await cmsSign(covered, 'sha1', person));
    expect(await pdfsigSays(pdf, 'sha1-detached.pdf')).toMatch(/Signature is Valid/);
    const report = await verifyDocument(pdf, options());
    expect(report.status).toBe('indeterminate');
    expect(codes(report)).toContain('WEAK_ALGORITHM');
    expect((await verifyDocument(pdf, options({ algorithmPolicy: ARCHIVE }))).status).toBe('valid');
  });

  it('PDF adbe.pkcs7.sha1 (pdfsig: valid) is verified, not "unsupported": indeterminate WEAK_ALGORITHM; a changed byte → invalid', async () => {
    const prepared = await preparePdfSignature(unsignedPdf, { placeholderBytes: 8192 });
    const text = Buffer.from(prepared.preparedPdf).toString('latin1');
    const at = text.lastIndexOf('/SubFilter /ETSI.CAdES.detached');
    const patched = prepared.preparedPdf.slice();
    patched.set(new TextEncoder().encode('/SubFilter /adbe.pkcs7.sha1    '), at);
    const [, b, c] = prepared.byteRange;
    const covered = Buffer.concat([patched.subarray(0, b), patched.subarray(c)]);
    const digest = createHash('sha1').update(covered).digest();
    const pdf = completePdfSignature(patched, await cmsSign(digest, 'sha1', person, ['-nodetach']));
    expect(await pdfsigSays(pdf, 'pkcs7-sha1.pdf')).toMatch(/Signature is Valid/);
    const report = await verifyDocument(pdf, options());
    expect(report.status).toBe('indeterminate');
    expect(codes(report)).toContain('WEAK_ALGORITHM');
    expect(codes(report)).not.toContain('UNSUPPORTED_ALGORITHM');
    expect((await verifyDocument(pdf, options({ algorithmPolicy: ARCHIVE }))).status).toBe('valid');
    const tampered = pdf.slice();
    const where = Buffer.from(tampered).indexOf('Thong bao thue 2022');
    tampered[where > 0 ? where : 100] = 0x74;
    expect((await verifyDocument(tampered, options({ algorithmPolicy: ARCHIVE }))).status).toBe('invalid');
  });
});
