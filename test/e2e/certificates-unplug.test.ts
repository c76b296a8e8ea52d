/**
 * Hot-plug, the whole story (headless Chromium, built extension, native host, SoftHSM2): the consent window is
 * open, the person pulls the token out — the picker empties and says to plug one in, Approve is disabled — then
 * plugs another token in, picks its certificate and signs; node:crypto verifies the signature with the
 * certificate returned. Own demo token, because this test deletes it. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate, createHash, verify as nodeVerify } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { launchKysoBrowser, pageClosed, clickClosing, startTestServer, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import { plugInSecondToken, type PluggedToken } from '../helpers/hotplug-token.js';
import type { StaticServer } from '../../demo/serve.mjs';

const run = promisify(execFile);
let token: DemoToken;
let browser: KysoBrowser;
let server: StaticServer;
let plugged: PluggedToken | undefined;

beforeAll(async () => {
  token = await createDemoToken();
  browser = await launchKysoBrowser({ env: token.env });
  server = await startTestServer();
  // signHash is opt-in per origin (README "Admins"): enabled here the way a person does it, on the options page.
  await enableSignHashInOptions(browser, server.url);
}, 120_000);

afterAll(async () => {
  await plugged?.pullOut().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

describe('token pulled out and another plugged in while the consent window is open', () => {
  it('empties the picker with a hint, then offers the new token\'s certificate, which signs', async () => {
    const text = 'Đơn đề nghị cấp phép xây dựng';
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('[data-testid=status][data-state=ready]', { timeout: 20_000 });
    const hash = createHash('sha256').update(text, 'utf8').digest('base64');
    await page.evaluate(`(async () => {
      const sdk = await import('/sdk/kyso.js');
      window.__kysoCall = sdk.signHash({ hash: ${JSON.stringify(hash)}, hashAlgorithm: 'SHA-256' }).then((result) => ({ result }), (error) => ({ code: error.code }));
    })()`);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=certificate-option]');
    expect(await consent.locator('[data-testid=no-certificates]').count()).toBe(0);

    await run('softhsm2-util', ['--delete-token', '--token', token.tokenLabel], { env: { ...process.env, ...token.env } });
    await consent.locator('[data-testid=no-certificates]').waitFor({ timeout: 10_000 });
    expect(await consent.locator('[data-testid=certificate-option]').count()).toBe(0);
    expect(await consent.locator('[data-testid=approve]').isDisabled()).toBe(true);

    plugged = await plugInSecondToken(token);
    const option = consent.locator(`[data-testid=certificate-option][data-certificate-id="${plugged.certificateId}"]`);
    await option.waitFor({ timeout: 10_000 });
    expect(await consent.locator('[data-testid=no-certificates]').count()).toBe(0);
    await option.click();
    await consent.fill('[data-testid=pin]', token.userPin);
    await clickClosing(consent, '[data-testid=approve]');
    expect(await pageClosed(consent)).toBe(true);

    const { result, code } = await page.evaluate('window.__kysoCall') as { result?: { certificate: string; signature: string }; code?: string };
    expect(code).toBeUndefined();
    const certificate = new X509Certificate(Buffer.from(result!.certificate, 'base64'));
    expect(certificate.subject).toContain('MST:0309999999');
    expect(nodeVerify('sha256', Buffer.from(text, 'utf8'), certificate.publicKey, Buffer.from(result!.signature, 'base64'))).toBe(true);
    await page.close();
  });
});
