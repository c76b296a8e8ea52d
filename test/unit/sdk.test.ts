/**
 * The page SDK against a stand-in for the content script (a real MessageChannel, as in the browser):
 * the request lifecycle, reply validation, and the signature check that stops a wrong signature.
 * Keys and certificates are made by openssl; signatures by node:crypto (neither is Kyso code).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, sign as nodeSign, constants } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, KysoError } from '../../sdk/kyso.js';
import { verifyDigestSignature } from '../../sdk/verify/verify-signature.js';
import { PAGE_REQUEST_CHANNEL } from '../../shared/protocol/page-messages.js';
import { PROTOCOL_VERSION } from '../../shared/limits.js';

interface Identity { keyPem: string; der: Uint8Array; b64: string; id: string }

function makeIdentity(dir: string, name: string, keyArgs: string[]): Identity {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.der`);
  execFileSync('openssl', ['req', '-x509', '-newkey', ...keyArgs, '-nodes', '-keyout', key, '-outform', 'DER', '-out', cert, '-days', '2', '-subj', `/CN=${name}`], { stdio: 'pipe' });
  const der = new Uint8Array(readFileSync(cert));
  const id = createHash('sha256').update(der).digest('base64url');
  return { keyPem: readFileSync(key, 'utf8'), der, b64: Buffer.from(der).toString('base64'), id };
}

let rsa: Identity, p256: Identity, p384: Identity, p521: Identity;
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-sdk-'));
  rsa = makeIdentity(dir, 'rsa', ['rsa:2048']);
  p256 = makeIdentity(dir, 'p256', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  p384 = makeIdentity(dir, 'p384', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-384']);
  p521 = makeIdentity(dir, 'p521', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-521']);
});

const data = Buffer.from('Tờ khai thuế 01/GTGT — kỳ 10/2026');
const nodeHash = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;
const digestOf = (alg: keyof typeof nodeHash) => new Uint8Array(createHash(nodeHash[alg]).update(data).digest());

describe('verifyDigestSignature (the SDK check before a portal sees a signature)', () => {
  it.each([
    ['RSASSA-PKCS1-v1_5', 'SHA-256'], ['RSASSA-PKCS1-v1_5', 'SHA-512'], ['RSA-PSS', 'SHA-256'], ['RSA-PSS', 'SHA-384'],
  ] as const)('accepts a genuine RSA %s / %s signature and refuses a changed digest', async (scheme, hash) => {
    const key = createPrivateKey(rsa.keyPem);
    const signature = new Uint8Array(nodeSign(nodeHash[hash], data, scheme === 'RSA-PSS'
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digestOf(hash).length }
      : key));
    const digest = digestOf(hash);
    expect(await verifyDigestSignature({ certificate: rsa.der, digest, hashAlgorithm: hash, scheme, signature })).toBe(true);
    const other = digest.slice(); other[0]! ^= 1;
    expect(await verifyDigestSignature({ certificate: rsa.der, digest: other, hashAlgorithm: hash, scheme, signature })).toBe(false);
  });

  it.each([['P-256', 'SHA-256'], ['P-256', 'SHA-384'], ['P-384', 'SHA-384'], ['P-521', 'SHA-512']] as const)(
    'accepts a genuine ECDSA %s / %s signature and refuses a flipped bit', async (curve, hash) => {
      const identity = curve === 'P-256' ? p256 : curve === 'P-384' ? p384 : p521;
      const signature = new Uint8Array(nodeSign(nodeHash[hash], data, createPrivateKey(identity.keyPem)));
      const digest = digestOf(hash);
      expect(await verifyDigestSignature({ certificate: identity.der, digest, hashAlgorithm: hash, scheme: 'ECDSA', signature })).toBe(true);
      const broken = signature.slice(); broken[broken.length - 1]! ^= 1;
      expect(await verifyDigestSignature({ certificate: identity.der, digest, hashAlgorithm: hash, scheme: 'ECDSA', signature: broken })).toBe(false);
    });

  it('refuses a signature made by another key, and garbage', async () => {
    const signature = new Uint8Array(nodeSign('sha256', data, createPrivateKey(p384.keyPem)));
    expect(await verifyDigestSignature({ certificate: p256.der, digest: digestOf('SHA-256'), hashAlgorithm: 'SHA-256', scheme: 'ECDSA', signature })).toBe(false);
    expect(await verifyDigestSignature({ certificate: new Uint8Array([0x30, 0x03, 1, 2, 3]), digest: digestOf('SHA-256'), hashAlgorithm: 'SHA-256', scheme: 'ECDSA', signature })).toBe(false);
  });
});

/** A stand-in for the content script: answers each posted request with the replies `script` returns. */
function fakeExtension(script: (request: { id: string; type: string; payload: unknown }) => unknown[] | undefined) {
  const posted: Array<{ message: unknown; origin: string }> = [];
  const target = {
    postMessage(message: unknown, origin: string, transfer: Transferable[]) {
      posted.push({ message, origin });
      const port = transfer[0] as MessagePort;
      const envelope = message as { channel: string; request: { id: string; type: string; payload: unknown } };
      expect(envelope.channel).toBe(PAGE_REQUEST_CHANNEL);
      const replies = script(envelope.request);
      if (!replies) return;
      for (const reply of replies) port.postMessage(reply);
    },
  };
  return { target, posted };
}

const ack = (id: string) => ({ v: PROTOCOL_VERSION, id, type: 'kyso.ack' });
const result = (id: string, payload: unknown) => ({ v: PROTOCOL_VERSION, id, type: 'kyso.result', payload });

async function rejection(promise: Promise<unknown>): Promise<KysoError> {
  try { await promise; } catch (error) { expect(error).toBeInstanceOf(KysoError); return error as KysoError; }
  throw new Error('expected a rejection');
}

describe('SDK transport', () => {
  const origin = 'https://dichvucong.example.vn';

  it('posts to its own origin only and reports EXTENSION_NOT_INSTALLED when nothing acknowledges', async () => {
    const { target, posted } = fakeExtension(() => undefined);
    const started = Date.now();
    const error = await rejection(createClient({ target, origin, ackTimeoutMs: 150 }).listCertificates());
    expect(error.code).toBe('EXTENSION_NOT_INSTALLED');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(posted[0]!.origin).toBe(origin);
  });

  it('getStatus names the missing piece instead of throwing when no extension answers', async () => {
    const { target } = fakeExtension(() => undefined);
    expect(await createClient({ target, origin, ackTimeoutMs: 100 }).getStatus()).toEqual({ missing: 'extension' });
  });

  it('getStatus passes on the extension\'s missing piece (host, driver, token, none)', async () => {
    const base = { extensionVersion: '0.1.0', protocolVersion: 1, host: { installed: true, version: '0.1.0' }, tokens: [] };
    for (const missing of ['driver', 'token', null] as const) {
      const { target } = fakeExtension((r) => [ack(r.id), result(r.id, { ...base, missing })]);
      expect((await createClient({ target, origin }).getStatus()).missing).toBe(missing);
    }
    const noHost = { ...base, host: { installed: false, error: { code: 'HOST_NOT_INSTALLED', message: 'x', messageEn: 'x' } }, missing: 'host' };
    const { target } = fakeExtension((r) => [ack(r.id), result(r.id, noHost)]);
    expect((await createClient({ target, origin }).getStatus()).missing).toBe('host');
  });

  it('getStatus derives the missing piece from an older extension that does not send it', async () => {
    const base = { extensionVersion: '0.0.9', protocolVersion: 1, host: { installed: true, version: '0.0.9' } };
    const ask = async (status: unknown) => {
      const { target } = fakeExtension((r) => [ack(r.id), result(r.id, status)]);
      return (await createClient({ target, origin }).getStatus()).missing;
    };
    expect(await ask({ ...base, tokens: [] })).toBe('token');
    expect(await ask({ ...base, host: { installed: false, error: { code: 'HOST_NOT_INSTALLED', message: 'x', messageEn: 'x' } }, tokens: [] })).toBe('host');
  });

  it('getStatus asks for `missing`, and asks again without it when an older extension refuses the field', async () => {
    const status = { extensionVersion: '0.0.9', protocolVersion: 1, host: { installed: true, version: '0.0.9' }, tokens: [] };
    const payloads: unknown[] = [];
    // An older extension's request schema is strict: an unknown `report` field is a BAD_REQUEST.
    const { target } = fakeExtension((r) => {
      payloads.push(r.payload);
      const asked = (r.payload as { report?: string }).report !== undefined;
      return asked
        ? [ack(r.id), { v: PROTOCOL_VERSION, id: r.id, type: 'kyso.error', error: { code: 'BAD_REQUEST', message: 'x', messageEn: 'x' } }]
        : [ack(r.id), result(r.id, status)];
    });
    expect(await createClient({ target, origin }).getStatus()).toEqual({ ...status, missing: 'token' });
    expect(payloads).toEqual([{ report: 'missing' }, {}]);
  });

  it('ignores replies with another id, then takes the real result', async () => {
    const status = { extensionVersion: '0.1.0', protocolVersion: 1, host: { installed: true, version: '0.1.0' }, tokens: [] };
    const { target } = fakeExtension((r) => [ack(r.id), result('someoneElse1', { nope: true }), result(r.id, status)]);
    expect(await createClient({ target, origin }).getStatus()).toEqual({ ...status, missing: 'token' });
  });

  it('turns kyso.error into a KysoError with the code', async () => {
    const { target } = fakeExtension((r) => [ack(r.id), {
      v: PROTOCOL_VERSION, id: r.id, type: 'kyso.error', error: { code: 'HOST_NOT_INSTALLED', message: 'x', messageEn: 'x' },
    }]);
    expect((await rejection(createClient({ target, origin }).getStatus())).code).toBe('HOST_NOT_INSTALLED');
  });

  it('refuses a result of the wrong shape (PROTOCOL_ERROR), and a malformed reply', async () => {
    const wrongShape = fakeExtension((r) => [ack(r.id), result(r.id, { certificates: 'all of them' })]);
    expect((await rejection(createClient({ target: wrongShape.target, origin }).listCertificates())).code).toBe('PROTOCOL_ERROR');
    const malformed = fakeExtension(() => [{ hello: 'world' }]);
    expect((await rejection(createClient({ target: malformed.target, origin }).listCertificates())).code).toBe('PROTOCOL_ERROR');
  });

  it('times out after the ack when no result comes (TIMEOUT, not EXTENSION_NOT_INSTALLED)', async () => {
    const { target } = fakeExtension((r) => [ack(r.id)]);
    const error = await rejection(createClient({ target, origin, ackTimeoutMs: 50, quickTimeoutMs: 200 }).getStatus());
    expect(error.code).toBe('TIMEOUT');
  });

  it('refuses bad parameters before sending anything (BAD_REQUEST)', async () => {
    const { target, posted } = fakeExtension(() => undefined);
    const error = await rejection(createClient({ target, origin }).signHash({ hash: 'not base64!', hashAlgorithm: 'SHA-256' }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(posted).toHaveLength(0);
  });

  it('refuses an opaque origin without posting', async () => {
    const { target, posted } = fakeExtension(() => undefined);
    expect((await rejection(createClient({ target, origin: 'null' }).getStatus())).code).toBe('ORIGIN_NOT_ALLOWED');
    expect(posted).toHaveLength(0);
  });

  it('signHash resolves only with a signature that verifies against the returned certificate', async () => {
    const digest = digestOf('SHA-256');
    const good = Buffer.from(nodeSign('sha256', data, createPrivateKey(rsa.keyPem))).toString('base64');
    const reply = (signature: string, certificate = rsa.b64) => fakeExtension((r) => [ack(r.id), result(r.id, {
      signature, signatureAlgorithm: 'RSASSA-PKCS1-v1_5', hashAlgorithm: 'SHA-256', certificate, chain: [],
    })]);
    const params = { hash: Buffer.from(digest).toString('base64'), hashAlgorithm: 'SHA-256' as const };

    const ok = await createClient({ target: reply(good).target, origin }).signHash(params);
    expect(ok.signature).toBe(good);

    const tampered = Buffer.from(good, 'base64'); tampered[10]! ^= 0xff;
    const bad = await rejection(createClient({ target: reply(tampered.toString('base64')).target, origin }).signHash(params));
    expect(bad.code).toBe('PROTOCOL_ERROR');

    // A valid signature, but by another certificate than the one the portal asked for.
    const wrongSigner = await rejection(createClient({ target: reply(good).target, origin }).signHash({ ...params, certificateId: p256.id }));
    expect(wrongSigner.code).toBe('PROTOCOL_ERROR');
  });
});
