/**
 * Hot-plug, the whole story (headless Chromium, built extension, native host, SoftHSM2): the consent window is
 * open, the person pulls the token out — the picker empties and says to plug one in, Approve is disabled — then
 * plugs another token in, picks its certificate and signs; node:crypto verifies the signature with the
 * certificate returned. Own demo token, because this test deletes it. Requires `npm run build`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { X509Certificate, createHash, verify as nodeVerify } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pageClosed, clickClosing, waitForConsentPage } from '../helpers/browser.js';
import { plugInSecondToken, type PluggedToken } from '../helpers/hotplug-token.js';
import { portalFixture } from '../helpers/portal-fixture.js';

const run = promisify(execFile);
const portal = portalFixture();
let plugged: PluggedToken | undefined;

// Registered after the fixture's, so it runs before the browser closes (vitest runs afterAll hooks last-first).
afterAll(async () => {
  await plugged?.pullOut().catch(() => undefined);
});

describe('token pulled out and another plugged in while the consent window is open', () => {
  it('empties the picker with a hint, then offers the new token\'s certificate, which signs', async () => {
    const text = 'Đơn đề nghị cấp phép xây dựng';
    const page = await portal.openPortal();
    const hash = createHash('sha256').update(text, 'utf8').digest('base64');
    await page.evaluate(`(async () => {
      const sdk = await import('/sdk/kyso.js');
      window.__kysoCall = sdk.signHash({ hash: ${JSON.stringify(hash)}, hashAlgorithm: 'SHA-256' }).then((result) => ({ result }), (error) => ({ code: error.code }));
    })()`);
    const consent = await waitForConsentPage(portal.browser.context);
    await consent.waitForSelector('[data-testid=certificate-option]');
    expect(await consent.locator('[data-testid=no-certificates]').count()).toBe(0);

    await run('softhsm2-util', ['--delete-token', '--token', portal.token.tokenLabel], { env: { ...process.env, ...portal.token.env } });
    await consent.locator('[data-testid=no-certificates]').waitFor({ timeout: 10_000 });
    expect(await consent.locator('[data-testid=certificate-option]').count()).toBe(0);
    expect(await consent.locator('[data-testid=approve]').isDisabled()).toBe(true);

    plugged = await plugInSecondToken(portal.token);
    const option = consent.locator(`[data-testid=certificate-option][data-certificate-id="${plugged.certificateId}"]`);
    await option.waitFor({ timeout: 10_000 });
    expect(await consent.locator('[data-testid=no-certificates]').count()).toBe(0);
    await option.click();
    await consent.fill('[data-testid=pin]', portal.token.userPin);
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
