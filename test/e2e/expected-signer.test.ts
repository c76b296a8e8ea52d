/**
 * Expected signer, end to end (headless Chromium, built extension, native host, SoftHSM2). The story: two
 * communes with similar names got each other's certificates. Commune A's portal expects its own tax code
 * MST:0101234567; the person's token also holds CCCD:079199000001 (someone else's). The picker greys that one
 * out with the reason; a crafted approve of it from the consent page is refused; a request naming it directly
 * is UNEXPECTED_SIGNER at the page with no window and no PIN asked. (The host's own check, for a caller that
 * skips the extension, is in test/integration/host-verify.test.ts.) Requires `npm run build`.
 */
import { describe, expect, it } from 'vitest';
import { X509Certificate, createHash, verify as nodeVerify } from 'node:crypto';
import type { Page } from 'playwright-core';
import { approveInConsent, clickClosing, isConsentPage, pageClosed, waitForConsentPage } from '../helpers/browser.js';
import { portalFixture } from '../helpers/portal-fixture.js';

const portal = portalFixture();

const EXPECTED = { mst: '0101234567' };
const TEXT = 'Quyết toán ngân sách xã An Phú 2026';
const digestB64 = createHash('sha256').update(TEXT, 'utf8').digest('base64');

async function startSignHash(page: Page, extra: Record<string, unknown> = {}): Promise<void> {
  const params = { hash: digestB64, hashAlgorithm: 'SHA-256', description: TEXT, filter: { expectedSigner: EXPECTED }, ...extra };
  await page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    window.__kysoCall = sdk.signHash(${JSON.stringify(params)}).then((result) => ({ result }), (error) => ({ code: error.code ?? String(error), details: error.details }));
  })()`);
}
const outcome = (page: Page): Promise<{ result?: any; code?: string; details?: Record<string, unknown> }> => page.evaluate('window.__kysoCall');
const optionOf = (consent: Page, id: string) => consent.locator(`[data-testid=certificate-option][data-certificate-id="${id}"]`);

describe('portal expects MST:0101234567', () => {
  it('the other commune\'s certificate (CCCD:079199000001) is greyed out with the reason; the expected one signs', async () => {
    const page = await portal.openPortal();
    await startSignHash(page);
    const consent = await waitForConsentPage(portal.browser.context);
    await consent.waitForSelector('[data-testid=certificate-option]');

    const wrong = optionOf(consent, portal.token.cert('person2-rsa').certificateId);
    expect(await wrong.locator('input[type=radio]').isDisabled()).toBe(true);
    expect(await wrong.locator('[data-testid=unusable-reason]').textContent()).toContain('Không phải người ký mà cổng yêu cầu.');
    expect(await wrong.locator('[data-testid=unusable-reason]').getAttribute('data-reasons')).toContain('unexpectedSigner');
    // The other person's certificate on the token too.
    expect(await optionOf(consent, portal.token.cert('person-ec').certificateId).locator('input[type=radio]').isDisabled()).toBe(true);
    // In English as well.
    await consent.click('[data-testid=lang-toggle]');
    expect(await wrong.locator('[data-testid=unusable-reason]').textContent()).toContain('Not the signer the portal expects.');
    // The expected signer is offered and preselected.
    const right = optionOf(consent, portal.token.cert('org-rsa').certificateId);
    expect(await right.locator('[data-testid=unusable-reason]').count()).toBe(0);
    expect(await right.locator('input[type=radio]').isChecked()).toBe(true);
    // Clicking the greyed-out one does not select it.
    await wrong.click({ force: true });
    expect(await right.locator('input[type=radio]').isChecked()).toBe(true);

    await approveInConsent(consent, { pin: portal.token.userPin });
    expect(await pageClosed(consent)).toBe(true);
    const { result, code } = await outcome(page);
    expect(code).toBeUndefined();
    const certificate = new X509Certificate(Buffer.from(result.certificate, 'base64'));
    expect(certificate.subject).toContain('MST:0101234567');
    expect(nodeVerify('sha256', Buffer.from(TEXT, 'utf8'), certificate.publicKey, Buffer.from(result.signature, 'base64'))).toBe(true);
    await page.close();
  });

  it('a crafted approve of the wrong certificate sent from the consent page is refused; the request stays open', async () => {
    const page = await portal.openPortal();
    await startSignHash(page);
    const consent = await waitForConsentPage(portal.browser.context);
    await consent.waitForSelector('[data-testid=certificate-option]');
    const reply = await consent.evaluate(async ([certificateId, pin]) => {
      const sessionId = new URLSearchParams(location.search).get('session');
      return (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<any> } } }).chrome.runtime.sendMessage({ kind: 'consent.approve', sessionId, certificateId, pin });
    }, [portal.token.cert('person2-rsa').certificateId, portal.token.userPin] as const);
    expect(reply.outcome).toBe('retry');
    expect(reply.error.code).toBe('UNEXPECTED_SIGNER');
    expect(reply.error.message).toBe('Chứng thư số được chọn không phải của người ký mà cổng yêu cầu.');
    expect(consent.isClosed()).toBe(false);
    await clickClosing(consent, '[data-testid=cancel]');
    expect((await outcome(page)).code).toBe('USER_CANCELLED');
    await page.close();
  });

  it('a request naming the wrong certificate is UNEXPECTED_SIGNER at the page, with no window and no PIN asked', async () => {
    const page = await portal.openPortal();
    let consentOpened = false;
    const watch = (p: Page) => { if (isConsentPage(p)) consentOpened = true; };
    portal.browser.context.on('page', watch);
    await startSignHash(page, { certificateId: portal.token.cert('person2-rsa').certificateId });
    const { code, details } = await outcome(page);
    await new Promise((r) => setTimeout(r, 500)); // a window opening late would still be caught
    portal.browser.context.off('page', watch);
    expect(code).toBe('UNEXPECTED_SIGNER');
    expect(details).toMatchObject({ field: 'mst', expected: '0101234567' });
    expect(consentOpened).toBe(false);
    expect(portal.browser.context.pages().some(isConsentPage)).toBe(false);
    await page.close();
  });

  it('naming the expected certificate directly offers just that one', async () => {
    const page = await portal.openPortal();
    await startSignHash(page, { certificateId: portal.token.cert('org-rsa').certificateId });
    const consent = await waitForConsentPage(portal.browser.context);
    await consent.waitForSelector('[data-testid=certificate-option]');
    expect(await consent.locator('[data-testid=certificate-option]').count()).toBe(1);
    await clickClosing(consent, '[data-testid=cancel]');
    expect((await outcome(page)).code).toBe('USER_CANCELLED');
    await page.close();
  });
});
