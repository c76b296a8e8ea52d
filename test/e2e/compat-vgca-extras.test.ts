/**
 * VGCA compatibility beyond the downloaded-file family (issue 11 §1; README "Already using the VGCA or VNPT-CA
 * plugin?"), in real Chromium with the mock portal of compat-vgca.test.ts and nothing listening on 8987:
 *   - `FileName: ""`: the person chooses a local PDF in Kyso's own window (never in the page); the consent window
 *     previews it; the signed file is uploaded as `uploadfile` under its own name; pdfsig says valid. Cancel →
 *     non-zero Status and nothing uploaded.
 *   - `/SignJson`: an attached CMS over the JSON text, shown in the consent window; openssl cms -verify checks it.
 *   - Signer image and seal stored on the options page are drawn in the approval / issuing stamps (pdfimages -list
 *     lists them on the stamp's page; pdfsig validates); a file that is not an image is refused there.
 * Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { DemoToken } from '../helpers/demo-token.js';
import { callVgca, openShimmedPage, prepareCompatSigning } from '../helpers/compat-portal.js';
import { approveInConsent, clickClosing, isConsentPage, launchKysoBrowser, pageClosed, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { pdfsig } from '../fixtures/pdf/pdf-test-tools.js';
import { makeSealPng, makeSignaturePng } from '../fixtures/pdf/generate-fixtures.js';
import { openOptionsPage } from '../helpers/options-page.js';
import { startMockPortal, type MockPortal } from '../fixtures/compat/mock-portal.js';

const LOCAL_FILE_PATH = 'compat/local-file/local-file.html';
let token: DemoToken;
let browser: KysoBrowser;
let portal: MockPortal;
let dir: string;
let nssDir: string;
let localPdf: string;
const portalFiles: Record<string, Uint8Array> = {};

beforeAll(async () => {
  ({ token, dir, nssDir } = await prepareCompatSigning('kyso-compat-extras-'));
  localPdf = join(dir, 'To trinh so 5.pdf');
  // 2.5 MB (an attached scan): the window sends it in three 1 MiB messages.
  const withScan = await PDFDocument.load(await makeVietnameseDocument(2));
  await withScan.attach(randomBytes(2_500_000), 'ban-chup.bin', { mimeType: 'application/octet-stream' });
  await writeFile(localPdf, await withScan.save());
  portalFiles['Quyet dinh 9.pdf'] = await makeVietnameseDocument(2);
  portal = await startMockPortal({ files: portalFiles });
  browser = await launchKysoBrowser({ env: token.env });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

const openPortal = (): Promise<Page> => openShimmedPage(browser.context, `${portal.url}/portal.html`);

const isFileWindow = (p: Page) => p.url().startsWith('chrome-extension://') && p.url().includes(LOCAL_FILE_PATH) && !p.isClosed();
async function waitForFileWindow(): Promise<Page> {
  const page = browser.context.pages().find(isFileWindow) ?? await browser.context.waitForEvent('page', { predicate: isFileWindow, timeout: 20_000 });
  await page.waitForSelector('[data-testid=local-file-kind]:not(:empty)');
  return page;
}

describe('VGCA FileName "": the person chooses a local file in Kyso\'s window', () => {
  it('the page gets no file input; Kyso\'s window names the site, the kind and the upload address; the chosen 2.5 MB PDF is previewed, signed, uploaded under its name; pdfsig valid', async () => {
    const page = await openPortal();
    const before = portal.uploads.length;
    const reply = callVgca(page, 'vgca_sign_approved', [JSON.stringify({ FileUploadHandler: `${portal.url}/vgca/fileupload`, SessionId: 's-local', FileName: '' })]);
    const picker = await waitForFileWindow();
    // The file input is Kyso's, not the page's.
    expect(await page.locator('input[type=file]').count()).toBe(0);
    expect(await picker.locator('[data-testid=origin]').innerText()).toBe(portal.url);
    expect(await picker.locator('[data-testid=local-file-kind]').innerText()).toBe('Ký phê duyệt');
    expect(await picker.locator('[data-testid=local-file-upload-to]').innerText()).toBe(`${portal.url}/vgca/fileupload`);
    await picker.setInputFiles('[data-testid=local-file-input]', localPdf);
    await clickClosing(picker, '[data-testid=local-file-continue]');
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=document-preview][data-rendered=true] canvas', { timeout: 20_000 });
    expect(await consent.locator('body').innerText()).toContain('To trinh so 5.pdf');
    expect(await consent.locator('[data-testid=description]').innerText()).toContain('Ký phê duyệt');
    await approveInConsent(consent, { pin: token.userPin });
    const answer = JSON.parse(await reply) as Record<string, unknown>;
    expect(answer).toMatchObject({ Status: 0, Message: '' });
    expect(portal.uploads.length).toBe(before + 1);
    const upload = portal.uploads.at(-1)!;
    expect(upload.fileName).toBe('To trinh so 5.pdf');
    expect(upload.bytes.length).toBeGreaterThan(2_500_000);
    expect(upload.fields).toMatchObject({ SessionId: 's-local' });
    const out = join(dir, 'local-signed.pdf');
    await writeFile(out, upload.bytes);
    const verdict = await pdfsig(out, nssDir);
    expect(verdict.signatures).toHaveLength(1);
    expect(verdict.signatures[0]!.valid).toBe(true);
    expect(verdict.signatures[0]!.totalDocumentSigned).toBe(true);
    await page.close();
  });

  it('Kyso\'s window is readable (16 px text, 44 px buttons in view); Cancel there: non-zero Status with a Vietnamese Message, no consent window, nothing uploaded', async () => {
    const page = await openPortal();
    const before = portal.uploads.length;
    const reply = callVgca(page, 'vgca_sign_copy', [JSON.stringify({ FileUploadHandler: `${portal.url}/vgca/fileupload`, FileName: '' })]);
    const picker = await waitForFileWindow();
    // Readable by older officials (issue 11 §4): base text ≥ 16 px, buttons ≥ 44 px high, all inside the window.
    const layout = await picker.evaluate(() => ({
      base: parseFloat(getComputedStyle(document.body).fontSize),
      buttons: [...document.querySelectorAll('button')].map((b) => { const r = b.getBoundingClientRect(); return { height: r.height, bottom: r.bottom }; }),
      viewport: innerHeight,
    }));
    expect(layout.base).toBeGreaterThanOrEqual(16);
    for (const button of layout.buttons) {
      expect(button.height).toBeGreaterThanOrEqual(44);
      expect(button.bottom).toBeLessThanOrEqual(layout.viewport);
    }
    await clickClosing(picker, '[data-testid=local-file-cancel]');
    const answer = JSON.parse(await reply) as { Status: number; Message: string; ErrorCode?: string };
    expect(answer.Status).toBe(1);
    expect(answer.ErrorCode).toBe('USER_CANCELLED');
    expect(answer.Message).toMatch(/huỷ/);
    expect(await pageClosed(picker)).toBe(true);
    expect(browser.context.pages().filter((p) => isConsentPage(p) && !p.isClosed())).toHaveLength(0);
    expect(portal.uploads.length).toBe(before);
    await page.close();
  });

  it('a file that is not a PDF is refused (non-zero Status) and nothing is uploaded', async () => {
    const page = await openPortal();
    const before = portal.uploads.length;
    const notPdf = join(dir, 'ghi-chu.pdf');
    await writeFile(notPdf, 'đây không phải PDF');
    const reply = callVgca(page, 'vgca_sign_approved', [JSON.stringify({ FileUploadHandler: `${portal.url}/vgca/fileupload`, FileName: '' })]);
    const picker = await waitForFileWindow();
    await picker.setInputFiles('[data-testid=local-file-input]', notPdf);
    await clickClosing(picker, '[data-testid=local-file-continue]');
    const answer = JSON.parse(await reply) as { Status: number; ErrorCode?: string };
    expect(answer.Status).not.toBe(0);
    expect(answer.ErrorCode).toBe('UNSUPPORTED_DOCUMENT');
    expect(portal.uploads.length).toBe(before);
    await page.close();
  });
});

describe('VGCA /SignJson', () => {
  it('the consent window shows the JSON; the answer is an attached CMS that openssl verifies and whose content is the JSON text', async () => {
    const page = await openPortal();
    const json = '{"hoSo":"12/2026","nguoiKy":"Nguyễn Văn A","yKien":"Đồng ý"}';
    // vgca_sign_json(sender, json, onMessage(ev, data), onError) is not in the fixture's copy: open the socket as the React hook does.
    const reply = page.evaluate((frame) => new Promise<string>((resolve) => {
      const ws = new WebSocket('wss://127.0.0.1:8987/SignJson');
      ws.onopen = () => ws.send(frame);
      ws.onmessage = (event) => { resolve(String(event.data)); ws.close(); };
      ws.onerror = () => resolve('error');
    }), JSON.stringify({ JsonContent: json }));
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=document-name]');
    expect(await consent.locator('body').innerText()).toContain('Nguyễn Văn A');
    await approveInConsent(consent, { pin: token.userPin });
    const answer = JSON.parse(await reply) as { Status: number; Signature: string };
    expect(answer.Status).toBe(0);
    const cms = join(dir, 'json.p7s');
    await writeFile(cms, Buffer.from(answer.Signature, 'base64'));
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, execFileSync('cat', [token.rootPem, token.intermediatePem]));
    const verify = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', cms, '-CAfile', caFile, '-purpose', 'any'], { encoding: 'utf8' });
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toBe(json);
    await page.close();
  });
});

/** `pdfimages -list` rows of one page: width × height of each image (soft masks listed apart). */
function imagesOnPage(file: string, page: number): { type: string; width: number; height: number }[] {
  const out = execFileSync('pdfimages', ['-list', '-f', String(page), '-l', String(page), file], { encoding: 'utf8' });
  return out.split('\n').slice(2).filter((l) => l.trim()).map((l) => {
    const cols = l.trim().split(/\s+/);
    return { type: cols[2]!, width: Number(cols[3]), height: Number(cols[4]) };
  });
}

describe('signer image and seal from the options page in Decree 30 stamps', () => {
  it('the options page refuses a file that is not an image and stores a PNG signer image and seal (previewed)', async () => {
    const options = await openOptionsPage(browser);
    const notImage = join(dir, 'chu-ky.png');
    await writeFile(notImage, 'không phải ảnh');
    await options.setInputFiles('[data-testid=stamp-image-input-signer]', notImage);
    expect(await options.locator('[data-testid=stamp-image-error-signer]').innerText()).toMatch(/PNG hoặc JPEG/);
    expect(await options.locator('[data-testid=stamp-image-none-signer]').count()).toBe(1);
    const signer = join(dir, 'chu-ky-that.png');
    const seal = join(dir, 'con-dau.png');
    await writeFile(signer, makeSignaturePng(240, 100));
    await writeFile(seal, makeSealPng(200));
    await options.setInputFiles('[data-testid=stamp-image-input-signer]', signer);
    await options.waitForSelector('[data-testid=stamp-image-preview-signer]');
    await options.setInputFiles('[data-testid=stamp-image-input-seal]', seal);
    await options.waitForSelector('[data-testid=stamp-image-preview-seal]');
    expect(await options.locator('[data-testid=stamp-image-signer]').innerText()).toContain('240×100 px');
    await options.close();
  });

  for (const [fn, image, extra] of [
    ['vgca_sign_approved', { width: 240, height: 100 }, {}],
    ['vgca_sign_issued', { width: 200, height: 200 }, { DocNumber: '15/QĐ-UBND' }],
  ] as const) {
    it(`${fn}: the stamp on the last page contains the stored ${image.width}×${image.height} image; pdfsig valid`, async () => {
      const page = await openPortal();
      const reply = callVgca(page, fn, [JSON.stringify({ FileUploadHandler: `${portal.url}/vgca/fileupload`, FileName: `${portal.url}/files/Quyet%20dinh%209.pdf`, ...extra })]);
      await approveInConsent(await waitForConsentPage(browser.context), { pin: token.userPin });
      expect(JSON.parse(await reply)).toMatchObject({ Status: 0 });
      const out = join(dir, `${fn}.pdf`);
      await writeFile(out, portal.uploads.at(-1)!.bytes);
      expect((await pdfsig(out, nssDir)).signatures[0]!.valid).toBe(true);
      // The original document has no images; the stamp (page 2, the last) brings the image and its alpha mask.
      expect(imagesOnPage(out, 1)).toEqual([]);
      const images = imagesOnPage(out, 2);
      expect(images).toContainEqual({ type: 'image', ...image });
      expect(images).toContainEqual({ type: 'smask', ...image });
      await page.close();
    });
  }
});
