/**
 * Attack class: consent without sight of what is signed. A portal shows one page and has the person sign a
 * document whose OTHER pages say something else; an invisible signature or a CMS over a file gives the person
 * nothing to look at but a name and a hash; a stamp drawn at a guessed place is not where it will be.
 * The window must let the person page through every page (with the page count), show pages for invisible
 * signatures, show a CMS document's content type, size and an excerpt, and draw the stamp box where the host
 * will put it. Real Chromium with the built extension, real host, real SoftHSM2 token. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber } from 'pdf-lib';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { approveInConsent, launchKysoBrowser, pageClosed, startTestServer, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { startInPage } from '../helpers/page-sdk.js';
import type { StaticServer } from '../../demo/serve.mjs';

let token: DemoToken;
let browser: KysoBrowser;
let server: StaticServer;
const files: Record<string, Buffer> = {};

beforeAll(async () => {
  token = await createDemoToken();
  const dir = await mkdtemp(join(tmpdir(), 'kyso-preview-'));
  files['three.pdf'] = Buffer.from(await makeVietnameseDocument(3));
  files['note.txt'] = Buffer.from('Tờ trình số 12/TTr\nVề việc mua sắm thiết bị\nTổng kinh phí: 120.000.000 đồng', 'utf8');
  files['blob.bin'] = Buffer.concat([Buffer.from([0x00, 0x01, 0xfe, 0xff]), randomBytes(4096)]);
  // A PDF with a script that runs on opening and an empty form field: content that can change after signing.
  const active = await PDFDocument.load(files['three.pdf']!);
  active.addJavaScript('onOpen', 'this.getField("ghi_chu").value = "Đã thay đổi sau khi ký";');
  active.getForm().createTextField('ghi_chu').addToPage(active.getPage(0), { x: 60, y: 600, width: 300, height: 24 });
  files['active.pdf'] = Buffer.from(await active.save());
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
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

async function shownPage(consent: Page): Promise<{ number: string | null; count: string | null; page?: string; stampRect?: string }> {
  await consent.waitForSelector('[data-testid=document-preview][data-rendered=true] canvas', { timeout: 20_000 });
  return consent.evaluate(() => {
    const canvas = document.querySelector('[data-testid=document-preview] canvas') as HTMLCanvasElement;
    return {
      number: document.querySelector('[data-testid=preview-page-number]')!.textContent,
      count: document.querySelector('[data-testid=preview-page-count]')!.textContent,
      ...(canvas.dataset['page'] ? { page: canvas.dataset['page'] } : {}),
      ...(canvas.dataset['stampRect'] ? { stampRect: canvas.dataset['stampRect'] } : {}),
    };
  });
}

async function cancel(consent: Page, pending: Promise<any>): Promise<void> {
  await consent.keyboard.press('Escape').catch(() => undefined);
  expect(await pageClosed(consent)).toBe(true);
  expect((await pending).error).toBe('USER_CANCELLED');
}

describe('the person can see what is signed', () => {
  it('a 3-page PDF: the page count is shown and previous/next reach every page; the stamp box is on the stamp page only', async () => {
    const page = await openPortal();
    const pending = startInPage(page, `await sdk.signPdf({ document: await file('three.pdf'), fileName: 'QĐ.pdf', visible: { page: 2, rect: { x: 320, y: 90, width: 230, height: 80 } } }); return {};`);
    const consent = await waitForConsentPage(browser.context);
    let shown = await shownPage(consent);
    expect(shown).toMatchObject({ number: '2', count: '3', page: '2' });
    expect(shown.stampRect).toBeDefined();
    await consent.click('[data-testid=preview-next]');
    await consent.waitForSelector('[data-testid=document-preview][data-rendered=true] canvas[data-page="3"]');
    shown = await shownPage(consent);
    expect(shown).toMatchObject({ number: '3', count: '3', page: '3' });
    expect(shown.stampRect).toBeUndefined();
    expect(await consent.isDisabled('[data-testid=preview-next]')).toBe(true);
    await consent.click('[data-testid=preview-prev]');
    await consent.click('[data-testid=preview-prev]');
    await consent.waitForSelector('[data-testid=document-preview][data-rendered=true] canvas[data-page="1"]');
    expect((await shownPage(consent)).number).toBe('1');
    expect(await consent.isDisabled('[data-testid=preview-prev]')).toBe(true);
    // The page's text is there (pdf.js drew it), so the person reads page 1's words, not a blank.
    const ink = await consent.evaluate(() => {
      const c = document.querySelector('[data-testid=document-preview] canvas') as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! < 200) n++;
      return n;
    });
    expect(ink).toBeGreaterThan(500);
    await cancel(consent, pending);
    await page.close();
  });

  it('an invisible signature still shows the pages (and no stamp box)', async () => {
    const page = await openPortal();
    const pending = startInPage(page, `await sdk.signPdf({ document: await file('three.pdf'), fileName: 'QĐ.pdf', invisible: true }); return {};`);
    const consent = await waitForConsentPage(browser.context);
    const shown = await shownPage(consent);
    expect(shown).toMatchObject({ number: '1', count: '3', page: '1' });
    expect(shown.stampRect).toBeUndefined();
    await consent.click('[data-testid=preview-next]');
    await consent.waitForSelector('[data-testid=document-preview][data-rendered=true] canvas[data-page="2"]');
    await cancel(consent, pending);
    await page.close();
  });

  it('a CMS over a text file shows its content type, size and an excerpt; a binary file its first bytes; a PDF its pages', async () => {
    const page = await openPortal();
    let pending = startInPage(page, `await sdk.signCms({ data: await file('note.txt'), fileName: 'to-trinh.txt' }); return {};`);
    let consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=content-type]');
    expect(await consent.textContent('[data-testid=content-type]')).toBe('text/plain');
    expect(await consent.textContent('[data-testid=document-size]')).toContain(String(files['note.txt']!.length));
    expect(await consent.textContent('[data-testid=content-excerpt]')).toBe(files['note.txt']!.toString('utf8'));
    await cancel(consent, pending);

    pending = startInPage(page, `await sdk.signCms({ data: await file('blob.bin'), fileName: 'blob.bin' }); return {};`);
    consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=content-type]');
    expect(await consent.textContent('[data-testid=content-type]')).toBe('application/octet-stream');
    expect(await consent.textContent('[data-testid=content-excerpt]')).toBe([...files['blob.bin']!.subarray(0, 48)].map((b) => b.toString(16).padStart(2, '0')).join(' '));
    await cancel(consent, pending);

    pending = startInPage(page, `await sdk.signCms({ data: await file('three.pdf'), fileName: 'QĐ.pdf' }); return {};`);
    consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=content-type]');
    expect(await consent.textContent('[data-testid=content-type]')).toBe('application/pdf');
    expect(await shownPage(consent)).toMatchObject({ number: '1', count: '3' });
    await cancel(consent, pending);
    await page.close();
  });

  it('an anchored stamp is drawn where the host really puts it (the signed PDF\'s widget /Rect)', async () => {
    const page = await openPortal();
    const pending = startInPage(page, `
      const r = await sdk.signPdf({ document: await file('three.pdf'), fileName: 'QĐ.pdf', visible: { anchor: { text: 'GIÁM ĐỐC', position: 'below' } } });
      return { pdf: sdk.toBase64(r.document) };`);
    const consent = await waitForConsentPage(browser.context);
    const shown = await shownPage(consent);
    expect(shown.stampRect).toBeDefined();
    const stampPage = Number(shown.page);
    await approveInConsent(consent, { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
    const signed = await pending;
    expect(signed.error).toBeUndefined();
    // Independent of the window: the signature widget's /Rect in the signed file, scaled as the window scales.
    const doc = await PDFDocument.load(Buffer.from(signed.pdf, 'base64'));
    const pdfPage = doc.getPage(stampPage - 1);
    const annots = pdfPage.node.lookupMaybe(PDFName.of('Annots'), PDFArray);
    const widget = annots?.asArray().map((ref) => doc.context.lookup(ref)).find((a): a is PDFDict => a instanceof PDFDict && a.get(PDFName.of('FT'))?.toString() === '/Sig');
    expect(widget).toBeDefined();
    const [x0, y0, x1, y1] = widget!.lookup(PDFName.of('Rect'), PDFArray).asArray().map((n) => (n as PDFNumber).asNumber()) as [number, number, number, number];
    const { width, height } = pdfPage.getSize();
    const scale = 460 / width;
    const [bx, by, bw, bh] = shown.stampRect!.split(',').map(Number) as [number, number, number, number];
    expect(Math.abs(bx - Math.min(x0, x1) * scale)).toBeLessThan(3);
    expect(Math.abs(by - (height - Math.max(y0, y1)) * scale)).toBeLessThan(3);
    expect(Math.abs(bw - Math.abs(x1 - x0) * scale)).toBeLessThan(3);
    expect(Math.abs(bh - Math.abs(y1 - y0) * scale)).toBeLessThan(3);
    await page.close();
  });

  it('a PDF with a script and a form field: the window says first that its content can change after signing', async () => {
    const page = await openPortal();
    const pending = startInPage(page, `await sdk.signPdf({ document: await file('active.pdf'), fileName: 'active.pdf' }); return {};`);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=document-warnings]');
    expect(await consent.textContent('[data-testid=document-warnings]')).toContain('Tệp này chứa nội dung có thể thay đổi sau khi ký:');
    expect(await consent.locator('[data-testid=document-warning]').count()).toBeGreaterThan(0);
    await consent.click('[data-testid=lang-toggle]');
    expect(await consent.textContent('[data-testid=document-warnings]')).toContain('This file contains content that can change after signing:');
    await cancel(consent, pending);
    await page.close();
  });
});
