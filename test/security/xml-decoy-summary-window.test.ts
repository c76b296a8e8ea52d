/**
 * Decoy summaries, as the person sees them: a portal asks to sign an e-invoice (`signXml`, ref 'data') whose file
 * also holds a decoy invoice outside the signed DLHDon. In real Chromium with the built extension and host, the
 * consent window must show the signed values (not the decoy's) and say that only /HDon/DLHDon is signed; asked to
 * sign the whole file, where the decoy would be signed too, Kyso refuses with XML_AMBIGUOUS_CONTENT.
 * Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { approveInConsent, launchKysoBrowser, startTestServer, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { startInPage } from '../helpers/page-sdk.js';
import type { StaticServer } from '../../demo/serve.mjs';

const DECOY = '<Preview><TTChung><KHMSHDon>1</KHMSHDon><KHHDon>C26TKY</KHHDon><SHDon>999</SHDon></TTChung>' +
  '<NDHDon><NBan><Ten>Công ty Giả Mạo</Ten><MST>0100000001</MST></NBan><TToan><TgTTTBSo>1000</TgTTTBSo></TToan></NDHDon></Preview>';

let token: DemoToken;
let browser: KysoBrowser;
let server: StaticServer;
let dir: string;

beforeAll(async () => {
  token = await createDemoToken();
  dir = await mkdtemp(join(tmpdir(), 'kyso-decoy-e2e-'));
  const invoice = await readFile(resolve(import.meta.dirname, '../fixtures/xml/einvoice-tt78.xml'), 'utf8');
  await writeFile(join(dir, 'decoy.xml'), invoice.replace('<HDon>', `<HDon>${DECOY}`));
  browser = await launchKysoBrowser({ env: token.env });
  server = await startTestServer({ '/files/': dir });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the consent window with a decoy invoice in the file', () => {
  it('ref data: the window shows invoice 123 of the real seller, not the decoy, and "only part of the file is signed: /HDon/DLHDon"', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/`);
    const pending = startInPage(page, `
      const r = await sdk.signXml({ document: await file('decoy.xml'), fileName: 'hoadon.xml', ref: 'data', parent: 'DSCKS/NBan' });
      return { xml: sdk.toBase64(r.document) };`);
    const consent = await waitForConsentPage(browser.context);
    const summary = consent.locator('[data-testid=document-preview]');
    await summary.waitFor();
    const shown = await summary.textContent();
    expect(shown).toContain('123');
    expect(shown).toContain('Công ty TNHH Kyso Thử Nghiệm');
    expect(shown).toContain('1100000');
    expect(shown).not.toContain('999');
    expect(shown).not.toContain('Giả Mạo');
    expect(await consent.textContent('[data-testid=document-signed-part]')).toMatch(/\/HDon\/DLHDon$/);
    await approveInConsent(consent, { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
    const result = await pending;
    expect(result.error).toBeUndefined();
    const out = join(dir, 'signed.xml');
    await writeFile(out, Buffer.from(result.xml, 'base64'));
    const verify = spawnSync('xmlsec1', ['--verify', '--trusted-pem', token.rootPem, '--untrusted-pem', token.intermediatePem, '--id-attr:Id', 'DLHDon', out], { encoding: 'utf8' });
    expect(verify.status, verify.stderr).toBe(0);
    await page.close();
  }, 120_000);

  it('the whole file (no ref): refused with XML_AMBIGUOUS_CONTENT, nothing signed', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/`);
    const pending = startInPage(page, `
      const r = await sdk.signXml({ document: await file('decoy.xml'), fileName: 'hoadon.xml' });
      return { xml: sdk.toBase64(r.document) };`);
    // The site question may come first (per-site consent); the summary is asked for after it.
    const outcome = await Promise.race([pending, waitForConsentPage(browser.context).then((p) => ({ consent: p }))]);
    if ('consent' in outcome) {
      const allow = outcome.consent.locator('[data-testid=site-allow-once]');
      if (await allow.isVisible().catch(() => false)) await allow.click();
    }
    const result = await pending;
    expect(result.error).toBe('XML_AMBIGUOUS_CONTENT');
    await page.close();
  }, 120_000);
});
