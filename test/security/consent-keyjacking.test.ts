/**
 * Attack class: a rushed consent window (keyjacking / clickjacking by timing). A page starts a request and keeps
 * the person typing or clicking, so the keys and clicks meant for the page land in the consent window that just
 * opened: Enter or Space on a default-focused "Allow" or "Sign", a PIN typed into a pre-focused field, a double
 * click whose second half hits Approve. Browser permission prompts defend with an input delay after the prompt
 * shows or regains focus and with no default focus on a positive action; Kyso's window must do the same, and a
 * request queued by another site must not pull the window to the front under the person's cursor.
 * Real Chromium with the built extension, real host, real SoftHSM2 token (the broker test uses its port fakes:
 * the browser cannot report which calls the broker made). Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import {
  ROOT, approveInConsent, launchKysoBrowser, makeTestTlsIdentity, pageClosed, waitForConsentPage, type KysoBrowser,
} from '../helpers/browser.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import { startStaticServer, type StaticServer } from '../../demo/serve.mjs';
import { ConsentBroker } from '../../extension/background/consent/consent-broker.js';

const PORTAL = 'portal.keyjack.vn';
const POSITIVE = ['site-allow-once', 'site-allow-always', 'approve'];

let token: DemoToken;
let browser: KysoBrowser;
let portal: StaticServer;

beforeAll(async () => {
  token = await createDemoToken();
  const pages = await mkdtemp(join(tmpdir(), 'kyso-keyjack-'));
  await writeFile(join(pages, 'blank.html'), '<!doctype html><meta charset="utf-8"><title>portal</title><p>Cổng thử nghiệm</p>');
  const tls = await makeTestTlsIdentity(PORTAL);
  portal = await startStaticServer({ routes: { '/': pages, '/sdk/': join(ROOT, 'dist/sdk') }, tls, publicHost: PORTAL });
  browser = await launchKysoBrowser({ env: token.env, extraArgs: tls.chromiumArgs });
  // signHash is opt-in per site (docs/security.md): the person enables it on the options page, the real route.
  await enableSignHashInOptions(browser, new URL(portal.url).origin);
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

const HASH_B64 = createHash('sha256').update('Quyết định số 7', 'utf8').digest('base64');
// The portal names its signer, so exactly one certificate is offered and preselected (certificate-preselection.ts):
// the early PIN + Enter below would sign if the window were not armed, so the test keeps its meaning.
const SIGN = `sdk.signHash({ hash: '${HASH_B64}', hashAlgorithm: 'SHA-256', description: 'Quyết định 7', filter: { expectedSigner: { mst: '0101234567' } } })`;

function startSdkCall(page: Page, call: string): Promise<{ code?: string }> {
  return page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    try { await ${call}; return { code: undefined }; } catch (error) { return { code: error.code ?? String(error) }; }
  })()`) as Promise<{ code?: string }>;
}

const activeTestId = (consent: Page) => consent.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset?.['testid'] ?? document.activeElement?.tagName ?? null);
const armed = (consent: Page) => consent.evaluate(() => document.body.dataset['armed'] ?? null);

describe('a rushed consent window cannot be approved by keys or clicks meant for the page', () => {
  it('Enter / Space pressed as the site question appears do not allow the site; default focus is not on a positive button', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${portal.url}/blank.html`);
    const outcome = startSdkCall(page, SIGN);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=site-question]');
    const shownAt = Date.now();
    expect(POSITIVE).not.toContain(await activeTestId(consent));
    await consent.keyboard.press('Enter');
    await consent.keyboard.press('Space');
    await consent.keyboard.press('Tab');
    await consent.keyboard.press('Enter');
    const sentWithinMs = Date.now() - shownAt;
    expect(sentWithinMs).toBeLessThan(800);
    // Still asking well after the keys (allowing would have moved on to the PIN): the keys allowed nothing.
    await consent.waitForTimeout(1_500);
    expect(await consent.isVisible('[data-testid=site-question]')).toBe(true);
    expect(await consent.locator('[data-testid=pin]').count()).toBe(0);
    await consent.waitForSelector('body[data-armed=true]', { timeout: 5_000 });
    expect(POSITIVE).not.toContain(await activeTestId(consent));

    // After the delay the person can allow the site; the signing step re-arms and focuses nothing positive first.
    await consent.click('[data-testid=site-allow-once]');
    await consent.waitForSelector('[data-testid=pin]');
    expect(await armed(consent)).toBe('false');
    expect(POSITIVE).not.toContain(await activeTestId(consent));
    await consent.keyboard.press('Enter');
    await consent.waitForSelector('body[data-armed=true]', { timeout: 5_000 });
    expect(await activeTestId(consent)).toBe('pin');
    await consent.keyboard.press('Escape').catch(() => undefined); // the window closes under the key
    expect(await pageClosed(consent)).toBe(true);
    expect((await outcome).code).toBe('USER_CANCELLED');
    await page.close();
  });

  it('a PIN typed and Enter pressed within the first second after the window shows do not sign', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${portal.url}/blank.html`);
    // Allow the site for good first, so the next window opens straight at the PIN.
    let outcome = startSdkCall(page, SIGN);
    let consent = await waitForConsentPage(browser.context);
    await approveInConsent(consent, { site: 'always', pin: token.userPin });
    expect((await outcome).code).toBeUndefined();

    outcome = startSdkCall(page, SIGN);
    consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=pin]');
    const shownAt = Date.now();
    await consent.keyboard.type(token.userPin);
    await consent.keyboard.press('Enter');
    await consent.mouse.click(1, 1);
    const sentWithinMs = Date.now() - shownAt;
    expect(sentWithinMs).toBeLessThan(800);
    expect(await pageClosed(consent, 1_500)).toBe(false);
    // Nothing of what was typed early reached the PIN field.
    expect(await consent.inputValue('[data-testid=pin]')).toBe('');
    await consent.keyboard.press('Escape').catch(() => undefined); // the window closes under the key
    expect(await pageClosed(consent)).toBe(true);
    expect((await outcome).code).toBe('USER_CANCELLED');
    await page.close();
  });

  it('the window regaining focus re-arms the delay (blur/focus events dispatched by the test: headless has no window focus)', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${portal.url}/blank.html`);
    const outcome = startSdkCall(page, SIGN);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=pin]');
    await consent.waitForSelector('body[data-armed=true]', { timeout: 5_000 });
    // Headless Chromium does not move window focus (bringToFront and CDP focus emulation were tried): the window's
    // blur and focus events are dispatched by the test, as the browser fires them when the person switches away and back.
    await consent.evaluate(() => window.dispatchEvent(new FocusEvent('blur')));
    expect(await armed(consent)).toBe('false');
    await consent.waitForTimeout(500);
    await consent.evaluate(() => window.dispatchEvent(new FocusEvent('focus')));
    const backAt = Date.now();
    await consent.keyboard.press('Enter');
    expect(await armed(consent)).toBe('false');
    await consent.waitForSelector('body[data-armed=true]', { timeout: 5_000 });
    expect(Date.now() - backAt).toBeGreaterThanOrEqual(700);
    expect(await consent.isVisible('[data-testid=pin]')).toBe(true);
    await consent.keyboard.press('Escape').catch(() => undefined); // the window closes under the key
    expect((await outcome).code).toBe('USER_CANCELLED');
    await page.close();
  });
});

describe('a queued request does not pull the window to the front', () => {
  function broker() {
    const focused: number[] = [];
    let next = 1;
    const consent = new ConsentBroker({
      createWindow: async () => ({ id: next++ }),
      removeWindow: async () => undefined,
      focusWindow: async (id) => { focused.push(id); },
      getURL: (path) => `chrome-extension://kyso/${path}`,
      rememberUserChoice: async () => undefined,
    });
    const ask = (origin: string) => {
      const controller = new AbortController();
      const done = consent.run({ origin, topOrigin: origin, operation: 'kyso.signHash', askOrigins: [origin], signal: controller.signal }).catch((e: unknown) => e);
      return { controller, done };
    };
    return { focused, ask };
  }

  it('a request from another site queued behind the open window does not focus it', async () => {
    const { focused, ask } = broker();
    const first = ask('https://portal.gov.vn');
    await new Promise((r) => setTimeout(r, 10)); // the window opened
    const second = ask('https://attacker.example');
    await new Promise((r) => setTimeout(r, 10));
    expect(focused).toEqual([]);
    first.controller.abort();
    second.controller.abort();
    await Promise.all([first.done, second.done]);
  });
});
