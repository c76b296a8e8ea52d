/**
 * Document signing end to end in headless Chromium: the portal page calls the SDK (signPdf / signXml / signCms /
 * signBatch), documents cross page → content script → background → host in chunks, the person approves in ONE
 * consent window that shows the file name, size, SHA-256 and a preview (pdf.js page with the stamp box, or the
 * e-invoice summary), and the results are judged by pdfsig, xmlsec1 and openssl cms. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { approveInConsent, isConsentPage, launchKysoBrowser, startTestServer, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { nssDbWith, opensslCmsVerify, pdfsig } from '../fixtures/pdf/pdf-test-tools.js';
import { startInPage } from '../helpers/page-sdk.js';
import type { StaticServer } from '../../demo/serve.mjs';

let token: DemoToken;
let browser: KysoBrowser;
let server: StaticServer;
let dir: string;
let caFile: string;
let nssDir: string;
const files: Record<string, Buffer> = {};

beforeAll(async () => {
  token = await createDemoToken();
  dir = await mkdtemp(join(tmpdir(), 'kyso-docs-e2e-'));
  files['decision.pdf'] = Buffer.from(await makeVietnameseDocument(3));
  files['hoadon.xml'] = await readFile(resolve(import.meta.dirname, '../fixtures/xml/einvoice-tt78.xml'));
  files['big.bin'] = randomBytes(3 * 1024 * 1024 + 17);
  files['broken.pdf'] = Buffer.from('%PDF-1.7\nnot a real PDF body\n%%EOF\n');
  files['note.txt'] = Buffer.from('Tờ trình số 12/TTr — ký kèm nội dung', 'utf8');
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
  caFile = join(dir, 'cas.pem');
  await writeFile(caFile, `${await readFile(token.rootPem, 'utf8')}\n${await readFile(token.intermediatePem, 'utf8')}`);
  nssDir = await nssDbWith([token.rootPem, token.intermediatePem]);
  browser = await launchKysoBrowser({ env: token.env });
  server = await startTestServer({ '/files/': dir });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openPortal(): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/`);
  return page;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function consentWindowsOpen(): number {
  return browser.context.pages().filter((p) => isConsentPage(p) && !p.isClosed()).length;
}

describe('document signing through the browser', () => {
  it('signPdf with a visible stamp: the window previews page 2 with the stamp box; pdfsig says the signature is valid', async () => {
    const page = await openPortal();
    const rect = { x: 320, y: 90, width: 230, height: 80 };
    const pending = startInPage(page, `
      const r = await sdk.signPdf({ document: await file('decision.pdf'), fileName: 'Quyết định 12.pdf', reason: 'Phê duyệt', location: 'Hà Nội',
        visible: { page: 2, rect: ${JSON.stringify(rect)} }, description: 'Quyết định bổ nhiệm' });
      return { pdf: b64(r.document), sha256: r.sha256, certificate: r.certificate };`);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=batch-item]');
    expect(await consent.locator('[data-testid=batch-item]').count()).toBe(1);
    expect(await consent.textContent('[data-testid=document-name]')).toContain('Quyết định 12.pdf');
    expect(await consent.textContent('[data-testid=document-size]')).toContain(files['decision.pdf']!.length.toLocaleString('vi-VN'));
    expect(await consent.textContent('[data-testid=document-digest]')).toBe(sha256(files['decision.pdf']!));
    // The preview: pdf.js rendered the stamp's page (2) and the red box sits where the stamp goes.
    await consent.waitForSelector('[data-testid=document-preview][data-rendered=true] canvas', { timeout: 20_000 });
    const canvas = await consent.evaluate(() => {
      const c = document.querySelector('[data-testid=document-preview] canvas') as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      let red = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i]! < 200 || data[i + 1]! < 200 || data[i + 2]! < 200) ink++;
        if (data[i]! > 180 && data[i + 1]! < 60 && data[i + 2]! < 60) red++;
      }
      return { page: c.dataset['page'], stampRect: c.dataset['stampRect'], width: c.width, height: c.height, ink, red };
    });
    expect(canvas.page).toBe('2');
    expect(canvas.ink).toBeGreaterThan(1000); // text on the page, not a blank canvas
    expect(canvas.red).toBeGreaterThan(200); // the stamp box
    // 460 px wide for 595.28 pt: the box's left edge at 320 pt ≈ 247 px, top at (841.89 − 170) pt ≈ 519 px.
    const [bx, by] = canvas.stampRect!.split(',').map(Number);
    expect(Math.abs(bx! - 320 * 460 / 595.28)).toBeLessThan(3);
    expect(Math.abs(by! - (841.89 - 170) * 460 / 595.28)).toBeLessThan(3);

    await approveInConsent(consent, { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
    const result = await pending;
    expect(result.error).toBeUndefined();
    const signed = Buffer.from(result.pdf, 'base64');
    expect(sha256(signed)).toBe(result.sha256);
    // The original is the first revision, byte for byte.
    expect(Buffer.compare(signed.subarray(0, files['decision.pdf']!.length), files['decision.pdf']!)).toBe(0);
    const out = join(dir, 'signed-e2e.pdf');
    await writeFile(out, signed);
    const report = await pdfsig(out, nssDir);
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]?.valid).toBe(true);
    await page.close();
  }, 120_000);

  it('signXml: the window summarises the e-invoice (number, seller, total); xmlsec1 verifies the result', async () => {
    const page = await openPortal();
    const pending = startInPage(page, `
      const r = await sdk.signXml({ document: await file('hoadon.xml'), fileName: 'hoadon-123.xml', ref: 'data', parent: 'DSCKS/NBan', signingTimeProperty: true });
      return { xml: b64(r.document) };`);
    const consent = await waitForConsentPage(browser.context);
    const summary = consent.locator('[data-testid=document-preview]');
    await summary.waitFor();
    const text = await summary.textContent();
    expect(text).toContain('123');
    expect(text).toContain('Công ty TNHH Kyso Thử Nghiệm');
    expect(text).toContain('1100000');
    expect(await consent.textContent('[data-testid=document-digest]')).toBe(sha256(files['hoadon.xml']!));
    await approveInConsent(consent, { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
    const result = await pending;
    expect(result.error).toBeUndefined();
    const out = join(dir, 'signed-e2e.xml');
    await writeFile(out, Buffer.from(result.xml, 'base64'));
    const verify = spawnSync('xmlsec1', ['--verify', '--trusted-pem', token.rootPem, '--untrusted-pem', token.intermediatePem, '--id-attr:Id', 'DLHDon', out], { encoding: 'utf8' });
    expect(verify.status, verify.stderr).toBe(0);
    await page.close();
  }, 120_000);

  it('signCms over a portal-computed digest (pades) and over 3 MiB of data (attached, chunked both ways): openssl cms -verify', async () => {
    const page = await openPortal();
    const content = files['note.txt']!;
    const digest = createHash('sha256').update(content).digest('base64');
    const pending = startInPage(page, `
      const r = await sdk.signCms({ digest: '${digest}', hashAlgorithm: 'SHA-256', pades: true, description: 'PDF do máy chủ chuẩn bị' });
      return { cms: r.cms };`);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=document-digest]', { state: 'attached' }); // folded in technical details
    expect(await consent.textContent('[data-testid=document-digest]')).toBe(createHash('sha256').update(content).digest('hex'));
    await approveInConsent(consent, { pin: token.userPin, certificateId: token.cert('person-ec').certificateId });
    const overDigest = await pending;
    expect(overDigest.error).toBeUndefined();
    const cms = Buffer.from(overDigest.cms, 'base64');
    expect((await opensslCmsVerify(cms, content, caFile)).ok).toBe(true);
    expect(spawnSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER'], { input: cms }).stdout.toString()).not.toContain('signingTime');

    const started = Date.now();
    const pendingBig = startInPage(page, `
      const r = await sdk.signCms({ data: await file('big.bin'), attached: true, fileName: 'big.bin' });
      return { cms: r.cms };`);
    const consent2 = await waitForConsentPage(browser.context);
    await consent2.waitForSelector('[data-testid=document-size]');
    expect(await consent2.textContent('[data-testid=document-digest]')).toBe(sha256(files['big.bin']!));
    await approveInConsent(consent2, { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
    const big = await pendingBig;
    expect(big.error).toBeUndefined();
    console.error(`3 MiB attached CMS through the browser (upload, consent, sign, read back): ${Date.now() - started} ms`);
    const attached = Buffer.from(big.cms, 'base64');
    const verify = spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-CAfile', caFile, '-purpose', 'any'], { input: attached, maxBuffer: 64 * 1024 * 1024 });
    expect(verify.status, verify.stderr.toString()).toBe(0);
    expect(Buffer.compare(verify.stdout, files['big.bin']!)).toBe(0);
    await page.close();
  }, 180_000);

  it('signBatch of 3 with one broken PDF: ONE consent window, ONE PIN; 2 signed, 1 typed error', async () => {
    const page = await openPortal();
    let windows = 0;
    const count = (p: Page) => { if (isConsentPage(p)) windows++; };
    browser.context.on('page', count);
    const pending = startInPage(page, `
      const r = await sdk.signBatch({ description: 'Hồ sơ 3 tài liệu', documents: [
        { kind: 'pdf', document: await file('decision.pdf'), fileName: 'a.pdf', options: { reason: 'Duyệt' } },
        { kind: 'pdf', document: await file('broken.pdf'), fileName: 'hong.pdf' },
        { kind: 'xml', document: await file('hoadon.xml'), fileName: 'hoadon.xml', options: { ref: 'data', parent: 'DSCKS/NBan' } },
      ] });
      return r.results.map((x) => x.ok ? { ok: true, kind: x.kind, document: b64(x.document) } : { ok: false, kind: x.kind, code: x.error.code });`);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=batch-item]');
    expect(await consent.locator('[data-testid=batch-item]').count()).toBe(3);
    expect(await consent.locator('[data-testid=document-name]').allTextContents()).toEqual([
      expect.stringContaining('a.pdf'), expect.stringContaining('hong.pdf'), expect.stringContaining('hoadon.xml'),
    ]);
    await approveInConsent(consent, { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
    const results = await pending;
    browser.context.off('page', count);
    expect(windows).toBe(1);
    expect(consentWindowsOpen()).toBe(0);
    expect(results.map((r: any) => r.ok)).toEqual([true, false, true]);
    expect(results[1].code).toBe('INVALID_DOCUMENT');
    const pdfOut = join(dir, 'batch-e2e.pdf');
    await writeFile(pdfOut, Buffer.from(results[0].document, 'base64'));
    expect((await pdfsig(pdfOut, nssDir)).signatures[0]?.valid).toBe(true);
    const xmlOut = join(dir, 'batch-e2e.xml');
    await writeFile(xmlOut, Buffer.from(results[2].document, 'base64'));
    expect(spawnSync('xmlsec1', ['--verify', '--trusted-pem', token.rootPem, '--untrusted-pem', token.intermediatePem, '--id-attr:Id', 'DLHDon', xmlOut]).status).toBe(0);
    await page.close();
  }, 180_000);

  it('demo portal: choosing a PDF and an XML signs both in one window; the page offers the signed files for download', async () => {
    const page = await openPortal();
    await page.setInputFiles('[data-testid=doc-files]', [join(dir, 'decision.pdf'), join(dir, 'hoadon.xml')]);
    await page.fill('[data-testid=xml-ref]', 'data');
    await page.fill('[data-testid=xml-parent]', 'DSCKS/NBan');
    await page.click('[data-testid=doc-sign]');
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=batch-item]');
    expect(await consent.locator('[data-testid=batch-item]').count()).toBe(2);
    await approveInConsent(consent, { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
    await page.waitForSelector('[data-testid=doc-download] >> nth=1', { timeout: 30_000 });
    const links = await page.locator('[data-testid=doc-download]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).download));
    expect(links).toEqual(['decision-da-ky.pdf', 'hoadon-da-ky.xml']);
    const download = page.waitForEvent('download');
    await page.locator('[data-testid=doc-download]').first().click();
    const out = join(dir, 'demo-download.pdf');
    await (await download).saveAs(out);
    expect((await pdfsig(out, nssDir)).signatures[0]?.valid).toBe(true);
    await page.close();
  }, 120_000);
});
