/**
 * The CMS verification matrix. Signatures are made by `openssl cms -sign` (an independent producer) and by our
 * own CMS builder; revocation is answered by a real `openssl ocsp` responder; timestamps by `openssl ts -reply`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestPki, freePort, openssl, type IssuedCert, type OcspResponder } from '../helpers/test-pki.js';
import { softwareSigner } from '../helpers/software-signer.js';
import { startTestTsa, type TestTsa } from '../helpers/tsa-server.js';
import { buildCmsSignature } from '../../native-host/formats/cms/build-cms-signature.js';
import { timestampHook } from '../../native-host/formats/timestamp/request-timestamp.js';
import { TrustStore, RevocationCache } from '../../native-host/trust/index.js';
import { verifyDocument, type VerifyOptions } from '../../native-host/verify/index.js';

// The responders here listen on 127.0.0.1: enabled through the documented admin opt-in (native-host/config.ts),
// not by weakening the rule that keeps revocation fetches off loopback and private addresses.
process.env.KYSO_ALLOW_PRIVATE_REVOCATION_URLS = '1';

let pki: TestPki;
let other: TestPki;
let responder: OcspResponder;
let tsa: TestTsa;
let signer: IssuedCert;
let ecSigner: IssuedCert;
let revoked: IssuedCert;
let expired: IssuedCert;
let docPath: string;
const DOCUMENT = new TextEncoder().encode('Quyết định số 123/QĐ-UBND về việc phê duyệt dự toán năm 2026.\n');

let tsaCaDer: Uint8Array;
/** Trusted: the test PKI's root and the test TSA's root; a fresh revocation cache per verification. */
const options = (extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
  trust: new TrustStore([new x509.X509Certificate(pki.root.certDer as Uint8Array<ArrayBuffer>), new x509.X509Certificate(tsaCaDer as Uint8Array<ArrayBuffer>)]),
  cache: new RevocationCache(),
  ...extra,
});

async function opensslSign(cert: IssuedCert, extraArgs: string[] = [], outName = `${cert.name}.p7s`): Promise<Uint8Array> {
  const out = join(pki.dir, outName);
  await openssl(['cms', '-sign', '-binary', '-in', docPath, '-signer', cert.certPath, '-inkey', cert.keyPath, '-certfile', pki.intermediate.certPath,
    '-md', 'sha256', '-outform', 'DER', '-out', out, ...extraArgs]);
  return new Uint8Array(await readFile(out));
}

beforeAll(async () => {
  const ocspPort = await freePort();
  pki = await TestPki.create({ ocspUrl: `http://127.0.0.1:${ocspPort}`, label: 'Verify CMS' });
  other = await TestPki.create({ label: 'Stranger' });
  signer = await pki.issue({ subject: '/C=VN/O=UBND Tỉnh Thử/CN=Nguyễn Văn Ký/UID=CCCD:001099012345' }, 'signer');
  ecSigner = await pki.issue({ subject: '/C=VN/CN=Trần Thị EC/UID=MST:0101234567', keyType: 'ec' }, 'ec-signer');
  revoked = await pki.issue({ subject: '/C=VN/CN=Bị Thu Hồi' }, 'revoked');
  await pki.revoke(revoked, 'keyCompromise');
  expired = await pki.issue({ subject: '/C=VN/CN=Đã Hết Hạn', startDate: '20240101000000Z', endDate: '20250101000000Z' }, 'expired');
  responder = await pki.startOcspResponder({ port: ocspPort });
  tsa = await startTestTsa();
  const pem = await readFile(tsa.caPem, 'utf8');
  tsaCaDer = new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
  docPath = join(pki.dir, 'document.txt');
  await writeFile(docPath, DOCUMENT);
}, 120_000);

afterAll(async () => {
  await responder?.stop();
  await tsa?.close();
  await Promise.all([pki?.dispose(), other?.dispose()]);
});

const codes = (report: Awaited<ReturnType<typeof verifyDocument>>) => report.signatures.flatMap((s) => s.reasons.map((r) => r.code));

describe('verifyDocument — CMS', () => {
  it('openssl detached RSA signature + content: valid, OCSP good, signer described with diacritics', async () => {
    const report = await verifyDocument(await opensslSign(signer), options({ content: DOCUMENT }));
    expect(codes(report)).toEqual([]);
    expect(report.status).toBe('valid');
    const sig = report.signatures[0]!;
    expect(sig.format).toBe('cms');
    expect(sig.signer?.subject.commonName).toBe('Nguyễn Văn Ký');
    expect(sig.signer?.subject.identifiers.cccd).toBe('001099012345');
    expect(sig.chain).toEqual({ status: 'valid', path: ['Nguyễn Văn Ký', 'Verify CMS Intermediate CA', 'Verify CMS Root CA'] });
    expect(sig.revocation.status).toBe('good');
    expect(Math.abs(Date.parse(sig.signingTime!) - Date.now())).toBeLessThan(10 * 60_000);
  });

  it('openssl attached (-nodetach) EC signature, and PEM form: valid', async () => {
    const der = await opensslSign(ecSigner, ['-nodetach']);
    expect((await verifyDocument(der, options())).status).toBe('valid');
    const pemPath = join(pki.dir, 'ec.pem.p7s');
    await openssl(['cms', '-sign', '-binary', '-in', docPath, '-signer', ecSigner.certPath, '-inkey', ecSigner.keyPath, '-certfile', pki.intermediate.certPath, '-outform', 'PEM', '-out', pemPath]);
    const report = await verifyDocument(new Uint8Array(await readFile(pemPath)), options({ content: DOCUMENT }));
    expect(codes(report)).toEqual([]);
    expect(report.signatures[0]!.signer?.keyType).toBe('EC');
  });

  it('tampered content: invalid (content modified)', async () => {
    const tampered = DOCUMENT.slice();
    tampered[10] = tampered[10]! ^ 0x01;
    const report = await verifyDocument(await opensslSign(signer), options({ content: tampered }));
    expect(report.status).toBe('invalid');
    expect(codes(report)).toContain('CONTENT_MODIFIED');
    expect(report.signatures[0]!.reasons.find((r) => r.code === 'CONTENT_MODIFIED')?.vi).toBe('Nội dung đã bị thay đổi sau khi ký.');
  });

  it('a flipped bit in the signature value: invalid (signature)', async () => {
    const der = await opensslSign(signer);
    // The RSA signature value is the last 256 bytes of the SignerInfo, which openssl writes last.
    const broken = der.slice();
    broken[broken.length - 20] = broken[broken.length - 20]! ^ 0x80;
    const report = await verifyDocument(broken, options({ content: DOCUMENT }));
    expect(report.status).toBe('invalid');
    expect(codes(report)).toContain('SIGNATURE_INVALID');
  });

  it('detached without the content: indeterminate (content missing)', async () => {
    const report = await verifyDocument(await opensslSign(signer), options({ checkRevocation: false }));
    expect(report.status).toBe('indeterminate');
    expect(codes(report)).toContain('CONTENT_MISSING');
  });

  it('wrong root in the trust store: indeterminate (untrusted), not invalid', async () => {
    const report = await verifyDocument(await opensslSign(signer), { content: DOCUMENT, trust: new TrustStore([new x509.X509Certificate(other.root.certDer as Uint8Array<ArrayBuffer>)]), checkRevocation: false });
    expect(report.status).toBe('indeterminate');
    expect(codes(report)).toEqual(['CHAIN_INCOMPLETE', 'REVOCATION_SKIPPED']);
  });

  it('expired signer at signing time: invalid', async () => {
    const report = await verifyDocument(await opensslSign(expired), options({ content: DOCUMENT, checkRevocation: false }));
    expect(report.status).toBe('invalid');
    expect(codes(report)).toContain('SIGNER_EXPIRED_AT_SIGNING');
  });

  it('revoked signer (openssl ocsp): invalid with the revocation date', async () => {
    const report = await verifyDocument(await opensslSign(revoked), options({ content: DOCUMENT }));
    expect(report.status).toBe('invalid');
    expect(report.signatures[0]!.revocation).toMatchObject({ status: 'revoked', reason: 'keyCompromise' });
    expect(codes(report)).toContain('REVOKED');
  });

  it('responder down: indeterminate (could not check), never invalid', async () => {
    const down = await TestPki.create({ ocspUrl: `http://127.0.0.1:${await freePort()}`, label: 'Down' });
    try {
      const leaf = await down.issue({ subject: '/C=VN/CN=Ai Đó' });
      const out = join(down.dir, 'sig.p7s');
      await openssl(['cms', '-sign', '-binary', '-in', docPath, '-signer', leaf.certPath, '-inkey', leaf.keyPath, '-certfile', down.intermediate.certPath, '-outform', 'DER', '-out', out]);
      const started = Date.now();
      const report = await verifyDocument(new Uint8Array(await readFile(out)), { content: DOCUMENT, trust: new TrustStore([new x509.X509Certificate(down.root.certDer as Uint8Array<ArrayBuffer>)]), cache: new RevocationCache() });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(report.status).toBe('indeterminate');
      expect(codes(report)).toEqual(['REVOCATION_NOT_CHECKED']);
    } finally {
      await down.dispose();
    }
  });

  it('our own CAdES signature (RSA-PSS) with an openssl-made timestamp: valid, timestamp time reported', async () => {
    const own = softwareSigner(signer.keyPath, signer.certPem, [pki.intermediate.certPem], 'RSA');
    const der = await buildCmsSignature({ signer: own, hashAlgorithm: 'SHA-256', signatureScheme: 'RSA-PSS', content: DOCUMENT, timestamp: timestampHook({ url: tsa.url, allowPrivateAddresses: true /* test TSA on loopback */ }) });
    // Cross-check with openssl first: the fixture itself must be sound.
    const sigPath = join(pki.dir, 'own.p7s');
    await writeFile(sigPath, der);
    await openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', sigPath, '-content', docPath, '-CAfile', pki.root.certPath, '-purpose', 'any', '-out', '/dev/null']);
    const report = await verifyDocument(der, options({ content: DOCUMENT }));
    expect(codes(report)).toEqual([]);
    expect(report.status).toBe('valid');
    expect(report.signatures[0]!.timestamp).toMatchObject({ status: 'valid', authority: 'Kyso Test TSA' });
    expect(Math.abs(Date.parse(report.signatures[0]!.timestamp!.time!) - Date.now())).toBeLessThan(10 * 60_000);
  });

  it('a timestamp over another signature value is invalid', async () => {
    const own = softwareSigner(signer.keyPath, signer.certPem, [pki.intermediate.certPem], 'RSA');
    const hook = timestampHook({ url: tsa.url, allowPrivateAddresses: true /* test TSA on loopback */ });
    const der = await buildCmsSignature({ signer: own, hashAlgorithm: 'SHA-256', content: DOCUMENT, timestamp: (value) => hook(value.map((b) => b ^ 1)) });
    const report = await verifyDocument(der, options({ content: DOCUMENT, checkRevocation: false }));
    expect(report.status).toBe('invalid');
    expect(codes(report)).toContain('TIMESTAMP_INVALID');
  });

  it('two signers (openssl cms -resign): each judged on its own, the document takes the worst', async () => {
    const first = join(pki.dir, 'first.p7s');
    await writeFile(first, await opensslSign(signer, ['-nodetach']));
    const both = join(pki.dir, 'both.p7s');
    await openssl(['cms', '-resign', '-binary', '-inform', 'DER', '-in', first, '-signer', expired.certPath, '-inkey', expired.keyPath, '-outform', 'DER', '-out', both]);
    const report = await verifyDocument(new Uint8Array(await readFile(both)), options({ checkRevocation: false }));
    expect(report.signatures.map((s) => [s.signer?.subject.commonName, s.status])).toEqual([['Nguyễn Văn Ký', 'valid'], ['Đã Hết Hạn', 'invalid']]);
    expect(report.status).toBe('invalid');
  });

  it('bytes that are not a signature give a typed error', async () => {
    await expect(verifyDocument(new Uint8Array([0x30, 0x82, 0x01]), options())).rejects.toMatchObject({ name: 'KysoError', code: 'INVALID_DOCUMENT' });
    await expect(verifyDocument(new TextEncoder().encode('hello'), options())).rejects.toMatchObject({ code: 'UNSUPPORTED_DOCUMENT' });
  });
});
