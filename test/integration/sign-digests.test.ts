/**
 * host.signDigests (kyso.signHashes on the page side): many digests, one PIN, one login, over the BUILT host and a
 * real SoftHSM2 token. Every signature is checked with node:crypto against the certificate the host returned
 * and the record it stands for — not with our code — and the refusals happen before any login.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constants, createHash, verify, X509Certificate } from 'node:crypto';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { buildTestHost, spawnHost, type HostProcess } from '../helpers/host-process.js';
import { SIGN_HASHES_MAX } from '../../shared/limits.js';

let token: DemoToken;
let host: HostProcess;

beforeAll(async () => {
  const [t, built] = await Promise.all([createDemoToken(), buildTestHost()]);
  token = t;
  host = spawnHost(built.hostPath, { env: token.env });
});

afterAll(async () => {
  await host?.close();
});

/** Cannot occur by chance in certificates or ids (the demo PIN 123456 is inside MST 0101234567). */
const WRONG_PIN = 'Zq9-kyso-wrong';
const records = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from(`Hóa đơn GTGT số ${String(i + 1).padStart(7, '0')} — 1.100.000 đ`, 'utf8'));

describe('host.signDigests', () => {
  it('signs 300 invoice digests with RSA under one PIN; node:crypto verifies each against its own invoice', async () => {
    const invoices = records(300);
    const digests = invoices.map((r) => createHash('sha256').update(r).digest());
    const reply = await host.request('host.signDigests', {
      certificateId: token.cert('org-rsa').certificateId, digests: digests.map((d) => d.toString('base64')), hashAlgorithm: 'SHA-256', pin: token.userPin,
    });
    expect(reply.type).toBe('host.result');
    expect(reply.payload.signatureAlgorithm).toBe('RSASSA-PKCS1-v1_5');
    expect(reply.payload.signatures).toHaveLength(300);
    const cert = new X509Certificate(Buffer.from(reply.payload.certificate, 'base64'));
    expect(cert.subject).toContain('0101234567');
    const signatures = (reply.payload.signatures as string[]).map((s) => Buffer.from(s, 'base64'));
    signatures.forEach((signature, i) => {
      expect(signature).toHaveLength(256);
      expect(verify('sha256', invoices[i]!, cert.publicKey, signature), `invoice ${i}`).toBe(true);
    });
    // In order: the signature of invoice 1 is not one of invoice 0 (so the check above can fail).
    expect(verify('sha256', invoices[0]!, cert.publicKey, signatures[1]!)).toBe(false);
    expect(reply.payload.chain).toHaveLength(1);
    expect(cert.verify(new X509Certificate(Buffer.from(reply.payload.chain[0], 'base64')).publicKey)).toBe(true);
  });

  it('signs with ECDSA P-256 over SHA-384 and with RSA-PSS: DER signatures that node:crypto verifies', async () => {
    const data = records(20);
    const ec = await host.request('host.signDigests', {
      certificateId: token.cert('person-ec').certificateId, hashAlgorithm: 'SHA-384', pin: token.userPin,
      digests: data.map((r) => createHash('sha384').update(r).digest('base64')),
    });
    expect(ec.payload.signatureAlgorithm).toBe('ECDSA');
    const ecKey = new X509Certificate(Buffer.from(ec.payload.certificate, 'base64')).publicKey;
    (ec.payload.signatures as string[]).forEach((s, i) => {
      const signature = Buffer.from(s, 'base64');
      expect(signature[0]).toBe(0x30); // DER SEQUENCE { r, s } [RFC 3279 §2.2.3], as signHash returns
      expect(verify('sha384', data[i]!, ecKey, signature)).toBe(true);
    });
    const pss = await host.request('host.signDigests', {
      certificateId: token.cert('org-rsa').certificateId, hashAlgorithm: 'SHA-256', signatureScheme: 'RSA-PSS', pin: token.userPin,
      digests: data.map((r) => createHash('sha256').update(r).digest('base64')),
    });
    const rsaKey = new X509Certificate(Buffer.from(pss.payload.certificate, 'base64')).publicKey;
    (pss.payload.signatures as string[]).forEach((s, i) => {
      expect(verify('sha256', data[i]!, { key: rsaKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, Buffer.from(s, 'base64'))).toBe(true);
    });
  });

  it('a digest of the wrong length anywhere in the list is refused before login: the wrong PIN is never tried', async () => {
    const digests = records(10).map((r) => createHash('sha256').update(r).digest('base64'));
    digests[7] = createHash('sha384').update('x').digest('base64');
    const reply = await host.request('host.signDigests', { certificateId: token.cert('org-rsa').certificateId, digests, hashAlgorithm: 'SHA-256', pin: WRONG_PIN });
    expect(reply.type).toBe('host.error');
    expect(reply.error.code).toBe('INVALID_HASH');
    expect(reply.error.details).toMatchObject({ index: 7 });
    const tokens = await host.request('host.listTokens', {});
    expect(tokens.payload.tokens[0].flags.userPinCountLow).toBe(false); // no PIN try was spent
  });

  it('the wrong signer is refused with UNEXPECTED_SIGNER before login', async () => {
    const reply = await host.request('host.signDigests', {
      certificateId: token.cert('person2-rsa').certificateId, hashAlgorithm: 'SHA-256', pin: WRONG_PIN,
      digests: [createHash('sha256').update('a').digest('base64')], expectedSigner: { mst: '0101234567' },
    });
    expect(reply.error.code).toBe('UNEXPECTED_SIGNER');
    const tokens = await host.request('host.listTokens', {});
    expect(tokens.payload.tokens[0].flags.userPinCountLow).toBe(false);
  });

  it(`refuses an empty list and more than ${SIGN_HASHES_MAX} digests with BAD_REQUEST, never echoing the PIN`, async () => {
    const digest = createHash('sha256').update('a').digest('base64');
    const empty = await host.request('host.signDigests', { certificateId: token.cert('org-rsa').certificateId, digests: [], hashAlgorithm: 'SHA-256', pin: token.userPin });
    expect(empty.error.code).toBe('BAD_REQUEST');
    const tooMany = await host.request('host.signDigests', {
      certificateId: token.cert('org-rsa').certificateId, digests: Array(SIGN_HASHES_MAX + 1).fill(digest), hashAlgorithm: 'SHA-256', pin: token.userPin,
    });
    expect(tooMany.error.code).toBe('BAD_REQUEST');
    expect(JSON.stringify(tooMany)).not.toContain(token.userPin);
  });

  it('a wrong PIN fails the whole request with PIN_INCORRECT and signs nothing; the right PIN then works', async () => {
    const digests = records(3).map((r) => createHash('sha256').update(r).digest('base64'));
    const certificateId = token.cert('person2-rsa').certificateId;
    const wrong = await host.request('host.signDigests', { certificateId, digests, hashAlgorithm: 'SHA-256', pin: WRONG_PIN });
    expect(wrong.error.code).toBe('PIN_INCORRECT');
    expect(wrong.payload).toBeUndefined();
    const right = await host.request('host.signDigests', { certificateId, digests, hashAlgorithm: 'SHA-256', pin: token.userPin });
    expect(right.payload.signatures).toHaveLength(3);
  });
});
