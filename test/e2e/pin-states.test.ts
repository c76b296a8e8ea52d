/**
 * The token's PIN states in the consent window, end to end (issue 13 §2: "CKF_USER_PIN_COUNT_LOW / FINAL_TRY /
 * LOCKED / CKR_PIN_EXPIRED (the window's messages match; no retry ever burns a try the person did not type)").
 * Headless Chromium, the built extension, the native host, and the demo SoftHSM2 token seen through the quirks
 * module (test/fixtures/pkcs11-quirks/quirks-module.c), a real PKCS#11 module reached through pkcs11js. One browser
 * and one host meet each state in turn: the module reads its quirks from KYSO_QUIRKS_DIR/quirks at every call
 * (switchQuirks), as a person's token changes between two signings. Each case counts the C_Login calls the module
 * saw (its calls.log) against the PINs the person typed.
 *
 * When the token's answer ends the signing (PIN expired, locked by the last wrong try, pulled out, silent) the
 * page gets the typed error at once and the window stays, saying what happened and what to do next, with no PIN
 * field and no Approve, until the person closes it (button, Esc or the window's own close). The order of the
 * cases matters twice: `removed-once` fails the first C_Sign of the host process (so it comes first), and a hung
 * C_Login gives the driver up for the rest of the process (so it comes last). Requires `npm run build`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import type { DemoToken } from '../helpers/demo-token.js';
import { portalFixture } from '../helpers/portal-fixture.js';
import {
  clickClosing, openDemoPortal, pageClosed, reachSigningStep, waitForArmed, waitForConsentPage, type KysoBrowser,
} from '../helpers/browser.js';
import { opensslVerifies, switchQuirks, userLogins, type QuirksSetup } from '../helpers/quirks-token.js';
import type { StaticServer } from '../../demo/serve.mjs';

// A token call is bounded at 10 s here (30 s by default) so the case of a token that stops answering is short.
const portal = portalFixture({ quirks: [], env: (_token, quirks) => ({ ...quirks!.env as Record<string, string>, KYSO_TOKEN_CALL_TIMEOUT_MS: String(TOKEN_CALL_BOUND_MS) }) });
let token: DemoToken;
let setup: QuirksSetup;
let browser: KysoBrowser;
let server: StaticServer;
beforeAll(() => ({ token, quirks: setup, browser, server } = portal));

const WRONG_PIN = '000000';
const TOKEN_CALL_BOUND_MS = 10_000;
/** Screenshots of the window, kept by .ci/run like consent-readability's. */
const CONSENT_ARTIFACTS_DIR = resolve(import.meta.dirname, '../../test-artifacts/consent');

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

const count = (consent: Page, selector: string): Promise<number> => consent.locator(selector).count();
const signCalls = (): number => setup.calls().filter((c) => c === 'C_Sign').length;

/** Wait until the host has made one more PIN try than `before` (the module logs each C_Login as it starts). */
async function loginStarted(before: number, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (userLogins(setup).length <= before) {
    if (Date.now() > until) throw new Error('the token never saw the C_Login');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The window a signing ended in: the message box is on screen; the page has ALREADY got its typed error while
 * the window is still open; nothing to sign with is left — no PIN field, no Approve, no Cancel-or-sign form —
 * and a crafted approve sent from the window (as a forced Enter would) is refused without reaching the token.
 */
async function expectEndedInWindow(consent: Page, page: Page, code: string): Promise<Outcome> {
  const box = consent.locator('[data-testid=consent-final-error]');
  await box.waitFor({ state: 'visible', timeout: TOKEN_CALL_BOUND_MS + 30_000 });
  const answer = await outcome(page);
  expect(answer.result).toBeUndefined();
  expect(answer.code).toBe(code);
  expect(consent.isClosed()).toBe(false);
  expect(await box.getAttribute('data-code')).toBe(code);
  expect(await box.getAttribute('role')).toBe('alert');
  expect(await count(consent, '[data-testid=pin]')).toBe(0);
  expect(await count(consent, 'input[type=password]')).toBe(0);
  expect(await count(consent, '[data-testid=approve]')).toBe(0);
  expect(await count(consent, 'form')).toBe(0);
  expect(await consent.locator('[data-testid=error]').isHidden()).toBe(true);
  const loginsNow = userLogins(setup).length;
  const signsNow = signCalls();
  const crafted = await consent.evaluate(({ certificateId, pin }) => {
    const sessionId = new URLSearchParams(location.search).get('session');
    return (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<{ outcome: string }> } } }).chrome.runtime.sendMessage({ kind: 'consent.approve', sessionId, certificateId, pin });
  }, { certificateId: token.cert('org-rsa').certificateId, pin: token.userPin });
  expect(crafted.outcome).toBe('ended');
  expect(userLogins(setup).length).toBe(loginsNow);
  expect(signCalls()).toBe(signsNow);
  return answer;
}

/** The window's words for an ended signing, in the language on screen. */
async function finalWords(consent: Page): Promise<{ title: string | null; explanation: string | null; nextStep: string | null; code: string | null; close: string | null }> {
  return {
    title: await text(consent, 'consent-final-error-title'),
    explanation: await text(consent, 'consent-final-error-explanation'),
    nextStep: await text(consent, 'consent-final-error-next-step'),
    code: await text(consent, 'consent-final-error-code'),
    close: await text(consent, 'consent-final-error-close'),
  };
}

describe('PIN states of a real token, in the consent window', () => {
  it('token pulled out during C_Sign: the page gets TOKEN_REMOVED at once; the window stays saying to plug it back in and sign again; closing the window ends it', async () => {
    // removed-once fails the first C_Sign of the host process: this case must run before any other signature.
    expect(signCalls()).toBe(0);
    switchQuirks(setup, ['removed-once']);
    const { page, consent, loginsBefore } = await openRequest('Quyết định khen thưởng — rút thiết bị ký khi đang ký');
    await waitForArmed(consent);
    await consent.fill('[data-testid=pin]', token.userPin);
    await consent.click('[data-testid=approve]');
    await expectEndedInWindow(consent, page, 'TOKEN_REMOVED');
    expect(await finalWords(consent)).toEqual({
      title: 'Thiết bị ký đã bị rút ra',
      explanation: 'Thiết bị ký (USB token) bị rút ra hoặc mất kết nối trong khi ký, nên việc ký không hoàn tất.',
      nextStep: 'Cắm lại thiết bị ký vào máy, chờ vài giây, rồi quay lại trang web và ký lại.',
      code: 'Trang web cũng đã được báo lỗi này. Mã lỗi: TOKEN_REMOVED',
      close: 'Đóng',
    });
    expect(userLogins(setup).length - loginsBefore).toBe(1);

    // The window's own close button (×): nothing is left waiting — the next request of the next case opens its window.
    await consent.close({ runBeforeUnload: false });
    expect(await pageClosed(consent, 10_000)).toBe(true);
    await page.close();
  }, 120_000);

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

  it('PIN expired: the window says so before the PIN; the right PIN → CKR_PIN_EXPIRED → the page gets PIN_EXPIRED at once, the window stays saying to change the PIN with the token\'s program, with no PIN field and no Approve; Close ends it; one PIN, one C_Login, nothing signed', async () => {
    switchQuirks(setup, ['pin-expired']);
    const { page, consent, loginsBefore } = await openRequest('Giấy đề nghị thanh toán — mã PIN hết hạn');
    const signsBefore = signCalls();
    expect(await text(consent, 'token-state')).toBe('Mã PIN đã hết hạn, cần đổi');
    expect(await consent.locator('[data-testid=pin]').count()).toBe(1);

    await waitForArmed(consent);
    await consent.fill('[data-testid=pin]', token.userPin);
    await consent.click('[data-testid=approve]');
    const { messageVi } = await expectEndedInWindow(consent, page, 'PIN_EXPIRED');
    expect(messageVi).toBe('Mã PIN đã hết hạn và cần được đổi.');
    expect(await finalWords(consent)).toEqual({
      title: 'Mã PIN của thiết bị ký đã hết hạn',
      explanation: 'Thiết bị ký yêu cầu đổi mã PIN trước khi ký. Chưa có gì được ký.',
      nextStep: 'Hãy đổi mã PIN bằng phần mềm quản lý thiết bị ký (phần mềm đi kèm USB token của nhà cung cấp chứng thư số), rồi quay lại trang web và ký lại.',
      code: 'Trang web cũng đã được báo lỗi này. Mã lỗi: PIN_EXPIRED',
      close: 'Đóng',
    });
    // Readable without scrolling in the 520×720 window: the whole message and Close in view, Close ≥ 44 px high.
    const view = await consent.evaluate(() => ({ width: innerWidth, height: innerHeight }));
    const message = (await consent.locator('[data-testid=consent-final-error]').boundingBox())!;
    const close = (await consent.locator('[data-testid=consent-final-error-close]').boundingBox())!;
    expect(message.y + message.height).toBeLessThanOrEqual(view.height);
    expect(close.height).toBeGreaterThanOrEqual(44);
    expect(await consent.locator('[data-testid=consent-final-error-next-step]').evaluate((node) => parseFloat(getComputedStyle(node).fontSize))).toBeGreaterThanOrEqual(16);
    mkdirSync(CONSENT_ARTIFACTS_DIR, { recursive: true });
    await consent.screenshot({ path: join(CONSENT_ARTIFACTS_DIR, 'final-error-pin-expired.png') });
    await consent.click('[data-testid=lang-toggle]');
    expect(await finalWords(consent)).toEqual({
      title: "The token's PIN has expired",
      explanation: 'The token asks for a new PIN before it signs. Nothing was signed.',
      nextStep: "Change the PIN with the token's management program (the one that came with the USB token from your certificate provider), then go back to the web page and sign again.",
      code: 'The web page has been told as well. Error code: PIN_EXPIRED',
      close: 'Close',
    });
    // The window does not go away by itself while the person reads.
    await consent.waitForTimeout(1_500);
    expect(consent.isClosed()).toBe(false);

    await waitForArmed(consent);
    await clickClosing(consent, '[data-testid=consent-final-error-close]');
    expect(await pageClosed(consent, 10_000)).toBe(true);
    expect(signCalls() - signsBefore).toBe(0);
    expect(userLogins(setup).length - loginsBefore).toBe(1);
    await page.close();
  }, 120_000);

  it('a wrong PIN on the final try locks the token (C_Login → CKR_PIN_LOCKED): the page gets PIN_LOCKED at once; the window stays saying to contact the CA or use the PUK, with no PIN field and no Approve; Esc ends it', async () => {
    // The module holds the C_Login until the test has switched the token to "locked": the try that locks it.
    rmSync(join(setup.dir, 'release'), { force: true });
    switchQuirks(setup, ['pin-final-try', 'hung-login']);
    const { page, consent, loginsBefore } = await openRequest('Tờ trình mua sắm — nhập sai lần thử PIN cuối cùng');
    expect(await text(consent, 'token-state')).toBe('Lần thử PIN cuối cùng');
    await consent.check('[data-testid=confirm-last-try]');
    await waitForArmed(consent);
    await consent.fill('[data-testid=pin]', WRONG_PIN);
    await consent.click('[data-testid=approve]');
    await loginStarted(loginsBefore);
    switchQuirks(setup, ['pin-locked']);
    writeFileSync(join(setup.dir, 'release'), '');
    try {
      await expectEndedInWindow(consent, page, 'PIN_LOCKED');
    } finally {
      rmSync(join(setup.dir, 'release'), { force: true });
    }
    expect(await finalWords(consent)).toEqual({
      title: 'Thiết bị ký đã bị khoá',
      explanation: 'Mã PIN đã bị nhập sai quá số lần cho phép, nên thiết bị ký đã tự khoá. Chưa có gì được ký. Đừng nhập lại mã PIN: thiết bị không nhận nữa.',
      nextStep: 'Liên hệ nhà cung cấp chứng thư số (CA) để được mở khoá, hoặc dùng mã PUK trong phần mềm quản lý thiết bị ký nếu bạn có. Sau đó quay lại trang web và ký lại.',
      code: 'Trang web cũng đã được báo lỗi này. Mã lỗi: PIN_LOCKED',
      close: 'Đóng',
    });
    expect(userLogins(setup).length - loginsBefore).toBe(1);

    // The window closes under the key press (like clickClosing).
    await consent.keyboard.press('Escape').catch((error: unknown) => { if (!consent.isClosed() && !/closed/i.test(String(error))) throw error; });
    expect(await pageClosed(consent, 10_000)).toBe(true);
    await page.close();
  }, 120_000);

  it('a token that stops answering during C_Login: the page gets TOKEN_NOT_RESPONDING at the host\'s bound; the window stays saying to unplug and plug the token back in; Close ends it (last: the driver is given up)', async () => {
    rmSync(join(setup.dir, 'release'), { force: true });
    switchQuirks(setup, ['hung-login']);
    const { page, consent } = await openRequest('Báo cáo tuần — thiết bị ký không phản hồi');
    await waitForArmed(consent);
    await consent.fill('[data-testid=pin]', token.userPin);
    await consent.click('[data-testid=approve]');
    await expectEndedInWindow(consent, page, 'TOKEN_NOT_RESPONDING');
    expect(await text(consent, 'consent-final-error-title')).toBe('Thiết bị ký không phản hồi');
    expect(await text(consent, 'consent-final-error-next-step')).toBe('Rút thiết bị ký ra, cắm lại, chờ vài giây, rồi quay lại trang web và ký lại. Nếu vẫn lỗi, hãy khởi động lại máy tính hoặc báo bộ phận hỗ trợ kỹ thuật.');
    await waitForArmed(consent);
    await clickClosing(consent, '[data-testid=consent-final-error-close]');
    expect(await pageClosed(consent, 10_000)).toBe(true);
    await page.close();
  }, 120_000);
});
