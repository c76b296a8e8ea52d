/**
 * The two-communes story in the consent window (headless Chromium, the built extension and host, two real
 * SoftHSM2 tokens plugged in at once; test/helpers/two-communes-tokens.ts): one holder, two bodies, the same token
 * label. Nothing is preselected, the window says why, each option shows the unit, issuer and token serial, and the
 * signature comes from the certificate the person picked. Requires `npm run build`.
 */
import { X509Certificate, createHash, verify as nodeVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createTwoCommunes, type TwoCommunes } from '../helpers/two-communes-tokens.js';
import { certificateId } from '../helpers/softhsm-tokens.js';
import { launchKysoBrowser, openDemoPortal, pageClosed, startTestServer, waitForArmed, waitForConsentPage, clickClosing, type KysoBrowser } from '../helpers/browser.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import type { StaticServer } from '../../demo/serve.mjs';

let communes: TwoCommunes;
let browser: KysoBrowser;
let server: StaticServer;

beforeAll(async () => {
  communes = await createTwoCommunes();
  browser = await launchKysoBrowser({ env: { ...communes.tokens.env, KYSO_TRUST_DIR: '' } });
  server = await startTestServer();
  await enableSignHashInOptions(browser, server.url);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function startSignHash(page: Page, hash: Buffer): Promise<void> {
  await page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    window.__kysoCall = sdk.signHash({ hash: '${hash.toString('base64')}', hashAlgorithm: 'SHA-256', description: 'Quyết định số 07/QĐ-UBND' })
      .then((result) => ({ result }), (error) => ({ code: error.code ?? String(error) }));
  })()`);
}

describe('consent window: two tokens, one holder, two communes', () => {
  it('nothing is preselected and Sign stays off until the person picks; each option shows unit, issuer and token serial; the pick signs', async () => {
    const page = await openDemoPortal(browser.context, server.url);
    const content = Buffer.from('Quyết định số 07/QĐ-UBND — Xã Hòa Tâm', 'utf8');
    await startSignHash(page, createHash('sha256').update(content).digest());
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=certificate-option]');
    await waitForArmed(consent);

    const options = consent.locator('[data-testid=certificate-option]');
    expect(await options.count()).toBe(2);
    expect(await consent.locator('[data-testid=certificate-option] input[type=radio]:checked').count()).toBe(0);
    expect(await consent.locator('[data-testid=choose-deliberately]').textContent()).toContain('nhiều chứng thư số mang cùng tên');
    expect(await consent.locator('[data-testid=approve]').isDisabled()).toBe(true);

    for (const side of [communes.vnpt, communes.viettel]) {
      const option = consent.locator(`[data-testid=certificate-option][data-certificate-id="${certificateId(side.cert.certDer)}"]`);
      expect(await option.locator('[data-testid=certificate-holder]').textContent()).toBe('Nguyễn Văn Bình');
      expect(await option.locator('[data-testid=certificate-organization]').textContent()).toBe(`Tổ chức: UBND Huyện Đông Hòa — UBND ${side.commune}`);
      expect(await option.locator('[data-testid=certificate-token]').textContent()).toBe(`Thiết bị: Nguyễn Văn Bình (số sê-ri ${side.token.serialNumber})`);
    }
    const issuers = await consent.locator('[data-testid=certificate-issuer]').allTextContents();
    expect(issuers.some((t) => t.includes('VNPT-CA Test Intermediate CA'))).toBe(true);
    expect(issuers.some((t) => t.includes('Viettel-CA Test Intermediate CA'))).toBe(true);

    // The person picks the Hòa Tâm certificate (the second token) and types that token's PIN.
    const chosen = communes.viettel;
    await consent.click(`[data-testid=certificate-option][data-certificate-id="${certificateId(chosen.cert.certDer)}"]`);
    expect(await consent.locator('[data-testid=choose-deliberately]').count()).toBe(0);
    await waitForArmed(consent);
    await consent.fill('[data-testid=pin]', chosen.token.userPin);
    expect(await consent.locator('[data-testid=approve]').isDisabled()).toBe(false);
    await clickClosing(consent, '[data-testid=approve]');
    expect(await pageClosed(consent)).toBe(true);

    const { result, code } = await page.evaluate('window.__kysoCall') as { result?: { certificate: string; signature: string }; code?: string };
    expect(code).toBeUndefined();
    const der = Buffer.from(result!.certificate, 'base64');
    expect(der.equals(Buffer.from(chosen.cert.certDer))).toBe(true);
    expect(nodeVerify('sha256', content, new X509Certificate(der).publicKey, Buffer.from(result!.signature, 'base64'))).toBe(true);
    await page.close();
  }, 120_000);
});
