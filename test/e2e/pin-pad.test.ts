/**
 * A token with a PIN pad, end to end (issue 13 §2): headless Chromium, the built extension, the native host, and the
 * demo SoftHSM2 token seen through the quirks module with `pin-pad` (CKF_PROTECTED_AUTHENTICATION_PATH; C_Login
 * waits for the PIN "typed on the device", test/fixtures/pkcs11-quirks/quirks-module.c). The consent window says to
 * enter the PIN on the device and has no PIN field; approving leads to the device prompt, and the signature that
 * comes back verifies with openssl. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { clickClosing, launchKysoBrowser, openDemoPortal, pageClosed, reachSigningStep, waitForArmed, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import { portalFixture } from '../helpers/portal-fixture.js';
import { buildQuirksModule, opensslVerifies, quirksSetup, userLogins, type QuirksSetup } from '../helpers/quirks-token.js';

const portal = portalFixture({ quirks: ['pin-pad'] });

const TEXT = 'Tờ trình phê duyệt dự toán — ký bằng bàn phím của thiết bị';
const digestB64 = createHash('sha256').update(TEXT, 'utf8').digest('base64');

async function deviceIsWaiting(quirks: QuirksSetup, logins: number): Promise<void> {
  const until = Date.now() + 30_000;
  while (userLogins(quirks).length < logins) {
    if (Date.now() > until) throw new Error('the host never asked the device for the PIN');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startSignHash(page: Page): Promise<void> {
  const params = { hash: digestB64, hashAlgorithm: 'SHA-256', description: TEXT, certificateId: portal.token.cert('org-rsa').certificateId };
  await page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    window.__kysoCall = sdk.signHash(${JSON.stringify(params)}).then((result) => ({ result }), (error) => ({ code: error.code ?? String(error) }));
  })()`);
}

/**
 * Approve in the window, type the PIN on the device (the host waits on it), and check the page got a signature
 * openssl verifies with the certificate that came back.
 */
async function approveOnPinPad(page: Page, consent: Page, pad: QuirksSetup): Promise<void> {
  await clickClosing(consent, '[data-testid=approve]');
  await pad.typeOnPinPad(portal.token.userPin, 30_000);
  expect(await pageClosed(consent, 30_000)).toBe(true);
  const outcome = await page.evaluate('window.__kysoCall') as { result?: { signature: string; certificate: string }; code?: string };
  expect(outcome.code).toBeUndefined();
  expect(opensslVerifies(outcome.result!.certificate, Buffer.from(TEXT, 'utf8'), outcome.result!.signature)).toBe(true);
}

describe('PIN pad', () => {
  it('the consent window says to enter the PIN on the device and shows no PIN field; approve → PIN on the device → a signature openssl verifies', async () => {
    const page = await portal.openPortal();
    await startSignHash(page);
    const consent = await waitForConsentPage(portal.browser.context);
    await reachSigningStep(consent);

    const message = consent.locator('[data-testid=pin-pad-message]');
    expect(await message.textContent()).toBe('Nhập mã PIN trên thiết bị');
    expect(await consent.locator('[data-testid=pin]').count()).toBe(0);
    expect(await consent.locator('input[type=password]').count()).toBe(0);
    await consent.click('[data-testid=lang-toggle]');
    expect(await message.textContent()).toBe('Enter the PIN on the device');

    await waitForArmed(consent);
    await approveOnPinPad(page, consent, portal.quirks);
    // The host never sent a PIN: one login, on the pad.
    expect(userLogins(portal.quirks)).toEqual(['C_Login user no-pin']);
    await page.close();
  }, 120_000);

  it('Cancel in the window while the device waits: the page gets USER_CANCELLED at once, and the next request signs', async () => {
    const page = await portal.openPortal();
    await startSignHash(page);
    const consent = await waitForConsentPage(portal.browser.context);
    await reachSigningStep(consent);
    await waitForArmed(consent);
    await clickClosing(consent, '[data-testid=approve]');
    await deviceIsWaiting(portal.quirks, 2);
    await clickClosing(consent, '[data-testid=cancel]');
    expect(await pageClosed(consent)).toBe(true);
    expect((await page.evaluate('window.__kysoCall') as { code?: string }).code).toBe('USER_CANCELLED');
    // The person gives up on the device too (a real pad times out by itself): the token is free again.
    await portal.quirks.typeOnPinPad('cancel');

    await startSignHash(page);
    const again = await waitForConsentPage(portal.browser.context);
    await reachSigningStep(again);
    await waitForArmed(again);
    await approveOnPinPad(page, again, portal.quirks);
    await page.close();
  }, 120_000);
});

describe('PIN pad on its final try', () => {
  let finalTry: QuirksSetup;
  let other: KysoBrowser;
  beforeAll(async () => {
    finalTry = quirksSetup(await buildQuirksModule(), portal.token, ['pin-pad', 'pin-final-try']);
    other = await launchKysoBrowser({ env: finalTry.env as Record<string, string> });
    await enableSignHashInOptions(other, portal.server.url);
  }, 120_000);
  afterAll(async () => { finalTry?.release(); await other?.close(); });

  it('the window says it is the last try (Vietnamese and English), asks for the confirmation before Approve, still has no PIN field', async () => {
    const page = await openDemoPortal(other.context, portal.server.url);
    await startSignHash(page);
    const consent = await waitForConsentPage(other.context);
    await reachSigningStep(consent);
    expect(await consent.locator('[data-testid=token-state]').textContent()).toBe('Lần thử PIN cuối cùng');
    expect(await consent.locator('[data-testid=pin-pad-message]').textContent()).toBe('Nhập mã PIN trên thiết bị');
    expect(await consent.locator('[data-testid=pin]').count()).toBe(0);
    await consent.click('[data-testid=lang-toggle]');
    expect(await consent.locator('[data-testid=token-state]').textContent()).toBe('Last PIN try');
    await waitForArmed(consent);
    expect(await consent.locator('[data-testid=approve]').isDisabled()).toBe(true);
    await consent.check('[data-testid=confirm-last-try]');
    await waitForArmed(consent);
    await approveOnPinPad(page, consent, finalTry);
    expect(userLogins(finalTry)).toEqual(['C_Login user no-pin']);
    await page.close();
  }, 120_000);
});
