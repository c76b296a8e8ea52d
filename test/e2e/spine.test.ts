/**
 * The spine, end to end with real parts: the demo portal (http://localhost) calls the SDK in headless Chromium,
 * the Kyso extension relays to the native host, the host signs on a SoftHSM2 token, and the person's part is
 * played in the consent window. Signatures are checked with node:crypto against the token's certificate.
 * Requires `npm run build`.
 */
import { describe, expect, it } from 'vitest';
import { X509Certificate, createHash, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { approveInConsent, clickClosing, launchKysoBrowser, pageClosed, waitForArmed, waitForConsentPage } from '../helpers/browser.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import { portalFixture } from '../helpers/portal-fixture.js';

const portal = portalFixture();


async function demoOutcome(page: Page): Promise<{ code?: string; result?: { signature: string; signatureAlgorithm: string; hashAlgorithm: string; certificate: string } }> {
  await page.waitForSelector('[data-testid=verified]:visible, [data-testid=demo-error]:visible', { timeout: 30_000 });
  return page.evaluate(() => {
    const demo = (window as unknown as { kysoDemo: { lastResult: never; lastError: { code: string } | null } }).kysoDemo;
    return { result: demo.lastResult ?? undefined, code: demo.lastError?.code };
  });
}

/**
 * Call the SDK from inside the page, as a portal's own script would. Passed as a string: vitest rewrites
 * `import()` in test functions, which would break inside the browser.
 */
async function callSdk(page: Page, call: string): Promise<{ code: string; elapsedMs: number }> {
  return page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    const started = performance.now();
    try { await ${call}; return { code: 'resolved', elapsedMs: performance.now() - started }; }
    catch (error) { return { code: error.code ?? String(error), elapsedMs: performance.now() - started }; }
  })()`);
}

function certificateDer(pemPath: string): Buffer {
  return Buffer.from(readFileSync(pemPath, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

describe('spine: portal → SDK → extension → host → SoftHSM2 token', () => {
  it.each([
    ['org-rsa', 'RSASSA-PKCS1-v1_5', 'click'],
    ['person-ec', 'ECDSA', 'enter'],
  ] as const)('signs with %s (%s) chosen in the consent window; node:crypto verifies it', async (name, scheme, how) => {
    const page = await portal.openPortal();
    const text = `Tờ khai thuế 01/GTGT — ${name} — ${Date.now()}`;
    await page.fill('[data-testid=document-text]', text);
    await page.click('[data-testid=sign]');

    const consent = await waitForConsentPage(portal.browser.context);
    // The person sees who asks and what is signed.
    expect(await consent.textContent('[data-testid=origin]')).toBe(portal.server.url);
    await consent.waitForSelector('[data-testid=certificate-option]');
    expect(await consent.textContent('[data-testid=description]')).toBe('Tờ khai thuế 01/GTGT');
    const digestHex = createHash('sha256').update(text, 'utf8').digest('hex');
    expect(await consent.textContent('[data-testid=digest]')).toBe(digestHex);

    const certificate = portal.token.cert(name);
    if (how === 'click') {
      await approveInConsent(consent, { certificateId: certificate.certificateId, pin: portal.token.userPin });
    } else {
      await consent.click(`[data-testid=certificate-option][data-certificate-id="${certificate.certificateId}"]`);
      await waitForArmed(consent); // Enter is ignored for the window's first second
      await consent.fill('[data-testid=pin]', portal.token.userPin);
      await consent.press('[data-testid=pin]', 'Enter', { noWaitAfter: true }).catch(() => undefined);
    }
    expect(await pageClosed(consent)).toBe(true);

    const { result, code } = await demoOutcome(page);
    expect(code).toBeUndefined();
    expect(result?.signatureAlgorithm).toBe(scheme);
    const der = Buffer.from(result!.certificate, 'base64');
    expect(der.equals(certificateDer(certificate.certPem))).toBe(true);
    const publicKey = new X509Certificate(der).publicKey;
    const signature = Buffer.from(result!.signature, 'base64');
    expect(nodeVerify('sha256', Buffer.from(text, 'utf8'), publicKey, signature)).toBe(true);
    expect(nodeVerify('sha256', Buffer.from(`${text}.`, 'utf8'), publicKey, signature)).toBe(false);
    await page.close();
  });

  it('Cancel in the consent window → USER_CANCELLED on the page', async () => {
    const page = await portal.openPortal();
    await page.click('[data-testid=sign]');
    const consent = await waitForConsentPage(portal.browser.context);
    await consent.waitForSelector('[data-testid=certificate-option]');
    await clickClosing(consent, '[data-testid=cancel]');
    expect(await pageClosed(consent)).toBe(true);
    expect((await demoOutcome(page)).code).toBe('USER_CANCELLED');
    await page.close();
  });

  it('closing the consent window → USER_CANCELLED; Esc cancels too', async () => {
    const page = await portal.openPortal();
    await page.click('[data-testid=sign]');
    let consent = await waitForConsentPage(portal.browser.context);
    await consent.waitForSelector('[data-testid=certificate-option]');
    await consent.close();
    expect((await demoOutcome(page)).code).toBe('USER_CANCELLED');

    await page.click('[data-testid=sign]');
    consent = await waitForConsentPage(portal.browser.context);
    await consent.waitForSelector('[data-testid=pin]');
    await consent.keyboard.press('Escape').catch(() => undefined);
    expect(await pageClosed(consent)).toBe(true);
    expect((await demoOutcome(page)).code).toBe('USER_CANCELLED');
    await page.close();
  });

  it('a wrong PIN shows the error in the window, which stays open; the right PIN then signs', async () => {
    const page = await portal.openPortal();
    const text = 'Hoá đơn điện tử 0000123';
    await page.fill('[data-testid=document-text]', text);
    await page.click('[data-testid=sign]');
    const consent = await waitForConsentPage(portal.browser.context);
    const certificate = portal.token.cert('person2-rsa');
    await consent.click(`[data-testid=certificate-option][data-certificate-id="${certificate.certificateId}"]`);
    await consent.fill('[data-testid=pin]', '000000');
    await consent.click('[data-testid=approve]');
    const error = consent.locator('[data-testid=error]');
    await error.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await error.textContent()).toContain('Mã PIN không đúng');
    expect(consent.isClosed()).toBe(false);
    // The field was cleared and the choice kept.
    expect(await consent.inputValue('[data-testid=pin]')).toBe('');
    expect(await consent.isChecked(`[data-testid=certificate-option][data-certificate-id="${certificate.certificateId}"] input`)).toBe(true);

    await consent.fill('[data-testid=pin]', portal.token.userPin);
    await clickClosing(consent, '[data-testid=approve]');
    const { result, code } = await demoOutcome(page);
    expect(code).toBeUndefined();
    const publicKey = new X509Certificate(Buffer.from(result!.certificate, 'base64')).publicKey;
    expect(nodeVerify('sha256', Buffer.from(text, 'utf8'), publicKey, Buffer.from(result!.signature, 'base64'))).toBe(true);
    await page.close();
  });

  it('an expired certificate is listed but cannot be chosen, with the reason shown', async () => {
    const page = await portal.openPortal();
    await page.click('[data-testid=sign]');
    const consent = await waitForConsentPage(portal.browser.context);
    const expired = consent.locator(`[data-testid=certificate-option][data-certificate-id="${portal.token.cert('expired-rsa').certificateId}"]`);
    await expired.waitFor();
    expect(await expired.locator('input').isDisabled()).toBe(true);
    expect(await expired.locator('[data-testid=unusable-reason]').textContent()).toContain('hết hạn');
    // The same window in English.
    await consent.click('[data-testid=lang-toggle]');
    expect(await expired.locator('[data-testid=unusable-reason]').textContent()).toBe('Expired');
    expect(await consent.textContent('[data-testid=approve]')).toBe('Sign');
    await clickClosing(consent, '[data-testid=cancel]');
    expect((await demoOutcome(page)).code).toBe('USER_CANCELLED');
    await page.close();
  });

  it('the page navigating away closes its consent window (request superseded)', async () => {
    const page = await portal.openPortal();
    await page.click('[data-testid=sign]');
    const consent = await waitForConsentPage(portal.browser.context);
    await consent.waitForSelector('[data-testid=certificate-option]');
    await page.goto('about:blank');
    expect(await pageClosed(consent)).toBe(true);
    await page.close();
  });

  it('a bad hash from the portal is refused before any window opens (INVALID_HASH)', async () => {
    const page = await portal.openPortal();
    const { code } = await callSdk(page, `sdk.signHash({ hash: btoa('too short'), hashAlgorithm: 'SHA-256' })`);
    expect(code).toBe('INVALID_HASH');
    expect(portal.browser.context.pages().some((p) => p.url().includes('consent.html'))).toBe(false);
    await page.close();
  });
});

describe('installation problems are named, not hung', () => {
  it('a browser without the extension → EXTENSION_NOT_INSTALLED within about a second', async () => {
    const plain = await launchKysoBrowser({ withExtension: false });
    try {
      const page = await plain.context.newPage();
      await page.goto(`${portal.server.url}/`);
      const { code, elapsedMs } = await callSdk(page, 'sdk.listCertificates()');
      expect(code).toBe('EXTENSION_NOT_INSTALLED');
      expect(elapsedMs).toBeLessThan(1500);
      // getStatus() does not throw for it: it names the missing piece, for the portal's install link.
      expect(await page.evaluate(`import('/sdk/kyso.js').then((sdk) => sdk.getStatus())`)).toEqual({ missing: 'extension' });
    } finally {
      await plain.close();
    }
  });

  it('the extension without the native host → status says HOST_NOT_INSTALLED and signing fails with it', async () => {
    const noHost = await launchKysoBrowser({ registerHost: false });
    try {
      await enableSignHashInOptions(noHost, portal.server.url); // a fresh profile: the demo page's signHash needs the opt-in
      const page = await noHost.context.newPage();
      await page.goto(`${portal.server.url}/`);
      await page.waitForSelector('[data-testid=status][data-state=no-host]', { timeout: 20_000 });
      expect(await page.textContent('[data-testid=status]')).toContain('HOST_NOT_INSTALLED');
      await page.click('[data-testid=sign]');
      expect((await demoOutcome(page)).code).toBe('HOST_NOT_INSTALLED');
    } finally {
      await noHost.close();
    }
  });
});
