/**
 * Issue 13 §2, quirks of slots: a reader with no token listed even for C_GetSlotList(CK_TRUE), a card the driver
 * does not recognise (CKR_TOKEN_NOT_RECOGNIZED), slot IDs that change after a replug, and the token lost in the
 * middle of a signature (CKR_DEVICE_REMOVED, CKR_SESSION_HANDLE_INVALID). Through the built host and the quirks
 * module over the real SoftHSM2 token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { DemoToken } from '../helpers/demo-token.js';
import type { HostProcess } from '../helpers/host-process.js';
import { openQuirksHosts, opensslVerifies, userLogins, type QuirksHosts } from '../helpers/quirks-token.js';

const DOCUMENT = Buffer.from('Biên bản bàn giao — slots');
const digest = createHash('sha256').update(DOCUMENT).digest().toString('base64');

let quirks: QuirksHosts;
let token: DemoToken;
beforeAll(async () => { ({ token } = quirks = await openQuirksHosts()); }, 120_000);
afterAll(() => quirks?.close());

const sign = (h: HostProcess, name: 'org-rsa' | 'person-ec' = 'org-rsa') =>
  h.request('host.signDigest', { certificateId: token.cert(name).certificateId, digest, hashAlgorithm: 'SHA-256', pin: token.userPin });

describe('token-quirks: slots', () => {
  it('empty-slot + unrecognized-token: the reader without a token and the unknown card are skipped; the real token lists and signs', async () => {
    const { host: h } = quirks.start(['empty-slot', 'unrecognized-token']);
    const tokens = await h.request('host.listTokens', {});
    expect(tokens.type, JSON.stringify(tokens.error)).toBe('host.result');
    expect(tokens.payload.tokens.map((t: { label: string }) => t.label)).toEqual([token.tokenLabel]);
    const listed = await h.request('host.listCertificates', {});
    expect(listed.payload.certificates.map((c: { id: string }) => c.id)).toContain(token.cert('org-rsa').certificateId);
    const signed = await sign(h);
    expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
    expect(opensslVerifies(signed.payload.certificate, DOCUMENT, signed.payload.signature)).toBe(true);
  }, 60_000);

  it('replug: after the slot IDs change, the token keeps its id and the same certificate still signs', async () => {
    const { host: h, setup } = quirks.start(['replug']);
    const before = await h.request('host.listTokens', {});
    const listed = await h.request('host.listCertificates', {});
    expect(listed.payload.certificates.map((c: { id: string }) => c.id)).toContain(token.cert('person-ec').certificateId);
    setup.replug();
    const after = await h.request('host.listTokens', {});
    expect(after.payload.tokens.map((t: { id: string }) => t.id)).toEqual(before.payload.tokens.map((t: { id: string }) => t.id));
    const signed = await sign(h, 'person-ec');
    expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
    expect(opensslVerifies(signed.payload.certificate, DOCUMENT, signed.payload.signature)).toBe(true);
  }, 60_000);

  it.each([['removed-once', 'CKR_DEVICE_REMOVED'], ['session-lost-once', 'CKR_SESSION_HANDLE_INVALID']] as const)(
    '%s: the signature fails with TOKEN_REMOVED (%s), bilingual, without a second PIN try; the next request signs',
    async (quirk, ckr) => {
      const { host: h, setup } = quirks.start([quirk]);
      const failed = await sign(h);
      expect(failed.type).toBe('host.error');
      expect(failed.error).toMatchObject({ code: 'TOKEN_REMOVED', details: { ckr } });
      expect(failed.error.message).toMatch(/Thiết bị ký đã bị rút ra/);
      expect(failed.error.messageEn).toMatch(/removed/);
      // The host did not log in again by itself with the PIN of the failed request.
      expect(userLogins(setup)).toHaveLength(1);
      const signed = await sign(h);
      expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
      expect(opensslVerifies(signed.payload.certificate, DOCUMENT, signed.payload.signature)).toBe(true);
      expect(userLogins(setup)).toHaveLength(2);
    }, 60_000);
});
