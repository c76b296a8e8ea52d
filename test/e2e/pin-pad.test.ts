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
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { clickClosing, launchKysoBrowser, openDemoPortal, pageClosed, startTestServer, waitForArmed, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import { buildQuirksModule, opensslVerifies, quirksSetup, userLogins, type QuirksSetup } from '../helpers/quirks-token.js';
import type { StaticServer } from '../../demo/serve.mjs';

let token: DemoToken;
let setup: QuirksSetup;
let browser: KysoBrowser;
let server: StaticServer;

beforeAll(async () => {
  token = await createDemoToken();
  setup = quirksSetup(await buildQuirksModule(), token, ['pin-pad']);
  browser = await launchKysoBrowser({ env: setup.env as Record<string, string> });
  server = await startTestServer();
  await enableSignHashInOptions(browser, server.url);
}, 120_000);

afterAll(async () => {
  setup?.release();
  await browser?.close();
  await server?.close();
});

const TEXT = 'Tờ trình phê duyệt dự toán — ký bằng bàn phím của thiết bị';
const digestB64 = createHash('sha256').update(TEXT, 'utf8').digest('base64');

async function startSignHash(page: Page): Promise<void> {
  const params = { hash: digestB64, hashAlgorithm: 'SHA-256', description: TEXT, certificateId: token.cert('org-rsa').certificateId };
  await page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    window.__kysoCall = sdk.signHash(${JSON.stringify(params)}).then((result) => ({ result }), (error) => ({ code: error.code ?? String(error) }));
  })()`);
}

describe('PIN pad', () => {
  it('the consent window says to enter the PIN on the device and shows no PIN field; approve → PIN on the device → a signature openssl verifies', async () => {
    const page = await openDemoPortal(browser.context, server.url);
    await startSignHash(page);
    const consent = await waitForConsentPage(browser.context);
    const siteButton = consent.locator('[data-testid=site-allow-once]');
    const certificate = consent.locator('[data-testid=certificate-option]').first();
    await Promise.race([siteButton.waitFor({ timeout: 15_000 }), certificate.waitFor({ timeout: 15_000 })]);
    if (await siteButton.isVisible()) {
      await waitForArmed(consent);
      await consent.click('[data-testid=site-allow-once]');
      await certificate.waitFor({ timeout: 15_000 });
    }

    const message = consent.locator('[data-testid=pin-pad-message]');
    expect(await message.textContent()).toBe('Nhập mã PIN trên thiết bị');
    expect(await consent.locator('[data-testid=pin]').count()).toBe(0);
    expect(await consent.locator('input[type=password]').count()).toBe(0);
    await consent.click('[data-testid=lang-toggle]');
    expect(await message.textContent()).toBe('Enter the PIN on the device');

    await waitForArmed(consent);
    await clickClosing(consent, '[data-testid=approve]');
    // The host now waits on the device; the person types the PIN there.
    await setup.typeOnPinPad(token.userPin, 30_000);
    expect(await pageClosed(consent, 30_000)).toBe(true);
    const outcome = await page.evaluate('window.__kysoCall') as { result?: { signature: string; certificate: string }; code?: string };
    expect(outcome.code).toBeUndefined();
    expect(opensslVerifies(outcome.result!.certificate, Buffer.from(TEXT, 'utf8'), outcome.result!.signature)).toBe(true);
    // The host never sent a PIN: one login, on the pad.
    expect(userLogins(setup)).toEqual(['C_Login user no-pin']);
    await page.close();
  }, 120_000);
});
