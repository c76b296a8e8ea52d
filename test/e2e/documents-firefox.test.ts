/**
 * Document signing in Firefox ESR (dist/firefox as a temporary add-on): a PDF with a visible stamp through the SDK,
 * the consent window's pdf.js preview rendered (worker loaded from the add-on), pdfsig says valid; an e-invoice
 * summary and xmlsec1. Requires `npm run build` and firefox-esr; skipped, visibly, without Firefox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'puppeteer-core';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { approveInFirefoxConsent, FIREFOX_PATH, launchKysoFirefox, startTestServer, waitForFirefoxConsentPage, type KysoFirefox } from '../helpers/browser.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { nssDbWith, pdfsig } from '../fixtures/pdf/pdf-test-tools.js';
import { startInPage } from '../helpers/page-sdk.js';
import type { StaticServer } from '../../demo/serve.mjs';

describe(`document signing in Firefox (${FIREFOX_PATH})`, () => {
  let token: DemoToken;
  let firefox: KysoFirefox;
  let server: StaticServer;
  let dir: string;
  let nssDir: string;
  let pdf: Buffer;

  beforeAll(async () => {
    token = await createDemoToken();
    dir = await mkdtemp(join(tmpdir(), 'kyso-docs-ff-'));
    pdf = Buffer.from(await makeVietnameseDocument(2));
    await writeFile(join(dir, 'decision.pdf'), pdf);
    await writeFile(join(dir, 'hoadon.xml'), await readFile(resolve(import.meta.dirname, '../fixtures/xml/einvoice-tt78.xml')));
    nssDir = await nssDbWith([token.rootPem, token.intermediatePem]);
    firefox = await launchKysoFirefox({ env: token.env });
    server = await startTestServer({ '/files/': dir });
  }, 120_000);
  afterAll(async () => {
    await firefox?.close();
    await server?.close();
  });

  async function approve(consent: Page, name: 'org-rsa'): Promise<void> {
    await approveInFirefoxConsent(consent, { certificateId: token.cert(name).certificateId, pin: token.userPin });
  }

  it('signPdf: the preview canvas shows page 1 with the stamp box; pdfsig says valid', async () => {
    const page = await firefox.browser.newPage();
    await page.goto(`${server.url}/`);
    const pending = startInPage(page, `
      const r = await sdk.signPdf({ document: await file('decision.pdf'), fileName: 'decision.pdf', visible: { page: 1, rect: { x: 300, y: 100, width: 220, height: 70 } } });
      return { pdf: sdk.toBase64(r.document) };`);
    const consent = await waitForFirefoxConsentPage(firefox.browser);
    await consent.waitForSelector('[data-testid=document-preview][data-rendered]', { timeout: 30_000 });
    const preview = await consent.evaluate(() => {
      const holder = document.querySelector('[data-testid=document-preview]') as HTMLElement;
      const c = holder.querySelector('canvas');
      if (!c) return { rendered: holder.dataset['rendered'], ink: 0, page: undefined };
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! < 200) ink++;
      return { rendered: holder.dataset['rendered'], ink, page: c.dataset['page'] };
    });
    expect(preview.rendered).toBe('true');
    expect(preview.page).toBe('1');
    expect(preview.ink).toBeGreaterThan(1000);
    expect(await consent.$eval('[data-testid=document-digest]', (el) => el.textContent)).toBe(createHash('sha256').update(pdf).digest('hex'));
    await approve(consent, 'org-rsa');
    const result = await pending;
    expect(result.error).toBeUndefined();
    const out = join(dir, 'ff-signed.pdf');
    await writeFile(out, Buffer.from(result.pdf, 'base64'));
    expect((await pdfsig(out, nssDir)).signatures[0]?.valid).toBe(true);
    await page.close();
  }, 120_000);

  it('signXml: the e-invoice summary names invoice 123; xmlsec1 verifies', async () => {
    const page = await firefox.browser.newPage();
    await page.goto(`${server.url}/`);
    const pending = startInPage(page, `
      const r = await sdk.signXml({ document: await file('hoadon.xml'), fileName: 'hoadon.xml', ref: 'data', parent: 'DSCKS/NBan' });
      return { xml: sdk.toBase64(r.document) };`);
    const consent = await waitForFirefoxConsentPage(firefox.browser);
    await consent.waitForSelector('[data-testid=document-preview]');
    expect(await consent.$eval('[data-testid=document-preview]', (el) => el.textContent)).toContain('123');
    await approve(consent, 'org-rsa');
    const result = await pending;
    expect(result.error).toBeUndefined();
    const out = join(dir, 'ff-signed.xml');
    await writeFile(out, Buffer.from(result.xml, 'base64'));
    const verify = spawnSync('xmlsec1', ['--verify', '--trusted-pem', token.rootPem, '--untrusted-pem', token.intermediatePem, '--id-attr:Id', 'DLHDon', out], { encoding: 'utf8' });
    expect(verify.status, verify.stderr).toBe(0);
    await page.close();
  }, 120_000);
});
