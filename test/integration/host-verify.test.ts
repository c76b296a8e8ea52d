/**
 * The built native host, spoken to over stdio like the browser does, for the "certificates and trust" host
 * operations: host.verifyDocument (CMS made by openssl with the demo PKI — an independent signer — judged valid,
 * tampered → invalid, untrusted root → indeterminate), host.signDigest's expectedSigner (refused before login),
 * and hot-plug (a token created / deleted in the same SoftHSM2 directory appears / disappears).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash, verify as nodeVerify, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { buildTestHost, spawnHost, type HostProcess } from '../helpers/host-process.js';
import { plugInSecondToken } from '../helpers/hotplug-token.js';

const run = promisify(execFile);
let token: DemoToken;
let host: HostProcess;
let documentBytes: Buffer;
let signatureBytes: Buffer;
let rootDer: Buffer;

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const pemToDer = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

beforeAll(async () => {
  let built;
  [token, built] = await Promise.all([createDemoToken(), buildTestHost()]);
  // KYSO_TRUST_DIR empty: the host trusts nothing unless the request names a root.
  host = spawnHost(built.hostPath, { env: { ...token.env, KYSO_TRUST_DIR: '' } });
  const doc = join(token.dir, 'quyet-dinh.txt');
  await writeFile(doc, 'Quyết định số 12/QĐ-UBND ngày 25/11/2026 về việc phân bổ kinh phí.\n');
  const person = token.cert('person2-rsa');
  await run('openssl', ['cms', '-sign', '-binary', '-outform', 'DER', '-in', doc, '-signer', person.certPem, '-inkey', person.keyPem,
    '-certfile', token.intermediatePem, '-md', 'sha256', '-out', `${doc}.p7s`]);
  documentBytes = await readFile(doc);
  signatureBytes = await readFile(`${doc}.p7s`);
  rootDer = pemToDer(await readFile(token.rootPem, 'utf8'));
}, 180_000);

afterAll(async () => { await host?.close(); });

describe('host.verifyDocument', () => {
  it('a detached CMS with its content and the demo root: valid, signer with CCCD', async () => {
    const reply = await host.request('host.verifyDocument', {
      document: b64(signatureBytes), content: b64(documentBytes), trustRoots: [b64(rootDer)], checkRevocation: false,
    });
    expect(reply.type).toBe('host.result');
    expect(reply.payload).toMatchObject({
      status: 'valid', format: 'cms',
      signatures: [{ status: 'valid', chain: { status: 'valid' }, signer: { subject: { commonName: 'Trần Thị Bình', identifiers: { cccd: '079199000001' } } } }],
    });
  });

  it('content changed by one byte: invalid, CONTENT_MODIFIED with Vietnamese and English text', async () => {
    const tampered = Buffer.from(documentBytes);
    tampered[tampered.length - 2] = tampered[tampered.length - 2]! ^ 0x01;
    const reply = await host.request('host.verifyDocument', {
      document: b64(signatureBytes), content: b64(tampered), trustRoots: [b64(rootDer)], checkRevocation: false,
    });
    expect(reply.payload.status).toBe('invalid');
    const reasons = reply.payload.signatures[0].reasons as Array<{ code: string; vi: string; en: string }>;
    expect(reasons).toContainEqual(expect.objectContaining({ code: 'CONTENT_MODIFIED', vi: 'Nội dung đã bị thay đổi sau khi ký.', en: 'The content was changed after signing.' }));
  });

  it('no trusted root (empty KYSO_TRUST_DIR, none named): indeterminate, untrusted chain', async () => {
    const reply = await host.request('host.verifyDocument', { document: b64(signatureBytes), content: b64(documentBytes), checkRevocation: false });
    expect(reply.payload.status).toBe('indeterminate');
    expect(reply.payload.signatures[0].chain.status).toBe('untrusted');
    // The CMS carries leaf + issuing CA; without the root the chain ends at the issuing CA (incomplete, not trusted).
    const codes = reply.payload.signatures[0].reasons.map((r: { code: string }) => r.code);
    expect(codes.some((c: string) => c === 'CHAIN_UNTRUSTED_ROOT' || c === 'CHAIN_INCOMPLETE')).toBe(true);
    expect(codes).not.toContain('SIGNATURE_INVALID');
  });

  it('a detached signature without its content: indeterminate with CONTENT_MISSING; garbage: INVALID_DOCUMENT/UNSUPPORTED_DOCUMENT', async () => {
    const missing = await host.request('host.verifyDocument', { document: b64(signatureBytes), trustRoots: [b64(rootDer)], checkRevocation: false });
    expect(missing.payload.status).not.toBe('valid');
    expect(JSON.stringify(missing.payload)).toContain('CONTENT_MISSING');
    const garbage = await host.request('host.verifyDocument', { document: b64(Buffer.from('không phải chữ ký')) });
    expect(garbage.type).toBe('host.error');
    expect(['INVALID_DOCUMENT', 'UNSUPPORTED_DOCUMENT']).toContain(garbage.error.code);
  });

  it('a trust root that is not a certificate is a typed refusal, not a crash', async () => {
    const reply = await host.request('host.verifyDocument', { document: b64(signatureBytes), content: b64(documentBytes), trustRoots: [b64(Buffer.from('abcd'))] });
    expect(reply.type).toBe('host.error');
    expect(reply.error.code).toBe('INVALID_DOCUMENT');
  });
});

describe('host.signDigest expectedSigner', () => {
  const digest = createHash('sha256').update('Tờ khai 01/GTGT').digest();

  it('the wrong signer is refused with UNEXPECTED_SIGNER before login: a wrong PIN is never tried', async () => {
    const reply = await host.request('host.signDigest', {
      certificateId: token.cert('person2-rsa').certificateId, digest: b64(digest), hashAlgorithm: 'SHA-256',
      pin: 'Zq9-kyso-wrong', expectedSigner: { mst: '0101234567' },
    });
    expect(reply.type).toBe('host.error');
    expect(reply.error.code).toBe('UNEXPECTED_SIGNER');
    expect(reply.error.details).toMatchObject({ field: 'mst', expected: '0101234567' });
    // Had the PIN been tried, the token would now count a failure.
    const tokens = await host.request('host.listTokens', {});
    expect(tokens.payload.tokens[0].flags.userPinCountLow).toBe(false);
  });

  it('the expected signer signs; node:crypto verifies with the returned certificate', async () => {
    const reply = await host.request('host.signDigest', {
      certificateId: token.cert('org-rsa').certificateId, digest: b64(digest), hashAlgorithm: 'SHA-256',
      pin: token.userPin, expectedSigner: { mst: '0101234567' },
    });
    expect(reply.type).toBe('host.result');
    const publicKey = new X509Certificate(Buffer.from(reply.payload.certificate, 'base64')).publicKey;
    expect(nodeVerify('sha256', Buffer.from('Tờ khai 01/GTGT'), publicKey, Buffer.from(reply.payload.signature, 'base64'))).toBe(true);
  });
});

describe('hot-plug (SoftHSM2 re-initialised when idle, see native-host/token/slot-rescan.ts)', () => {
  it('a token created while the host runs appears; deleted, it disappears', async () => {
    const labels = async () => ((await host.request('host.listTokens', {})).payload.tokens as Array<{ label: string }>).map((t) => t.label).sort();
    expect(await labels()).toEqual(['Kyso Demo']);
    const plugged = await plugInSecondToken(token);
    await new Promise((r) => setTimeout(r, 1100)); // RESCAN_MIN_INTERVAL_MS
    expect(await labels()).toEqual(['Kyso Demo', 'Kyso Hotplug']);
    const certificates = (await host.request('host.listCertificates', {})).payload.certificates as Array<{ id: string; subject: { identifiers: { mst?: string } } }>;
    expect(certificates.find((c) => c.id === plugged.certificateId)?.subject.identifiers.mst).toBe('0309999999');
    // The demo token still signs after the re-initialise.
    const signed = await host.request('host.signDigest', {
      certificateId: token.cert('person-ec').certificateId, digest: b64(createHash('sha256').update('x').digest()), hashAlgorithm: 'SHA-256', pin: token.userPin,
    });
    expect(signed.type).toBe('host.result');
    await plugged.pullOut();
    await new Promise((r) => setTimeout(r, 1100));
    expect(await labels()).toEqual(['Kyso Demo']);
  });
});
