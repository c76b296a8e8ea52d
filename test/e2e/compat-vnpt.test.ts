/**
 * VNPT-CA Plugin compatibility end to end (issue 11 §2): a page whose own vnpt-plugin.js-shaped script opens
 * wss://localhost:4433/plugin and reads "<result>*<callback>" works with Kyso in real Chromium with nothing
 * listening on 4433–4435/9201/9202. pdfsig judges the signed PDFs. The raw functions (signHash, signArrData) are
 * refused without the raw-signing opt-in and, once the person enabled it on the options page, sign what openssl
 * verifies against the certificate's public key. An unlisted site sees "plugin not found".
 * Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { DemoToken } from '../helpers/demo-token.js';
import { openShimmedPage, prepareCompatSigning, startUnlistedPortal } from '../helpers/compat-portal.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import { approveInConsent, isConsentPage, launchKysoBrowser, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { pdfsig } from '../fixtures/pdf/pdf-test-tools.js';
import { startMockPortal, type MockPortal } from '../fixtures/compat/mock-portal.js';

const UNLISTED_HOST = 'cong-vnpt-khac.test';
let token: DemoToken;
let browser: KysoBrowser;
let portal: MockPortal;
let unlisted: MockPortal;
let dir: string;
let nssDir: string;
let pdfBase64: string;

beforeAll(async () => {
  ({ token, dir, nssDir } = await prepareCompatSigning('kyso-compat-vnpt-'));
  pdfBase64 = Buffer.from(await makeVietnameseDocument(2)).toString('base64');
  portal = await startMockPortal({ files: {} });
  const unlistedSite = await startUnlistedPortal(UNLISTED_HOST, {});
  unlisted = unlistedSite.portal;
  browser = await launchKysoBrowser({ env: token.env, extraArgs: unlistedSite.chromiumArgs });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await unlisted?.close();
});

const openPage = (url: string, shimExpected = true): Promise<Page> => openShimmedPage(browser.context, `${url}/vnpt.html`, shimExpected);

/** Call window.vnpt_plugin.<fn>(...args) as the portal does; the result text, or "rejected: …". */
function plugin(page: Page, fn: string, args: unknown[] = []): Promise<string> {
  return page.evaluate(([f, a]) => (window as unknown as { vnpt_plugin: Record<string, (...x: unknown[]) => Promise<string>> })
    .vnpt_plugin[f as string]!(...(a as unknown[])).catch((e: Error) => `rejected: ${e.message}`), [fn, args] as const);
}

function consentWindowsOpen(): number {
  return browser.context.pages().filter((p) => isConsentPage(p) && !p.isClosed()).length;
}

describe('VNPT-CA Plugin compatibility (no port listening)', () => {
  it('nothing listens on 4433, 4434, 4435, 9201, 9202', () => {
    const listening = execFileSync('ss', ['-ltnH', '( sport = :4433 or sport = :4434 or sport = :4435 or sport = :9201 or sport = :9202 )'], { encoding: 'utf8' });
    expect(listening.trim()).toBe('');
  });

  it('checkPlugin "1", getVersion, setLicenseKey success without a licence, GetAllCertificates lists the token\'s certificates', async () => {
    const page = await openPage(portal.url);
    expect(await plugin(page, 'checkPlugin')).toBe('1');
    expect(await plugin(page, 'getVersion')).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(JSON.parse(await plugin(page, 'setLicenseKey', ['<License>không cần</License>'])).code).toBeGreaterThanOrEqual(0);
    const all = JSON.parse(await plugin(page, 'getAllCertificates')) as { code: number; data: { SerialNumber: string }[] };
    expect(all.code).toBe(0);
    expect(all.data.length).toBeGreaterThanOrEqual(2);
    expect(consentWindowsOpen()).toBe(0);
    await page.close();
  });

  it('signHash and signArrData (raw) without the opt-in: {code:-1} with the reason, no window', async () => {
    const page = await openPage(portal.url);
    const answer = JSON.parse(await plugin(page, 'signHash', [Buffer.alloc(32, 7).toString('base64')])) as { code: number; errorCode: string };
    expect(answer.code).toBe(-1);
    expect(answer.errorCode).toBe('OPERATION_NOT_ALLOWED');
    const array = JSON.parse(await plugin(page, 'signArrData', [[Buffer.from('a').toString('base64'), Buffer.from('b').toString('base64')]])) as { code: number; errorCode: string };
    expect(array).toMatchObject({ code: -1, errorCode: 'OPERATION_NOT_ALLOWED' });
    expect(consentWindowsOpen()).toBe(0);
    await page.close();
  });

  it('signHash and signArrData once the person enabled raw signing for the portal on the options page: a consent window per signature; openssl verifies each against the certificate\'s public key', async () => {
    await enableSignHashInOptions(browser, portal.url);
    const signer = token.cert('org-rsa');
    const publicKey = join(dir, 'org-rsa-public.pem');
    await writeFile(publicKey, new X509Certificate(await readFile(signer.certPem)).publicKey.export({ type: 'spki', format: 'pem' }));
    const page = await openPage(portal.url);

    // signHash(<base64 SHA-256 digest>): a PKCS#1 v1.5 signature over that digest (no signed attributes).
    const document = Buffer.from('Biên bản bàn giao hồ sơ số 31', 'utf8');
    const digest = createHash('sha256').update(document).digest();
    const hashReply = plugin(page, 'signHash', [digest.toString('base64')]);
    const hashConsent = await Promise.race([waitForConsentPage(browser.context), hashReply.then((r) => { throw new Error(`answered before any window: ${r}`); })]);
    await approveInConsent(hashConsent, { pin: token.userPin, certificateId: signer.certificateId });
    const hashAnswer = JSON.parse(await hashReply) as { code: number; data: string };
    expect(hashAnswer.code).toBe(0);
    const digestFile = join(dir, 'vnpt-digest.bin');
    const signatureFile = join(dir, 'vnpt-digest.sig');
    await writeFile(digestFile, digest);
    await writeFile(signatureFile, Buffer.from(hashAnswer.data, 'base64'));
    const pkeyutl = (input: string) => spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', publicKey, '-pkeyopt', 'digest:sha256', '-in', input, '-sigfile', signatureFile], { encoding: 'utf8' });
    const good = pkeyutl(digestFile);
    expect(good.status, good.stderr + good.stdout).toBe(0);
    // The same signature over another digest is refused by openssl (the check can fail).
    const otherDigest = join(dir, 'vnpt-other-digest.bin');
    await writeFile(otherDigest, createHash('sha256').update('khác').digest());
    expect(pkeyutl(otherDigest).status).not.toBe(0);

    // signArrData([<base64 data>…]): data that is not a 32-byte digest is hashed with SHA-256 and signed; one
    // window per item (the raw path has no batch), the signatures in order.
    const items = [Buffer.from('Mục 1: tờ khai', 'utf8'), Buffer.from('Mục 2: phụ lục kèm theo', 'utf8')];
    const arrayReply = plugin(page, 'signArrData', [items.map((d) => d.toString('base64'))]);
    for (let i = 0; i < items.length; i++) {
      await approveInConsent(await waitForConsentPage(browser.context), { pin: token.userPin, certificateId: signer.certificateId });
    }
    const arrayAnswer = JSON.parse(await arrayReply) as { code: number; data: string[] };
    expect(arrayAnswer.code).toBe(0);
    expect(arrayAnswer.data).toHaveLength(2);
    for (const [i, item] of items.entries()) {
      const dataFile = join(dir, `vnpt-item-${i}.bin`);
      const sigFile = join(dir, `vnpt-item-${i}.sig`);
      await writeFile(dataFile, item);
      await writeFile(sigFile, Buffer.from(arrayAnswer.data[i]!, 'base64'));
      const checked = spawnSync('openssl', ['dgst', '-sha256', '-verify', publicKey, '-signature', sigFile, dataFile], { encoding: 'utf8' });
      expect(checked.stdout.trim(), checked.stderr).toBe('Verified OK');
    }
    // Item signatures are not interchangeable: the first one does not verify over the second item.
    const crossed = spawnSync('openssl', ['dgst', '-sha256', '-verify', publicKey, '-signature', join(dir, 'vnpt-item-0.sig'), join(dir, 'vnpt-item-1.bin')], { encoding: 'utf8' });
    expect(crossed.status).not.toBe(0);
    expect(consentWindowsOpen()).toBe(0);
    await page.close();
  });

  it('SignPDF with PdfSigner: one consent window, a PAdES signature pdfsig calls valid', async () => {
    const page = await openPage(portal.url);
    const reply = plugin(page, 'signPdf', [pdfBase64, { page: 2, llx: 320, lly: 90, urx: 550, ury: 170, Signer: 'Nguyễn Văn A', Description: 'Phê duyệt hồ sơ' }]);
    const consent = await Promise.race([waitForConsentPage(browser.context), reply.then((r) => { throw new Error(`answered before any window: ${r}`); })]);
    await approveInConsent(consent, { pin: token.userPin });
    const answer = JSON.parse(await reply) as { code: number; data: string };
    expect(answer.code).toBe(0);
    const file = join(dir, 'vnpt-signed.pdf');
    await writeFile(file, Buffer.from(answer.data, 'base64'));
    const verdict = await pdfsig(file, nssDir);
    expect(verdict.signatures).toHaveLength(1);
    expect(verdict.signatures[0]!.valid).toBe(true);
    const text = execFileSync('pdftotext', ['-f', '2', '-l', '2', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('Nguyễn Văn A');
    await page.close();
  });

  it('signArrDataAdvanced of 2 PDFs: ONE consent window, ONE PIN; both signatures valid', async () => {
    const page = await openPage(portal.url);
    const item = JSON.stringify({ data: pdfBase64, type: 'pdf', sigOptions: JSON.stringify({ Description: 'Ký lô' }) });
    const reply = plugin(page, 'signArrDataAdvanced', [[item, item], '', false, false]);
    const consent = await waitForConsentPage(browser.context);
    await approveInConsent(consent, { pin: token.userPin });
    const results = (JSON.parse(await reply) as string[]).map((r) => JSON.parse(r) as { code: number; data: string });
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    for (const [i, r] of results.entries()) {
      const file = join(dir, `arr-${i}.pdf`);
      await writeFile(file, Buffer.from(r.data, 'base64'));
      expect((await pdfsig(file, nssDir)).signatures[0]!.valid).toBe(true);
    }
    // No second window was opened for the second document.
    await new Promise((r) => setTimeout(r, 500));
    expect(consentWindowsOpen()).toBe(0);
    await page.close();
  });

  it('GetCertInfo, SignXML (xmlsec1 verifies) and SignCMS (openssl cms verifies) answer {code:0, data}', async () => {
    const page = await openPage(portal.url);
    const info = JSON.parse(await plugin(page, 'getCertInfo')) as { code: number; data: { SerialNumber: string } };
    expect(info.code).toBe(0);
    expect(info.data.SerialNumber).toMatch(/^[0-9A-F]+$/);

    const xml = '<?xml version="1.0" encoding="UTF-8"?><ToKhai><MST>0101234567</MST></ToKhai>';
    const xmlReply = plugin(page, 'signXML', [Buffer.from(xml).toString('base64'), {}]);
    await approveInConsent(await waitForConsentPage(browser.context), { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
    const signedXml = JSON.parse(await xmlReply) as { code: number; data: string };
    expect(signedXml.code).toBe(0);
    const xmlFile = join(dir, 'vnpt.xml');
    await writeFile(xmlFile, Buffer.from(signedXml.data, 'base64'));
    const xmlsec = spawnSync('xmlsec1', ['--verify', '--trusted-pem', token.rootPem, '--untrusted-pem', token.intermediatePem, xmlFile], { encoding: 'utf8' });
    expect(xmlsec.status, xmlsec.stderr).toBe(0);

    const message = Buffer.from('Dữ liệu ký CMS', 'utf8');
    const cmsReply = plugin(page, 'signCMS', [message.toString('base64')]);
    await approveInConsent(await waitForConsentPage(browser.context), { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
    const cms = JSON.parse(await cmsReply) as { code: number; data: string };
    expect(cms.code).toBe(0);
    const caFile = join(dir, 'cas.pem');
    await writeFile(caFile, `${await readFile(token.rootPem, 'utf8')}\n${await readFile(token.intermediatePem, 'utf8')}`);
    const verify = spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-CAfile', caFile, '-purpose', 'any'], { input: Buffer.from(cms.data, 'base64') });
    expect(verify.status, verify.stderr.toString()).toBe(0);
    expect(verify.stdout.toString('utf8')).toBe(message.toString('utf8'));
    await page.close();
  });

  it('a page that looks for the plugin while it is still loading finds it (the shim is registered at document_start for allowed sites)', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${portal.url}/vnpt-early.html`);
    expect(await page.evaluate(() => (window as unknown as { early: Promise<string> }).early)).toBe('1');
    await page.close();
  });

  it('an allowed portal framed by an unlisted site: the early shim is switched off — the plugin is not found and WebSocket is the browser\'s own', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${unlisted.url}/frame.html?src=${encodeURIComponent(`${portal.url}/vnpt-early.html`)}`);
    const frame = await (await page.waitForSelector('#inner')).contentFrame();
    await frame!.waitForFunction(() => 'early' in window);
    expect(await frame!.evaluate(() => (window as unknown as { early: Promise<string> }).early)).toBe('rejected: VNPT-CA Plugin not found');
    expect(await frame!.evaluate(() => Function.prototype.toString.call(WebSocket))).toContain('[native code]');
    expect(consentWindowsOpen()).toBe(0);
    await page.close();
  });

  it('an unlisted site: every port fails as with no plugin, no window, WebSocket is the browser\'s own', async () => {
    const page = await openPage(unlisted.url, false);
    expect(await page.evaluate(() => Function.prototype.toString.call(WebSocket))).toContain('[native code]');
    expect(await plugin(page, 'checkPlugin')).toBe('rejected: VNPT-CA Plugin not found');
    expect(consentWindowsOpen()).toBe(0);
    await page.close();
  });
});
