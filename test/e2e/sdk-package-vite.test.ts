/**
 * The packed SDK in a real portal build, end to end: `npm pack` of dist/sdk-package, installed offline into a fresh
 * Vite + TypeScript app (test/helpers/sdk-package-projects.ts), `vite build`, the built site served, and Chromium
 * with the real extension and native host signs from that page with a SoftHSM2 token through the consent window.
 * `openssl cms -verify` checks the result against the token's CA and gives back the text the page signed. The
 * same app's legacy.html loads the minified IIFE with a plain <script> tag and reads the global Kyso's status.
 * Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createViteApp, packSdk, type ViteApp } from '../helpers/sdk-package-projects.js';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { approveInConsent, launchKysoBrowser, pageClosed, waitForConsentPage, type KysoBrowser, type LaunchOptions } from '../helpers/browser.js';
import { startStaticServer, type StaticServer } from '../../demo/serve.mjs';

let dir: string;
let app: ViteApp;
let token: DemoToken;
let browser: KysoBrowser;
let server: StaticServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kyso-sdk-vite-e2e-'));
  const { tarball } = await packSdk(dir);
  [app, token] = await Promise.all([createViteApp(join(dir, 'vite-app'), tarball), createDemoToken(join(dir, 'token'))]);
  browser = await launchKysoBrowser({ env: token.env });
  server = await startStaticServer({ routes: { '/': app.distDir } });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a Vite app built with the @kyso/sdk tarball', () => {
  it('getStatus from the bundled SDK: nothing missing (extension, host, driver and token all there)', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('[data-testid=status][data-missing=null]', { timeout: 20_000 });
    expect(await page.textContent('[data-testid=status]')).toMatch(/^Sẵn sàng: Kyso \d+\.\d+\.\d+, phần mềm \d+\.\d+\.\d+, [1-9]\d* thiết bị ký$/);
    await page.close();
  });

  it('signs from the page through the consent window; openssl verifies the CMS and returns the page\'s text', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/`);
    const text = await page.inputValue('[data-testid=text]');
    await page.click('[data-testid=sign]');
    const consent = await waitForConsentPage(browser.context);
    await approveInConsent(consent, { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
    expect(await pageClosed(consent)).toBe(true);
    await page.waitForSelector('[data-testid=result][data-state]', { timeout: 30_000 });
    expect(await page.getAttribute('[data-testid=result]', 'data-state'), await page.textContent('[data-testid=result]') ?? '').toBe('signed');
    const cms = Buffer.from((await page.textContent('[data-testid=result]'))!, 'base64');

    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, (await readFile(token.rootPem, 'utf8')) + (await readFile(token.intermediatePem, 'utf8')));
    const verified = spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-CAfile', caFile, '-purpose', 'any'], { input: cms });
    expect(verified.status, verified.stderr.toString()).toBe(0);
    expect(verified.stdout.toString('utf8')).toBe(text);
    const signer = spawnSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER'], { input: cms }).stdout.toString('utf8');
    expect(signer).toContain('0101234567');
    await page.close();
  });

  it('legacy.html: the minified IIFE from the package, with a plain <script> tag, exposes the global Kyso', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/legacy.html`);
    await page.waitForSelector('[data-testid=status][data-missing=null]', { timeout: 20_000 });
    expect(await page.evaluate('typeof Kyso.signPdf + typeof Kyso.getStatus')).toBe('functionfunction');
    await page.close();
  });
});

/**
 * getStatus().missing with real parts, one fresh profile per case, read from the built app's page (which shows
 * the install link for it): no extension; the extension without the host; the host with no loadable PKCS#11
 * driver (KYSO_PKCS11_MODULE names a file that is not there); SoftHSM2 loaded but no initialised token.
 */
describe('the Vite app tells the person which piece is missing', () => {
  async function missingWith(options: LaunchOptions): Promise<{ missing: string | null; text: string }> {
    const other = await launchKysoBrowser(options);
    try {
      const page = await other.context.newPage();
      await page.goto(`${server.url}/`);
      const status = page.locator('[data-testid=status][data-missing]');
      await status.waitFor({ timeout: 20_000 });
      return { missing: await status.getAttribute('data-missing'), text: (await status.textContent()) ?? '' };
    } finally {
      await other.close();
    }
  }

  it('no extension → extension, with the store link', async () => {
    const { missing, text } = await missingWith({ withExtension: false });
    expect(missing).toBe('extension');
    expect(text).toBe('Thiếu tiện ích Kyso: https://chromewebstore.google.com/detail/abddkodjbciaefbbillgfgplhpgfcokp');
  });

  it('extension without the host → host', async () => {
    expect(await missingWith({ registerHost: false })).toEqual({ missing: 'host', text: 'Thiếu host: https://portal.example.vn/kyso/cai-dat' });
  });

  it('host without a loadable driver → driver', async () => {
    const env = { ...token.env, KYSO_PKCS11_MODULE: join(dir, 'no-such-driver', 'libvendor-pkcs11.so') };
    expect(await missingWith({ env })).toEqual({ missing: 'driver', text: 'Thiếu driver: https://portal.example.vn/kyso/trinh-dieu-khien' });
  });

  it('driver loaded, no token plugged in → token', async () => {
    const empty = join(dir, 'no-token');
    await mkdir(join(empty, 'tokens'), { recursive: true });
    await writeFile(join(empty, 'softhsm2.conf'), `directories.tokendir = ${join(empty, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
    const env = { ...token.env, SOFTHSM2_CONF: join(empty, 'softhsm2.conf') };
    expect(await missingWith({ env })).toEqual({ missing: 'token', text: 'Thiếu token: https://portal.example.vn/kyso/cam-thiet-bi-ky' });
  });
});
