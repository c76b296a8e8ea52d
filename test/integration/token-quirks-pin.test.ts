/**
 * Issue 13 §2, quirks of the PIN: the token's PIN flags (CKF_USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED,
 * CKF_USER_PIN_TO_BE_CHANGED), CKR_PIN_EXPIRED, and a PIN pad (CKF_PROTECTED_AUTHENTICATION_PATH: C_Login with no
 * PIN waits while the person types on the device). Through the built host and the quirks module over the real
 * SoftHSM2 token; calls.log counts the PIN tries the host made, so "no retry burns a try" is checked, not assumed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { DemoToken } from '../helpers/demo-token.js';
import type { HostProcess } from '../helpers/host-process.js';
import { openQuirksHosts, opensslVerifies, userLogins, type QuirksHosts } from '../helpers/quirks-token.js';

const DOCUMENT = Buffer.from('Giấy đề nghị — PIN');
const digest = createHash('sha256').update(DOCUMENT).digest().toString('base64');
const WRONG_PIN = '999999';

let quirks: QuirksHosts;
let token: DemoToken;
beforeAll(async () => { ({ token } = quirks = await openQuirksHosts()); }, 120_000);
afterAll(() => quirks?.close());

const sign = (h: HostProcess, pin?: string, id?: string) =>
  h.request('host.signDigest', { certificateId: token.cert('org-rsa').certificateId, digest, hashAlgorithm: 'SHA-256', ...(pin === undefined ? {} : { pin }) }, id);

async function tokenFlags(h: HostProcess) {
  const tokens = await h.request('host.listTokens', {});
  return tokens.payload.tokens[0].flags as Record<string, boolean>;
}

describe('token-quirks: PIN flags', () => {
  it.each([['pin-count-low', 'userPinCountLow', 'countLow'], ['pin-final-try', 'userPinFinalTry', 'finalTry']] as const)(
    '%s: the token says so (%s); a wrong PIN is one try and its error carries tokenState %s; the right PIN signs',
    async (quirk, flag, tokenState) => {
      const { host: h, setup } = quirks.start([quirk]);
      expect(await tokenFlags(h)).toMatchObject({ [flag]: true, userPinLocked: false });
      const wrong = await sign(h, WRONG_PIN);
      expect(wrong.error).toMatchObject({ code: 'PIN_INCORRECT', details: { tokenState } });
      expect(wrong.error.message).toMatch(/Mã PIN không đúng/);
      expect(userLogins(setup)).toHaveLength(1);
      const signed = await sign(h, token.userPin);
      expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
      expect(opensslVerifies(signed.payload.certificate, DOCUMENT, signed.payload.signature)).toBe(true);
      expect(userLogins(setup)).toHaveLength(2);
    }, 60_000);

  it('pin-locked: PIN_LOCKED (bilingual) without a single C_Login: a locked token is never sent a PIN', async () => {
    const { host: h, setup } = quirks.start(['pin-locked']);
    expect(await tokenFlags(h)).toMatchObject({ userPinLocked: true });
    const refused = await sign(h, token.userPin);
    expect(refused.error.code).toBe('PIN_LOCKED');
    expect(refused.error.message).toMatch(/Thiết bị ký đã bị khoá/);
    expect(refused.error.messageEn).toMatch(/locked/);
    expect(userLogins(setup)).toHaveLength(0);
  }, 60_000);

  it('pin-expired: the token says the PIN must be changed, and the right PIN gets PIN_EXPIRED (bilingual), one try', async () => {
    const { host: h, setup } = quirks.start(['pin-expired']);
    expect(await tokenFlags(h)).toMatchObject({ userPinToBeChanged: true });
    const refused = await sign(h, token.userPin);
    expect(refused.error.code).toBe('PIN_EXPIRED');
    expect(refused.error.message).toMatch(/Mã PIN đã hết hạn/);
    expect(refused.error.messageEn).toMatch(/expired/);
    expect(userLogins(setup)).toHaveLength(1);
  }, 60_000);
});

describe('token-quirks: PIN pad', () => {
  it('pin-pad: no PIN is sent; while the person types on the device the host answers other requests; the signature verifies', async () => {
    const { host: h, setup } = quirks.start(['pin-pad']);
    expect(await tokenFlags(h)).toMatchObject({ protectedAuthenticationPath: true });
    const signing = sign(h, undefined, 'pad-sign');
    // The device is waiting for the PIN: the host is not.
    const until = Date.now() + 20_000;
    while (!setup.calls().includes('C_Login user no-pin') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const hello = await h.request('host.hello', { extensionVersion: 'test' });
    expect(hello.type).toBe('host.result');
    const listed = await h.request('host.listCertificates', {});
    expect(listed.payload.certificates.map((c: { id: string }) => c.id)).toContain(token.cert('person-ec').certificateId);
    expect(h.frames.find((f) => f.id === 'pad-sign')).toBeUndefined();
    await setup.typeOnPinPad(token.userPin);
    const signed = await signing;
    expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
    expect(opensslVerifies(signed.payload.certificate, DOCUMENT, signed.payload.signature)).toBe(true);
    expect(userLogins(setup)).toEqual(['C_Login user no-pin']);
  }, 60_000);

  it('pin-pad: cancel pressed on the device is USER_CANCELLED; a wrong PIN on the device is PIN_INCORRECT, one try each', async () => {
    const { host: h, setup } = quirks.start(['pin-pad']);
    const cancelled = sign(h);
    await setup.typeOnPinPad('cancel');
    expect((await cancelled).error.code).toBe('USER_CANCELLED');
    const wrong = sign(h);
    await setup.typeOnPinPad(WRONG_PIN);
    expect((await wrong).error.code).toBe('PIN_INCORRECT');
    expect(userLogins(setup)).toHaveLength(2);
  }, 60_000);

  it('pin-pad + always-auth: the context-specific login before C_Sign is asked on the device too', async () => {
    const { host: h, setup } = quirks.start(['pin-pad', 'always-auth']);
    const signing = sign(h);
    await setup.typeOnPinPad(token.userPin);
    await setup.typeOnPinPad(token.userPin);
    const signed = await signing;
    expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
    expect(opensslVerifies(signed.payload.certificate, DOCUMENT, signed.payload.signature)).toBe(true);
    expect(setup.calls().filter((c) => c.startsWith('C_Login'))).toEqual(['C_Login user no-pin', 'C_Login user returned', 'C_Login context no-pin']);
  }, 60_000);
});
