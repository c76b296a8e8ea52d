/**
 * Plugin compatibility in Firefox ESR (issue 11 "Done when … in Chromium and Firefox"): dist/firefox as a temporary
 * add-on, the same mock portal as compat-vgca/compat-vnpt.test.ts, nothing listening on 8987 or 4433. The VGCA file
 * family (download → consent with preview → PAdES → multipart `uploadfile` → the plugin's result shape; pdfsig
 * judges the uploaded file) and VNPT-CA calls go through the MAIN-world WebSocket shim Firefox injects with
 * scripting.executeScript({ world: 'MAIN' }). `FileName: ""` opens Kyso's own file window there too. An unlisted
 * https site (cong-khac.test, resolved to 127.0.0.1, self-signed) sees no service. Requires `npm run build` and
 * firefox-esr.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import type { DemoToken } from '../helpers/demo-token.js';
import { prepareCompatSigning, startUnlistedPortal } from '../helpers/compat-portal.js';
import { approveInFirefoxConsent, FIREFOX_PATH, launchKysoFirefox, waitForFirefoxConsentPage, type KysoFirefox } from '../helpers/browser.js';
import { makeSealPng, makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { pdfsig } from '../fixtures/pdf/pdf-test-tools.js';
import { startMockPortal, type MockPortal } from '../fixtures/compat/mock-portal.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmaXJlZm94In0.c2lnbmF0dXJl';
const UNLISTED_HOST = 'cong-khac.test';
const LOCAL_FILE_PATH = 'compat/local-file/local-file.html';

describe(`plugin compatibility in Firefox (${FIREFOX_PATH})`, () => {
  let token: DemoToken;
  let firefox: KysoFirefox;
  let portal: MockPortal;
  let unlisted: MockPortal;
  let dir: string;
  let nssDir: string;
  let pdf: Uint8Array;
  const files: Record<string, Uint8Array> = {};

  beforeAll(async () => {
    ({ token, dir, nssDir } = await prepareCompatSigning('kyso-compat-ff-'));
    pdf = await makeVietnameseDocument(2);
    files['Quyet dinh 7.pdf'] = pdf;
    portal = await startMockPortal({ files, jwt: JWT });
    ({ portal: unlisted } = await startUnlistedPortal(UNLISTED_HOST, { 'x.pdf': pdf }));
    firefox = await launchKysoFirefox({ env: token.env, testHosts: [UNLISTED_HOST] });
  }, 120_000);
  afterAll(async () => {
    await firefox?.close();
    await portal?.close();
    await unlisted?.close();
  });

  /** Kyso's "choose a local file" window (its URL read from inside it: over BiDi a popup may say about:blank). */
  async function waitForFileWindow(): Promise<Page> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      for (const page of await firefox.browser.pages()) {
        const href = await page.evaluate(() => location.href).catch(() => '');
        if (href.includes(LOCAL_FILE_PATH)) return page;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('no Kyso file window in Firefox');
  }

  async function open(path: string): Promise<Page> {
    const page = await firefox.browser.newPage();
    await page.goto(`${portal.url}/${path}`);
    // The shim replaces WebSocket shortly after document start (one question to the background).
    await page.waitForFunction(() => !Function.prototype.toString.call(WebSocket).includes('[native code]'), { timeout: 20_000 });
    return page;
  }

  async function approve(consent: Page): Promise<void> {
    await approveInFirefoxConsent(consent, { certificateId: token.cert('org-rsa').certificateId, pin: token.userPin });
  }

  it('nothing listens on 8987 or 4433', () => {
    expect(execFileSync('ss', ['-ltnH', '( sport = :8987 or sport = :4433 )'], { encoding: 'utf8' }).trim()).toBe('');
  });

  it('vgca_sign_approved: consent window with the preview and "Ký phê duyệt"; the signed PDF is POSTed as uploadfile; pdfsig says valid', async () => {
    const page = await open('portal.html');
    const before = portal.uploads.length;
    const reply = page.evaluate((request) => (window as unknown as { callVgca(f: string, a: unknown[]): Promise<string> }).callVgca('vgca_sign_approved', [request]), JSON.stringify({
      FileUploadHandler: `${portal.url}/vgca/fileupload`, SessionId: 'ff-1', JWTToken: JWT, FileName: `${portal.url}/files/Quyet%20dinh%207.pdf`,
    }));
    const consent = await waitForFirefoxConsentPage(firefox.browser, 30_000);
    expect(await consent.$eval('[data-testid=description]', (el) => el.textContent)).toContain('Ký phê duyệt');
    await consent.waitForSelector('[data-testid=document-preview][data-rendered=true] canvas', { timeout: 30_000 });
    await approve(consent);
    const answer = JSON.parse(await reply) as Record<string, unknown>;
    expect(answer).toMatchObject({ Status: 0, Message: '' });
    expect(JSON.parse(String(answer.FileServer))).toHaveProperty('fileEntryId');
    expect(portal.uploads.length).toBe(before + 1);
    const upload = portal.uploads.at(-1)!;
    expect(upload.fileName).toBe('Quyet dinh 7.pdf');
    expect(upload.headers.cookie).toBeUndefined();
    const out = join(dir, 'ff-approved.pdf');
    await writeFile(out, upload.bytes);
    const verdict = await pdfsig(out, nssDir);
    expect(verdict.signatures).toHaveLength(1);
    expect(verdict.signatures[0]!.valid).toBe(true);
    await page.close();
  }, 120_000);

  it('VNPT-CA: checkPlugin "1", then SignPDF with one consent window; pdfsig says valid', async () => {
    const page = await open('vnpt.html');
    const call = (fn: string, args: unknown[]) => page.evaluate((f, a) => (window as unknown as { vnpt_plugin: Record<string, (...x: unknown[]) => Promise<string>> })
      .vnpt_plugin[f]!(...a).catch((e: Error) => `rejected: ${e.message}`), fn, args);
    expect(await call('checkPlugin', [])).toBe('1');
    const reply = call('signPdf', [Buffer.from(pdf).toString('base64'), { page: 2, llx: 320, lly: 90, urx: 550, ury: 170, Signer: 'Nguyễn Văn A' }]);
    const consent = await waitForFirefoxConsentPage(firefox.browser, 30_000);
    await approve(consent);
    const answer = JSON.parse(await reply) as { code: number; data: string };
    expect(answer.code).toBe(0);
    const out = join(dir, 'ff-vnpt.pdf');
    await writeFile(out, Buffer.from(answer.data, 'base64'));
    expect((await pdfsig(out, nssDir)).signatures[0]!.valid).toBe(true);
    await page.close();
  }, 120_000);

  it('VGCA FileName "": the person chooses the PDF in Kyso\'s window; it is previewed, signed and uploaded under its name; pdfsig valid', async () => {
    const page = await open('portal.html');
    const before = portal.uploads.length;
    const local = join(dir, 'Cong van 3.pdf');
    await writeFile(local, pdf);
    const reply = page.evaluate((request) => (window as unknown as { callVgca(f: string, a: unknown[]): Promise<string> }).callVgca('vgca_sign_approved', [request]), JSON.stringify({
      FileUploadHandler: `${portal.url}/vgca/fileupload`, JWTToken: JWT, FileName: '',
    }));
    const picker = await waitForFileWindow();
    await picker.waitForSelector('[data-testid=local-file-kind]');
    expect(await picker.$eval('[data-testid=local-file-kind]', (el) => el.textContent)).toBe('Ký phê duyệt');
    const input = await picker.waitForSelector('[data-testid=local-file-input]');
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(local);
    await picker.click('[data-testid=local-file-continue]').catch(() => undefined); // the window closes under the click
    const consent = await waitForFirefoxConsentPage(firefox.browser, 30_000);
    await consent.waitForSelector('[data-testid=document-preview][data-rendered=true] canvas', { timeout: 30_000 });
    await approve(consent);
    expect(JSON.parse(await reply)).toMatchObject({ Status: 0 });
    expect(portal.uploads.length).toBe(before + 1);
    const upload = portal.uploads.at(-1)!;
    expect(upload.fileName).toBe('Cong van 3.pdf');
    const out = join(dir, 'ff-local.pdf');
    await writeFile(out, upload.bytes);
    expect((await pdfsig(out, nssDir)).signatures[0]!.valid).toBe(true);
    await page.close();
  }, 120_000);

  it('an unlisted https site sees no service: the socket errors, WebSocket is Firefox\'s own, the callback never fires, nothing is fetched', async () => {
    const page = await firefox.browser.newPage();
    await page.goto(`${unlisted.url}/portal.html`);
    await new Promise((resolve) => setTimeout(resolve, 2000)); // time the shim would need to arrive
    expect(await page.evaluate(() => (window as unknown as { probeSocket(u: string): Promise<string> }).probeSocket('wss://127.0.0.1:8987/SignPDF'))).toBe('error');
    expect(await page.evaluate(() => Function.prototype.toString.call(WebSocket))).toContain('[native code]');
    const fired = await page.evaluate(() => new Promise<boolean>((resolve) => {
      (window as unknown as Record<string, (j: string, cb: () => void) => void>).vgca_sign_pdf!('{"FileUploadHandler":"/u","FileName":"/files/x.pdf"}', () => resolve(true));
      setTimeout(() => resolve(false), 2000);
    }));
    expect(fired).toBe(false);
    expect(unlisted.requests.some((r) => r.path.startsWith('/files/') || r.path.startsWith('/vgca/'))).toBe(false);
    await page.close();
  }, 60_000);

  it('an admin\'s seal (policy signatureImages, Firefox managed storage) is drawn in the /SignIssued stamp; pdfsig valid', async () => {
    // The admin's policy is in place before Firefox starts (Firefox reads an extension's managed storage once per
    // run): this test has a Firefox of its own.
    const everyday = firefox;
    firefox = await launchKysoFirefox({ env: token.env, managedPolicy: { signatureImages: { seal: Buffer.from(makeSealPng(150)).toString('base64') } } });
    try {
      const page = await open('portal.html');
      const reply = page.evaluate((request) => (window as unknown as { callVgca(f: string, a: unknown[]): Promise<string> }).callVgca('vgca_sign_issued', [request]), JSON.stringify({
        FileUploadHandler: `${portal.url}/vgca/fileupload`, JWTToken: JWT, FileName: `${portal.url}/files/Quyet%20dinh%207.pdf`, DocNumber: '8/QĐ-UBND',
      }));
      await approve(await waitForFirefoxConsentPage(firefox.browser, 30_000));
      expect(JSON.parse(await reply)).toMatchObject({ Status: 0 });
      const out = join(dir, 'ff-issued-seal.pdf');
      await writeFile(out, portal.uploads.at(-1)!.bytes);
      expect((await pdfsig(out, nssDir)).signatures[0]!.valid).toBe(true);
      const images = execFileSync('pdfimages', ['-list', '-f', '2', '-l', '2', out], { encoding: 'utf8' });
      expect(images).toMatch(/^\s*2\s+\d+\s+image\s+150\s+150\s/m);
      await page.close();
    } finally {
      await firefox.close();
      firefox = everyday;
    }
  }, 120_000);

  it('a page that looks for the VNPT-CA plugin while still loading finds it (scripting.registerContentScripts, world MAIN, at document_start)', async () => {
    const page = await firefox.browser.newPage();
    await page.goto(`${portal.url}/vnpt-early.html`);
    expect(await page.evaluate(() => (window as unknown as { early: Promise<string> }).early)).toBe('1');
    await page.close();
  }, 60_000);

  it('the allowed portal framed by the unlisted site: the early shim is switched off — plugin not found, Firefox\'s own WebSocket', async () => {
    const page = await firefox.browser.newPage();
    await page.goto(`${unlisted.url}/frame.html?src=${encodeURIComponent(`${portal.url}/vnpt-early.html`)}`);
    const frame = (await (await page.waitForSelector('#inner'))!.contentFrame())!;
    await frame.waitForFunction(() => 'early' in window);
    expect(await frame.evaluate(() => (window as unknown as { early: Promise<string> }).early)).toBe('rejected: VNPT-CA Plugin not found');
    expect(await frame.evaluate(() => Function.prototype.toString.call(WebSocket))).toContain('[native code]');
    await page.close();
  }, 60_000);
});
