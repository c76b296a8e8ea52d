/**
 * A token that shows its certificates only after login, end to end (issue 13): headless Chromium, the built
 * extension, the native host, and the demo SoftHSM2 token seen through the quirks module with `certs-after-login`
 * (before C_Login the token shows its keys but no certificate). The page's signHash / signCms opens the consent
 * window, which has no certificate to offer but a block to reveal them with the PIN; a wrong PIN is one try and says
 * so, the right one lists the certificates, the person picks one, types the PIN again and signs; openssl verifies.
 * Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { clickClosing, launchKysoBrowser, openDemoPortal, pageClosed, startTestServer, waitForArmed, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import { buildQuirksModule, opensslVerifies, quirksSetup, userLogins, type Quirk, type QuirksSetup } from '../helpers/quirks-token.js';
import { opensslCmsVerify } from '../fixtures/pdf/pdf-test-tools.js';
import type { StaticServer } from '../../demo/serve.mjs';

let token: DemoToken;
let modulePath: string;
let server: StaticServer;
let caFile: string;
const opened: { browser: KysoBrowser; setup: QuirksSetup }[] = [];

beforeAll(async () => {
  [token, modulePath, server] = await Promise.all([createDemoToken(), buildQuirksModule(), startTestServer()]);
  caFile = join(await mkdtemp(join(tmpdir(), 'kyso-after-login-')), 'cas.pem');
  await writeFile(caFile, `${await readFile(token.rootPem, 'utf8')}\n${await readFile(token.intermediatePem, 'utf8')}`);
}, 120_000);

afterAll(async () => {
  for (const { browser } of opened) await browser.close();
  await server?.close();
});

/** A browser whose host sees the token through the quirks module (its own host process, so nothing is revealed yet). */
async function openBrowser(extra: readonly Quirk[] = []): Promise<{ browser: KysoBrowser; setup: QuirksSetup }> {
  const setup = quirksSetup(modulePath, token, ['certs-after-login', ...extra]);
  const browser = await launchKysoBrowser({ env: setup.env as Record<string, string> });
  opened.push({ browser, setup });
  return { browser, setup };
}

/** Run an SDK call in the page without awaiting it (the consent window is handled meanwhile). */
function startInPage(page: Page, body: string): Promise<any> {
  return page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    try { return await (async () => { ${body} })(); }
    catch (error) { return { error: error.code ?? String(error) }; }
  })()`);
}

/** Allow the site, then the window offers no certificate but the reveal block for the token. */
async function reachRevealBlock(consent: Page): Promise<void> {
  const siteButton = consent.locator('[data-testid=site-allow-once]');
  const reveal = consent.locator('[data-testid=reveal-certificates]');
  await Promise.race([siteButton.waitFor({ timeout: 15_000 }), reveal.waitFor({ timeout: 15_000 })]);
  if (await siteButton.isVisible()) {
    await waitForArmed(consent);
    await consent.click('[data-testid=site-allow-once]');
    await reveal.waitFor({ timeout: 15_000 });
  }
  expect(await consent.locator('[data-testid=certificate-option]').count()).toBe(0);
}

/** Type the PIN in the reveal block and press its button. */
async function reveal(consent: Page, pin: string): Promise<void> {
  await waitForArmed(consent);
  await consent.fill('[data-testid=reveal-pin]', pin);
  await consent.click('[data-testid=reveal-button]');
}

/** Pick the certificate, type the PIN, approve (as a person would), and wait for the window to close. */
async function pickAndSign(consent: Page, certificateId: string, pin: string): Promise<void> {
  const option = consent.locator(`[data-testid=certificate-option][data-certificate-id="${certificateId}"]`);
  await option.waitFor({ timeout: 30_000 });
  await option.click();
  await waitForArmed(consent);
  await consent.fill('[data-testid=pin]', pin);
  await clickClosing(consent, '[data-testid=approve]');
  expect(await pageClosed(consent, 30_000)).toBe(true);
}

describe('certificates visible only after login, in the browser', () => {
  it('signHash: the window offers to reveal (vi/en); a wrong PIN is one try and says so; the right PIN lists the certificates; pick, PIN, sign; openssl verifies', async () => {
    const { browser, setup } = await openBrowser();
    const origin = server.url;
    await enableSignHashInOptions(browser, origin);
    const TEXT = 'Tờ khai — thiết bị chỉ hiện chứng thư sau khi nhập PIN';
    const hash = createHash('sha256').update(TEXT, 'utf8').digest('base64');
    const page = await openDemoPortal(browser.context, server.url);
    const pending = startInPage(page, `const r = await sdk.signHash(${JSON.stringify({ hash, hashAlgorithm: 'SHA-256', description: TEXT })}); return { result: r };`);
    const consent = await waitForConsentPage(browser.context);
    await reachRevealBlock(consent);

    const block = consent.locator('[data-testid=reveal-certificates]');
    expect(await block.textContent()).toContain(`Thiết bị «${token.tokenLabel}» chỉ cho xem chứng thư số sau khi nhập PIN`);
    expect(await consent.textContent('[data-testid=reveal-button]')).toBe('Xem chứng thư số');
    await consent.click('[data-testid=lang-toggle]');
    expect(await block.textContent()).toContain('shows its certificates only after you enter the PIN');
    expect(await consent.textContent('[data-testid=reveal-button]')).toBe('Show certificates');
    await consent.click('[data-testid=lang-toggle]');

    await reveal(consent, '999999');
    await consent.locator('[data-testid=error]:not([hidden])').waitFor({ timeout: 30_000 });
    expect(await consent.textContent('[data-testid=error]')).toMatch(/PIN/);
    expect(userLogins(setup)).toHaveLength(1); // one try, no more
    expect(await consent.locator('[data-testid=reveal-certificates]').count()).toBe(1);
    expect(await consent.locator('[data-testid=certificate-option]').count()).toBe(0);

    await reveal(consent, token.userPin);
    await pickAndSign(consent, token.cert('org-rsa').certificateId, token.userPin);
    const outcome = await pending;
    expect(outcome.error).toBeUndefined();
    expect(opensslVerifies(outcome.result.certificate, Buffer.from(TEXT, 'utf8'), outcome.result.signature)).toBe(true);
    // Wrong PIN, reveal, sign: the PIN is typed again for the signature (nothing of the reveal's login is kept).
    expect(userLogins(setup)).toHaveLength(3);
    await page.close();
  }, 180_000);

  it('signCms: reveal with the PIN, pick, PIN again, sign; openssl cms -verify accepts it', async () => {
    const { browser, setup } = await openBrowser();
    const content = Buffer.from('Hồ sơ đăng ký kinh doanh — ký CMS sau khi hiện chứng thư', 'utf8');
    const digest = createHash('sha256').update(content).digest('base64');
    const page = await openDemoPortal(browser.context, server.url);
    const pending = startInPage(page, `const r = await sdk.signCms({ digest: '${digest}', hashAlgorithm: 'SHA-256', description: 'CMS' }); return { cms: r.cms };`);
    const consent = await waitForConsentPage(browser.context);
    await reachRevealBlock(consent);
    await reveal(consent, token.userPin);
    await pickAndSign(consent, token.cert('person-ec').certificateId, token.userPin);
    const outcome = await pending;
    expect(outcome.error).toBeUndefined();
    expect((await opensslCmsVerify(Buffer.from(outcome.cms, 'base64'), content, caFile)).ok).toBe(true);
    expect(userLogins(setup)).toHaveLength(2);
    await page.close();
  }, 180_000);
  it('on the final PIN try the reveal waits for the "I understand" tick (a wrong PIN would lock the token)', async () => {
    const { browser, setup } = await openBrowser(['pin-final-try']);
    const content = Buffer.from('Lần thử PIN cuối cùng', 'utf8');
    const digest = createHash('sha256').update(content).digest('base64');
    const page = await openDemoPortal(browser.context, server.url);
    const pending = startInPage(page, `const r = await sdk.signCms({ digest: '${digest}', hashAlgorithm: 'SHA-256' }); return { cms: r.cms };`);
    const consent = await waitForConsentPage(browser.context);
    await reachRevealBlock(consent);
    expect(await consent.textContent('[data-testid=reveal-certificates]')).toContain('lần thử PIN cuối cùng');
    await waitForArmed(consent);
    await consent.fill('[data-testid=reveal-pin]', token.userPin);
    expect(await consent.locator('[data-testid=reveal-button]').isDisabled()).toBe(true);
    await consent.press('[data-testid=reveal-pin]', 'Enter'); // neither reveals nor approves
    expect(userLogins(setup)).toHaveLength(0);
    await consent.check('[data-testid=reveal-confirm-last-try]');
    await consent.fill('[data-testid=reveal-pin]', token.userPin);
    await consent.click('[data-testid=reveal-button]');
    await consent.locator(`[data-testid=certificate-option][data-certificate-id="${token.cert('org-rsa').certificateId}"]`).waitFor({ timeout: 30_000 });
    expect(userLogins(setup)).toHaveLength(1);
    await clickClosing(consent, '[data-testid=cancel]');
    expect((await pending).error).toBe('USER_CANCELLED');
    await page.close();
  }, 180_000);
});
