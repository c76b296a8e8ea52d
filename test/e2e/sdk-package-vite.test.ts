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
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createViteApp, packSdk, type ViteApp } from '../helpers/sdk-package-projects.js';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { approveInConsent, launchKysoBrowser, pageClosed, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
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
