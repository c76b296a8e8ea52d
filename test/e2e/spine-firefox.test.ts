/**
 * The same spine in Firefox ESR: the dist/firefox build (background.scripts, gecko id) as a temporary add-on,
 * the host registered in a temporary HOME, a real SoftHSM2 token; signatures checked with node:crypto.
 * Requires `npm run build` and firefox-esr (apt) + puppeteer-core (npm); skipped, visibly, without Firefox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate, verify as nodeVerify } from 'node:crypto';
import type { Page } from 'puppeteer-core';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { approveInFirefoxConsent, FIREFOX_EXTENSION_UUID, FIREFOX_PATH, launchKysoFirefox, startTestServer, waitForFirefoxConsentPage, type KysoFirefox } from '../helpers/browser.js';
import { enableSignHashInFirefoxOptions } from '../helpers/options-page.js';
import type { StaticServer } from '../../demo/serve.mjs';


describe(`spine in Firefox (${FIREFOX_PATH})`, () => {
  let token: DemoToken;
  let firefox: KysoFirefox;
  let server: StaticServer;

  beforeAll(async () => {
    token = await createDemoToken();
    firefox = await launchKysoFirefox({ env: token.env, openOptionsPage: true });
    server = await startTestServer();
    // The demo page signs a hash: signHash is opt-in per origin, enabled on the options page as a person would.
    await enableSignHashInFirefoxOptions(firefox.browser, FIREFOX_EXTENSION_UUID, server.url);
  });
  afterAll(async () => {
    await firefox?.close();
    await server?.close();
  });

  async function openPortal(): Promise<Page> {
    const page = await firefox.browser.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('[data-testid=status][data-state=ready]', { timeout: 20_000 });
    return page;
  }

  async function outcome(page: Page): Promise<{ code?: string; result?: { signature: string; signatureAlgorithm: string; certificate: string } }> {
    await page.waitForFunction(() => {
      const demo = (window as unknown as { kysoDemo: { lastResult: unknown; lastError: unknown } }).kysoDemo;
      return demo.lastResult || demo.lastError;
    }, { timeout: 30_000 });
    return page.evaluate(() => {
      const demo = (window as unknown as { kysoDemo: { lastResult: never; lastError: { code: string } | null } }).kysoDemo;
      return { result: demo.lastResult ?? undefined, code: demo.lastError?.code };
    });
  }

  it.each([['org-rsa', 'RSASSA-PKCS1-v1_5'], ['person-ec', 'ECDSA']] as const)('signs with %s (%s); node:crypto verifies it', async (name, scheme) => {
    const page = await openPortal();
    const text = `Firefox — ${name} — ${Date.now()}`;
    await page.$eval('[data-testid=document-text]', (el, value) => { (el as HTMLTextAreaElement).value = value; }, text);
    await page.click('[data-testid=sign]');
    const consent = await waitForFirefoxConsentPage(firefox.browser);
    await consent.waitForSelector('[data-testid=pin]');
    expect(await consent.$eval('[data-testid=origin]', (el) => el.textContent)).toBe(server.url);
    await approveInFirefoxConsent(consent, { certificateId: token.cert(name).certificateId, pin: token.userPin });
    const { result, code } = await outcome(page);
    expect(code).toBeUndefined();
    expect(result?.signatureAlgorithm).toBe(scheme);
    const key = new X509Certificate(Buffer.from(result!.certificate, 'base64')).publicKey;
    expect(nodeVerify('sha256', Buffer.from(text, 'utf8'), key, Buffer.from(result!.signature, 'base64'))).toBe(true);
    await page.close();
  });

  it('Cancel → USER_CANCELLED', async () => {
    const page = await openPortal();
    await page.click('[data-testid=sign]');
    const consent = await waitForFirefoxConsentPage(firefox.browser);
    await consent.waitForSelector('[data-testid=cancel]');
    await consent.click('[data-testid=cancel]').catch(() => undefined);
    expect((await outcome(page)).code).toBe('USER_CANCELLED');
    await page.close();
  });
});
