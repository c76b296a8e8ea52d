/**
 * The token's PIN states in the consent window, end to end (issue 13 §2: "CKF_USER_PIN_COUNT_LOW / FINAL_TRY /
 * LOCKED / CKR_PIN_EXPIRED (the window's messages match; no retry ever burns a try the person did not type)").
 * Headless Chromium, the built extension, the native host, and the demo SoftHSM2 token seen through the quirks
 * module (test/fixtures/pkcs11-quirks/quirks-module.c), a real PKCS#11 module reached through pkcs11js. One browser
 * and one host meet each state in turn: the module reads its quirks from KYSO_QUIRKS_DIR/quirks at every call
 * (switchQuirks), as a person's token changes between two signings. Each case counts the C_Login calls the module
 * saw (its calls.log) against the PINs the person typed. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import {
  clickClosing, launchKysoBrowser, openDemoPortal, pageClosed, reachSigningStep, startTestServer, waitForArmed, waitForConsentPage, type KysoBrowser,
} from '../helpers/browser.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import { buildQuirksModule, opensslVerifies, quirksSetup, switchQuirks, userLogins, type QuirksSetup } from '../helpers/quirks-token.js';
import type { StaticServer } from '../../demo/serve.mjs';

let token: DemoToken;
let setup: QuirksSetup;
let browser: KysoBrowser;
let server: StaticServer;

beforeAll(async () => {
  token = await createDemoToken();
  setup = quirksSetup(await buildQuirksModule(), token, []);
  browser = await launchKysoBrowser({ env: setup.env as Record<string, string> });
  server = await startTestServer();
  await enableSignHashInOptions(browser, server.url);
}, 120_000);

afterAll(async () => {
  setup?.release();
  await browser?.close();
  await server?.close();
});

const WRONG_PIN = '000000';

interface Outcome { result?: { signature: string; certificate: string }; code?: string; messageVi?: string }

/** The portal's own script asks for a signature (signHash on the demo token's RSA certificate); read with outcome(). */
async function startSignHash(page: Page, text: string): Promise<void> {
  const params = { hash: createHash('sha256').update(text, 'utf8').digest('base64'), hashAlgorithm: 'SHA-256', description: text, certificateId: token.cert('org-rsa').certificateId };
  await page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    window.__kysoCall = sdk.signHash(${JSON.stringify(params)}).then((result) => ({ result }), (error) => ({ code: error.code ?? String(error), messageVi: error.messageVi }));
  })()`);
}

const outcome = (page: Page): Promise<Outcome> => page.evaluate('window.__kysoCall') as Promise<Outcome>;

/** A window for a new request with the token in this state, at its signing step; and the C_Login count so far. */
async function openRequest(text: string): Promise<{ page: Page; consent: Page; loginsBefore: number }> {
  const loginsBefore = userLogins(setup).length;
  const page = await openDemoPortal(browser.context, server.url);
  await startSignHash(page, text);
  const consent = await waitForConsentPage(browser.context);
  await reachSigningStep(consent);
  return { page, consent, loginsBefore };
}

/** Submit the form as Enter would, past a disabled Approve: what the window itself does with a decision it must refuse. */
async function forceSubmit(consent: Page): Promise<void> {
  await consent.evaluate(() => document.querySelector('form')!.requestSubmit());
}

const text = (consent: Page, testid: string): Promise<string | null> => consent.locator(`[data-testid=${testid}]`).textContent();

describe('PIN states of a real token, in the consent window', () => {
  it('count low: the window says few tries are left before the PIN; after a wrong PIN it says the PIN is wrong and still few tries; the right PIN signs — two PINs typed, two C_Login', async () => {
    switchQuirks(setup, ['pin-count-low']);
    const signed = 'Báo cáo tài chính quý III — thiết bị còn ít lần thử PIN';
    const { page, consent, loginsBefore } = await openRequest(signed);
    expect(await text(consent, 'token-state')).toBe('Còn ít lần thử PIN');
    expect(await consent.locator('[data-testid=pin]').count()).toBe(1);
    expect(await consent.locator('[data-testid=confirm-last-try]').count()).toBe(0);

    await waitForArmed(consent);
    await consent.fill('[data-testid=pin]', WRONG_PIN);
    await consent.click('[data-testid=approve]');
    const error = consent.locator('[data-testid=error]');
    await error.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await error.textContent()).toBe('Mã PIN không đúng.');
    expect(await text(consent, 'token-state')).toBe('Còn ít lần thử PIN');
    expect(await consent.inputValue('[data-testid=pin]')).toBe('');
    expect(userLogins(setup).length - loginsBefore).toBe(1);
    await consent.click('[data-testid=lang-toggle]');
    expect(await error.textContent()).toBe('The PIN is incorrect.');
    expect(await text(consent, 'token-state')).toBe('Few PIN tries left');

    await waitForArmed(consent);
    await consent.fill('[data-testid=pin]', token.userPin);
    await clickClosing(consent, '[data-testid=approve]');
    expect(await pageClosed(consent, 30_000)).toBe(true);
    const { result, code } = await outcome(page);
    expect(code).toBeUndefined();
    expect(opensslVerifies(result!.certificate, Buffer.from(signed, 'utf8'), result!.signature)).toBe(true);
    expect(userLogins(setup).length - loginsBefore).toBe(2);
    await page.close();
  }, 120_000);

  it('final try: Approve stays off and Enter tries nothing until the person confirms; then one PIN, one C_Login, and a signature openssl verifies', async () => {
    switchQuirks(setup, ['pin-final-try']);
    const signed = 'Hợp đồng mua bán — lần thử PIN cuối cùng';
    const { page, consent, loginsBefore } = await openRequest(signed);
    expect(await text(consent, 'token-state')).toBe('Lần thử PIN cuối cùng');
    expect(await text(consent, 'final-try-warning')).toBe('Đây là lần thử PIN cuối cùng: nếu nhập sai, thiết bị ký sẽ bị khoá và bạn phải liên hệ nhà cung cấp chứng thư số để mở khoá.');

    await waitForArmed(consent);
    expect(await consent.locator('[data-testid=approve]').isDisabled()).toBe(true);
    await consent.fill('[data-testid=pin]', token.userPin);
    await consent.press('[data-testid=pin]', 'Enter');
    await forceSubmit(consent);
    // A refused decision sends nothing: give a login the time to show up in the module's log if one were sent.
    await consent.waitForTimeout(1_500);
    expect(consent.isClosed()).toBe(false);
    expect(userLogins(setup).length - loginsBefore).toBe(0);

    await consent.check('[data-testid=confirm-last-try]');
    // The PIN typed stays through the redraw the tick causes.
    expect(await consent.inputValue('[data-testid=pin]')).toBe(token.userPin);
    await waitForArmed(consent);
    expect(await consent.locator('[data-testid=approve]').isDisabled()).toBe(false);
    await clickClosing(consent, '[data-testid=approve]');
    expect(await pageClosed(consent, 30_000)).toBe(true);
    const { result, code } = await outcome(page);
    expect(code).toBeUndefined();
    expect(opensslVerifies(result!.certificate, Buffer.from(signed, 'utf8'), result!.signature)).toBe(true);
    expect(userLogins(setup).length - loginsBefore).toBe(1);
    await page.close();
  }, 120_000);

  it('locked: the window says the token is locked and why, offers no PIN field and no Approve; nothing reaches C_Login; Cancel → USER_CANCELLED', async () => {
    switchQuirks(setup, ['pin-locked']);
    const { page, consent, loginsBefore } = await openRequest('Công văn số 12 — thiết bị đã khoá');
    expect(await text(consent, 'token-state')).toBe('Thiết bị ký đã khoá');
    expect(await text(consent, 'pin-locked')).toBe('Thiết bị ký đã bị khoá vì nhập sai PIN quá nhiều lần. Liên hệ nhà cung cấp chứng thư số để mở khoá; Kyso không thể ký bằng thiết bị này.');
    expect(await consent.locator('[data-testid=pin]').count()).toBe(0);
    expect(await consent.locator('input[type=password]').count()).toBe(0);
    expect(await consent.locator('[data-testid=confirm-last-try]').count()).toBe(0);
    await waitForArmed(consent);
    expect(await consent.locator('[data-testid=approve]').isDisabled()).toBe(true);
    await forceSubmit(consent);
    await consent.click('[data-testid=lang-toggle]');
    expect(await text(consent, 'token-state')).toBe('The token is locked');
    await consent.waitForTimeout(1_500);
    expect(consent.isClosed()).toBe(false);

    await clickClosing(consent, '[data-testid=cancel]');
    expect(await pageClosed(consent, 30_000)).toBe(true);
    expect((await outcome(page)).code).toBe('USER_CANCELLED');
    expect(userLogins(setup).length - loginsBefore).toBe(0);
    await page.close();
  }, 120_000);

  it('PIN expired: the window says so before the PIN; the right PIN → CKR_PIN_EXPIRED → the window closes, the page gets PIN_EXPIRED and its message, nothing is signed; one PIN, one C_Login', async () => {
    switchQuirks(setup, ['pin-expired']);
    const { page, consent, loginsBefore } = await openRequest('Giấy đề nghị thanh toán — mã PIN hết hạn');
    const signsBefore = setup.calls().filter((c) => c === 'C_Sign').length;
    expect(await text(consent, 'token-state')).toBe('Mã PIN đã hết hạn, cần đổi');
    expect(await consent.locator('[data-testid=pin]').count()).toBe(1);

    await waitForArmed(consent);
    await consent.fill('[data-testid=pin]', token.userPin);
    await clickClosing(consent, '[data-testid=approve]');
    // The background closes the window on an answer the person cannot retry (consent-broker.ts): what the token
    // said reaches the person through the page, in the same words as the window's error box would use.
    expect(await pageClosed(consent, 30_000)).toBe(true);
    const { result, code, messageVi } = await outcome(page);
    expect(result).toBeUndefined();
    expect(code).toBe('PIN_EXPIRED');
    expect(messageVi).toBe('Mã PIN đã hết hạn và cần được đổi.');
    expect(setup.calls().filter((c) => c === 'C_Sign').length - signsBefore).toBe(0);
    expect(userLogins(setup).length - loginsBefore).toBe(1);
    await page.close();
  }, 120_000);
});
