/**
 * "Found by the extension" (issue 13, Done when): with no KYSO_PKCS11_MODULE and no config file, a driver the user
 * registered with p11-kit (a `*.module` file in ~/.config/pkcs11/modules, key `module:`) is found by the host the
 * browser starts, and the demo portal lists its certificate and signs with it in real Chromium. The driver is a copy
 * of SoftHSM2 at a path of its own, so the portal can tell it was reached through that registration (each
 * certificate names its driver's file); Debian's own registration of SoftHSM2 is switched off by a blank `module:`
 * line of the same name [pkcs11.conf(5)], as in test/integration/token-drivers-discovery.test.ts. The host gets a
 * fresh HOME and XDG_CONFIG_HOME through the launcher `kyso install --env` writes, so no Kyso config file exists
 * for it. Requires `npm run build`.
 */
import { describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DemoToken } from '../helpers/demo-token.js';
import { approveInConsent, pageClosed, waitForConsentPage } from '../helpers/browser.js';
import { portalFixture } from '../helpers/portal-fixture.js';
import { opensslVerifies } from '../helpers/quirks-token.js';
import { registeredSoftHsmDriver, registerUserDriver, unconfiguredEnv } from '../helpers/p11-kit-desktop.js';

const USER_DRIVER_FILE = 'libkyso-user-token.so';

let home: string | undefined;

/**
 * Only what a person's desktop has: no Kyso module variable, no config file, a home of its own with the driver
 * "installed" in it and registered with p11-kit in the user's module folder (and the demo token's SoftHSM
 * configuration, which a real token does not need).
 */
function desktopWithUserDriver(token: DemoToken): Record<string, string> {
  const driver = registeredSoftHsmDriver();
  home = mkdtempSync(join(tmpdir(), 'kyso-home-'));
  registerUserDriver(home, driver, USER_DRIVER_FILE);
  return { ...unconfiguredEnv(home, token), KYSO_DATA_DIR: join(home, 'history') };
}

const portal = portalFixture({ env: desktopWithUserDriver, cleanup: () => { if (home) rmSync(home, { recursive: true, force: true }); } });

describe('a driver registered with p11-kit only, in real Chromium', () => {
  it('the demo portal lists the certificate through the user-registered driver and signs with it; openssl verifies the signature', async () => {
    const page = await portal.openPortal();
    const certificate = portal.token.cert('org-rsa');
    // The portal lists it, as the person sees it.
    const listed = page.locator(`[data-testid=demo-certificate][data-certificate-id="${certificate.certificateId}"]`);
    await listed.waitFor({ timeout: 30_000 });
    expect(await listed.textContent()).toContain('MST: 0101234567');
    // And names the driver it came through: the user's registration, not a known path nor Debian's registration.
    const driver = await page.evaluate(`(async () => {
      const sdk = await import('/sdk/kyso.js');
      return (await sdk.listCertificates()).find((c) => c.id === ${JSON.stringify(certificate.certificateId)})?.token?.driver;
    })()`);
    expect(driver).toMatchObject({ file: USER_DRIVER_FILE });

    const text = 'Tờ khai thuế 01/GTGT — thiết bị ký đăng ký với p11-kit';
    await page.fill('[data-testid=document-text]', text);
    await page.check(`[data-testid=demo-certificate][data-certificate-id="${certificate.certificateId}"] input`);
    await page.click('[data-testid=sign]');
    const consent = await waitForConsentPage(portal.browser.context);
    await approveInConsent(consent, { certificateId: certificate.certificateId, pin: portal.token.userPin });
    expect(await pageClosed(consent, 30_000)).toBe(true);

    await page.waitForSelector('[data-testid=verified]:visible, [data-testid=demo-error]:visible', { timeout: 30_000 });
    const { result, code } = await page.evaluate(() => {
      const demo = (window as unknown as { kysoDemo: { lastResult: { signature: string; certificate: string } | null; lastError: { code: string } | null } }).kysoDemo;
      return { result: demo.lastResult ?? undefined, code: demo.lastError?.code };
    });
    expect(code).toBeUndefined();
    const der = Buffer.from(result!.certificate, 'base64');
    expect(new X509Certificate(der).fingerprint256).toBe(new X509Certificate(readFileSync(certificate.certPem)).fingerprint256);
    expect(opensslVerifies(result!.certificate, Buffer.from(text, 'utf8'), result!.signature)).toBe(true);
    await page.close();
  }, 120_000);
});
