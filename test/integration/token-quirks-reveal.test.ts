/**
 * Issue 13 §2 from the browser's side: a token that shows its certificates only after login is opened once with
 * `host.revealCertificates`, and from then on `host.listCertificates` lists its certificates (paired with their keys
 * by public key) so the consent window can offer them. Through the built host with the quirks module over the real
 * SoftHSM2 token; the signature is checked with openssl.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { DemoToken } from '../helpers/demo-token.js';
import { openQuirksHosts, opensslVerifies, userLogins, type QuirksHosts } from '../helpers/quirks-token.js';

const DOCUMENT = Buffer.from('Tờ khai thuế — chứng thư số chỉ hiện sau khi nhập PIN');
const digest = createHash('sha256').update(DOCUMENT).digest().toString('base64');
const WRONG_PIN = '999999';

let quirks: QuirksHosts;
let token: DemoToken;
beforeAll(async () => { ({ token } = quirks = await openQuirksHosts()); }, 120_000);
afterAll(() => quirks?.close());

describe('token-quirks: host.revealCertificates (certs-after-login)', () => {
  it('lists nothing → a wrong PIN is one try (PIN_INCORRECT) → the right PIN reveals → the certificate is listed and signs', async () => {
    const { host: h, setup } = quirks.start(['certs-after-login']);
    const [listedToken] = (await h.request('host.listTokens', {})).payload.tokens;
    expect(listedToken).toMatchObject({ label: token.tokenLabel, certificatesAfterLogin: true });
    expect((await h.request('host.listCertificates', {})).payload.certificates).toEqual([]);

    const wrong = await h.request('host.revealCertificates', { tokenId: listedToken.id, pin: WRONG_PIN });
    expect(wrong.error).toMatchObject({ code: 'PIN_INCORRECT', details: { tokenState: expect.any(String) } });
    expect(userLogins(setup)).toHaveLength(1);
    expect((await h.request('host.listCertificates', {})).payload.certificates).toEqual([]);

    const revealed = await h.request('host.revealCertificates', { tokenId: listedToken.id, pin: token.userPin });
    expect(revealed.type, JSON.stringify(revealed.error)).toBe('host.result');
    expect(revealed.payload.certificateCount).toBeGreaterThan(0);
    expect(userLogins(setup)).toHaveLength(2);

    // Remembered: listing again needs no login.
    const listed = (await h.request('host.listCertificates', {})).payload.certificates as { id: string; unusableReasons: string[] }[];
    expect(userLogins(setup)).toHaveLength(2);
    const person = listed.find((c) => c.id === token.cert('person-ec').certificateId);
    expect(person, 'the person\'s certificate is listed after the reveal').toBeDefined();
    expect(person!.unusableReasons).toEqual([]); // paired with its key (by public key): signable

    const signed = await h.request('host.signDigest', { certificateId: person!.id, digest, hashAlgorithm: 'SHA-256', pin: token.userPin });
    expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
    expect(opensslVerifies(signed.payload.certificate, DOCUMENT, signed.payload.signature)).toBe(true);
    // One login to sign: the certificate was found among the remembered ones, not by logging in to look.
    expect(userLogins(setup)).toHaveLength(3);

    // The PIN never reaches the host's log.
    expect(h.stderrText()).not.toContain(token.userPin);
    expect(h.stderrText()).not.toContain(WRONG_PIN);
  }, 90_000);

  it('remembered by token id, not slot: after a replug (new slot IDs) the revealed certificate is still listed and signs', async () => {
    const { host: h, setup } = quirks.start(['certs-after-login', 'replug']);
    const [listedToken] = (await h.request('host.listTokens', {})).payload.tokens;
    expect((await h.request('host.revealCertificates', { tokenId: listedToken.id, pin: token.userPin })).type).toBe('host.result');
    setup.replug();
    const listed = (await h.request('host.listCertificates', {})).payload.certificates as { id: string }[];
    expect(listed.map((c) => c.id)).toContain(token.cert('org-rsa').certificateId);
    const signed = await h.request('host.signDigest', { certificateId: token.cert('org-rsa').certificateId, digest, hashAlgorithm: 'SHA-256', pin: token.userPin });
    expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
    expect(opensslVerifies(signed.payload.certificate, DOCUMENT, signed.payload.signature)).toBe(true);
    expect(userLogins(setup)).toHaveLength(2); // reveal, sign
  }, 60_000);

  it('an unknown token id is TOKEN_NOT_PRESENT, without a PIN try', async () => {
    const { host: h, setup } = quirks.start(['certs-after-login']);
    const missing = await h.request('host.revealCertificates', { tokenId: 'no-such-token-id', pin: token.userPin });
    expect(missing.error.code).toBe('TOKEN_NOT_PRESENT');
    expect(userLogins(setup)).toHaveLength(0);
  }, 60_000);
});
