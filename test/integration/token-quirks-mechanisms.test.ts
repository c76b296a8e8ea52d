/**
 * Issue 13 §2, quirks of mechanisms: a token that signs only with CKM_RSA_PKCS (no CKM_SHA256_RSA_PKCS, no PSS) and
 * CKM_ECDSA on raw digests, and keys with CKA_ALWAYS_AUTHENTICATE (a context-specific login before every C_Sign).
 * Through the built host and the quirks module over the real SoftHSM2 token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { DemoToken } from '../helpers/demo-token.js';
import { openQuirksHosts, opensslVerifies, userLogins, type QuirksHosts } from '../helpers/quirks-token.js';

const DOCUMENTS = [Buffer.from('Quyết định số 1 — cơ chế'), Buffer.from('Quyết định số 2 — cơ chế')];
const digestOf = (d: Buffer, hash = 'sha256') => createHash(hash).update(d).digest().toString('base64');

let quirks: QuirksHosts;
let token: DemoToken;
beforeAll(async () => { ({ token } = quirks = await openQuirksHosts()); }, 120_000);
afterAll(() => quirks?.close());

describe('token-quirks: raw-mechanisms-only', () => {
  it('RSA (DigestInfo built by the host, SHA-256 and SHA-384) and ECDSA on the raw digest sign; openssl verifies', async () => {
    const { host: h } = quirks.start(['raw-mechanisms-only']);
    for (const [name, hash, nodeHash] of [['org-rsa', 'SHA-256', 'sha256'], ['org-rsa', 'SHA-384', 'sha384'], ['person-ec', 'SHA-256', 'sha256']] as const) {
      const signed = await h.request('host.signDigest', { certificateId: token.cert(name).certificateId, digest: digestOf(DOCUMENTS[0]!, nodeHash), hashAlgorithm: hash, pin: token.userPin });
      expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
      expect(opensslVerifies(signed.payload.certificate, DOCUMENTS[0]!, signed.payload.signature, nodeHash)).toBe(true);
    }
  }, 60_000);

  it('RSA-PSS, which the token lacks, is refused with MECHANISM_NOT_SUPPORTED before any PIN try', async () => {
    const { host: h, setup } = quirks.start(['raw-mechanisms-only']);
    const refused = await h.request('host.signDigest', {
      certificateId: token.cert('org-rsa').certificateId, digest: digestOf(DOCUMENTS[0]!), hashAlgorithm: 'SHA-256', signatureScheme: 'RSA-PSS', pin: token.userPin,
    });
    expect(refused.type).toBe('host.error');
    expect(refused.error.code).toBe('MECHANISM_NOT_SUPPORTED');
    expect(refused.error.message).toMatch(/không hỗ trợ thuật toán ký/);
    expect(userLogins(setup)).toHaveLength(0);
  }, 60_000);
});

describe('token-quirks: always-auth', () => {
  it('each of two signatures under one consent gets its context-specific login; both verify with openssl', async () => {
    const { host: h, setup } = quirks.start(['always-auth']);
    const signed = await h.request('host.signDigests', {
      certificateId: token.cert('org-rsa').certificateId, digests: DOCUMENTS.map((d) => digestOf(d)), hashAlgorithm: 'SHA-256', pin: token.userPin,
    });
    expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
    DOCUMENTS.forEach((d, i) => expect(opensslVerifies(signed.payload.certificate, d, signed.payload.signatures[i])).toBe(true));
    expect(userLogins(setup)).toHaveLength(1);
    expect(setup.calls().filter((c) => c === 'C_Login context pin')).toHaveLength(2);
  }, 60_000);

  it('a wrong PIN fails at the user login (PIN_INCORRECT), never reaching a context login', async () => {
    const { host: h, setup } = quirks.start(['always-auth']);
    const failed = await h.request('host.signDigest', { certificateId: token.cert('person-ec').certificateId, digest: digestOf(DOCUMENTS[0]!), hashAlgorithm: 'SHA-256', pin: '000000' });
    expect(failed.error.code).toBe('PIN_INCORRECT');
    expect(setup.calls().filter((c) => c.startsWith('C_Login context'))).toHaveLength(0);
  }, 60_000);
});
