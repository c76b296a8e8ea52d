/**
 * VGCA plugin compatibility end to end (issue 11 §1): a portal page that loads its own vgcaplugin.js (the
 * unchanged-shaped fixture: new WebSocket("wss://127.0.0.1:8987/<Path>"), one frame, first reply, close) works
 * with Kyso in real Chromium, with NOTHING listening on port 8987. The mock portal serves the PDF and receives
 * `uploadfile`; pdfsig judges the uploaded file. Every path of the file family runs (approved/issued/copy/
 * appendix/income/comment/file/pdf), and /VerifyPDF, /VerifyXML, /VerifyMsg on inputs signed by Kyso, xmlsec1 and
 * openssl (a tampered one is "invalid"). An unlisted site sees exactly "no service": the socket errors, no window
 * opens. Requires `npm run build`.
 *
 * Allowed portal: http://127.0.0.1:<port> (the development build trusts loopback, like an admin-allowed site).
 * Unlisted portal: https://cong-khac.test (mapped to 127.0.0.1, self-signed), never allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { X509Certificate, verify } from 'node:crypto';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { DemoToken } from '../helpers/demo-token.js';
import { callVgca, openShimmedPage, prepareCompatSigning, startUnlistedPortal } from '../helpers/compat-portal.js';
import { approveInConsent, isConsentPage, launchKysoBrowser, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { inkFraction, pdfsig, renderPage } from '../fixtures/pdf/pdf-test-tools.js';
import { startMockPortal, type MockPortal } from '../fixtures/compat/mock-portal.js';
import { resolveStampFont } from '../../native-host/formats/pdf/appearance/resolve-font.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5ibyJ9.c2lnbmF0dXJl';
const UNLISTED_HOST = 'cong-khac.test';
let token: DemoToken;
let browser: KysoBrowser;
let portal: MockPortal;
let unlisted: MockPortal;
let dir: string;
let nssDir: string;
/** The unsigned document every portal file is a copy of (page 1 rendered as the "before" of a mark). */
let originalPath: string;
/** Served by the mock portal under /files/ (a test adds the signed result to verify it). */
const portalFiles: Record<string, Uint8Array> = {};

beforeAll(async () => {
  ({ token, dir, nssDir } = await prepareCompatSigning('kyso-compat-vgca-'));
  const pdf = await makeVietnameseDocument(2);
  originalPath = join(dir, 'original.pdf');
  await writeFile(originalPath, pdf);
  portal = await startMockPortal({ files: portalFiles, jwt: JWT });
  portalFiles['Quyet dinh 12.pdf'] = pdf;
  portalFiles['Ban sao.pdf'] = pdf;
  for (const name of ['Phu luc 1.pdf', 'Cong van den.pdf', 'Y kien.pdf', 'Tep dinh kem.pdf', 'To trinh.pdf']) portalFiles[name] = pdf;
  const unlistedSite = await startUnlistedPortal(UNLISTED_HOST, { 'x.pdf': pdf });
  unlisted = unlistedSite.portal;
  browser = await launchKysoBrowser({ env: token.env, extraArgs: unlistedSite.chromiumArgs });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await unlisted?.close();
});

const openPortal = (url: string, shimExpected = true): Promise<Page> => openShimmedPage(browser.context, `${url}/portal.html`, shimExpected);

function consentWindowsOpen(): number {
  return browser.context.pages().filter((p) => isConsentPage(p) && !p.isClosed()).length;
}

/**
 * Ink the signature added in the top-right mark box of page 1 (A4: 260 pt wide, `height` pt, 28 pt from the
 * corner): the signed page's ink there minus the original's (the fixture's motto reaches into that box).
 */
async function inkAddedAtTopRight(signedPath: string, height: number): Promise<number> {
  const box = { x: 595.28 - 28 - 260, y: 841.89 - 28 - height, width: 260, height };
  return inkFraction(await renderPage(signedPath, 1), 841.89, box) - inkFraction(await renderPage(originalPath, 1), 841.89, box);
}

/** One entry of the /Verify* answer, as portals read it. */
interface VerifyEntry {
  Status: number;
  Description: string;
  ValidationDetails: { SignerCertStatus: { Status: number; Description: string } };
  SigInfo: { SignerCert: { SerialNumber: string } };
}

/** The certificate's serial number as openssl prints it (upper-case hex). */
function certificateSerial(certPem: string): string {
  return execFileSync('openssl', ['x509', '-in', certPem, '-noout', '-serial'], { encoding: 'utf8' }).trim().replace(/^serial=/, '').toUpperCase();
}

/** /Reason of every signature dictionary (what a PDF reader's signature panel shows), decoded from UTF-16BE hex. */
function signatureReasons(pdf: Uint8Array): string[] {
  const text = Buffer.from(pdf).toString('latin1');
  return [...text.matchAll(/\/Type \/Sig\b[^]*?\/Reason <([0-9A-Fa-f]*)>/g)].map((m) => {
    const bytes = Buffer.from(m[1]!, 'hex');
    return bytes[0] === 0xfe && bytes[1] === 0xff ? new TextDecoder('utf-16be').decode(bytes.subarray(2)) : bytes.toString('latin1');
  });
}

/** How many images pdfimages finds in the file (page content and annotation appearances). */
function imageCount(pdfPath: string): number {
  return execFileSync('pdfimages', ['-list', pdfPath], { encoding: 'utf8' }).trim().split('\n').length - 2;
}

describe('VGCA plugin compatibility (no port listening)', () => {
  it('nothing listens on 127.0.0.1:8987: ss shows no listener and a TCP connect is refused', async () => {
    const listening = execFileSync('ss', ['-ltnH', 'sport = :8987'], { encoding: 'utf8' });
    expect(listening.trim()).toBe('');
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(8987, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve('connected'); });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('vgca_sign_issued: one consent window previewing the file and naming "Ký ban hành", the number and the upload URL; the signed PDF is POSTed as uploadfile and pdfsig says valid', async () => {
    const page = await openPortal(portal.url);
    const before = portal.uploads.length;
    const reply = callVgca(page, 'vgca_sign_issued', [JSON.stringify({
      FileUploadHandler: `${portal.url}/vgca/fileupload`, SessionId: 'sess-42', JWTToken: JWT,
      FileName: `${portal.url}/files/Quyet%20dinh%2012.pdf`, MetaData: [{ Key: 'HoSoId', Value: '12' }],
      DocNumber: '79/QĐ-UBND', IssuedDate: '2026-12-02T09:00:00+07:00',
    })]);
    const consent = await Promise.race([waitForConsentPage(browser.context), reply.then((r) => { throw new Error(`answered before any window: ${r}`); })]);
    const description = await consent.locator('[data-testid=description]').innerText();
    expect(description).toContain('Ký ban hành');
    expect(description).toContain(`${portal.url}/vgca/fileupload`);
    expect(description).toContain('79/QĐ-UBND');
    // The downloaded file is previewed (pdf.js) in the window, with its name.
    await consent.waitForSelector('[data-testid=document-preview][data-rendered=true] canvas', { timeout: 20_000 });
    expect(await consent.locator('body').innerText()).toContain('Quyet dinh 12.pdf');
    await approveInConsent(consent, { pin: token.userPin });
    const answer = JSON.parse(await reply) as Record<string, unknown>;
    expect(answer).toMatchObject({ Status: 0, Message: '', DocumentNumber: '' });
    expect(String(answer.FileName)).toContain('/documents/preview/');
    expect(JSON.parse(String(answer.FileServer))).toHaveProperty('fileEntryId');

    expect(portal.uploads.length).toBe(before + 1);
    const upload = portal.uploads.at(-1)!;
    expect(upload.fileName).toBe('Quyet dinh 12.pdf');
    expect(upload.fields).toMatchObject({ HoSoId: '12', SessionId: 'sess-42' });
    expect(upload.headers.cookie).toBeUndefined();
    const signedPath = join(dir, 'issued.pdf');
    await writeFile(signedPath, upload.bytes);
    const verdict = await pdfsig(signedPath, nssDir);
    expect(verdict.signatures).toHaveLength(1);
    expect(verdict.signatures[0]!.valid).toBe(true);
    expect(verdict.signatures[0]!.totalDocumentSigned).toBe(true);
    // The issuing stamp (last page) names the number and date the portal passed.
    const stamp = execFileSync('pdftotext', ['-f', '2', '-l', '2', signedPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(stamp).toContain('79/QĐ-UBND');
    expect(stamp).toContain('2026-12-02');
    // The download carried the page's JWT and no cookie (the VGCA service never had the browser's cookies).
    const download = portal.requests.filter((r) => r.path.startsWith('/files/')).at(-1)!;
    expect(download.headers.authorization).toBe(`Bearer ${JWT}`);
    expect(download.headers.cookie).toBeUndefined();
    await page.close();
  });

  it('vgca_sign_copy: the copy mark is drawn at the top right of page 1 (no image)', async () => {
    const page = await openPortal(portal.url);
    const reply = callVgca(page, 'vgca_sign_copy', [JSON.stringify({
      FileUploadHandler: `${portal.url}/vgca/fileupload`, JWTToken: JWT, FileName: `${portal.url}/files/Ban%20sao.pdf`, DocNumber: '123/BCY-CTSBMTT',
    })]);
    const consent = await waitForConsentPage(browser.context);
    expect(await consent.locator('[data-testid=description]').innerText()).toContain('Ký sao y');
    await approveInConsent(consent, { pin: token.userPin });
    expect(JSON.parse(await reply)).toMatchObject({ Status: 0 });
    const signedPath = join(dir, 'copy.pdf');
    await writeFile(signedPath, portal.uploads.at(-1)!.bytes);
    expect((await pdfsig(signedPath, nssDir)).signatures[0]!.valid).toBe(true);
    // A4: the mark's box is 260 × 42 pt, 28 pt from the top-right corner (where the original has part of its motto).
    expect(await inkAddedAtTopRight(signedPath, 42)).toBeGreaterThan(0.01);
    const text = execFileSync('pdftotext', ['-raw', '-f', '1', '-l', '1', signedPath, '-'], { encoding: 'utf8' });
    // The mark's text (in the signature's appearance): copy form, number, ISO 8601 time with +07:00.
    expect(text).toContain('sao y');
    expect(text).toContain('123/BCY-CTSBMTT');
    expect(text).toMatch(/Thời gian ký: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00/);
    // Phụ lục I: Times New Roman — here the first installed serif font with every letter (Liberation Serif with
    // fonts-liberation2), the only subset font in the file (the document's own DejaVuSans is embedded whole).
    const serif = await resolveStampFont('serif', 'sao y Thời gian ký');
    expect(execFileSync('pdffonts', [signedPath], { encoding: 'utf8' }).match(/[A-Z]{6}\+\S+/g)).toEqual([expect.stringMatching(new RegExp(`\\+${serif.name.replace(/ /g, '')}$`))]);
    await page.close();
  });

  /**
   * The rest of the file family (issue 11 §1): each path downloads FileName, names its kind in Vietnamese and the
   * upload address in the consent window, signs with the appearance vgca-appearance.ts gives it, uploads the file
   * as `uploadfile` under its name and answers the plugin's shape from the portal's JSON. Appearances checked as a
   * reader of the PDF would: appendix and incoming marks are text at the top right of page 1 with no image
   * (Phụ lục I for separate-file appendices; Decree 30 prescribes no electronic "ĐẾN" image, so the incoming mark
   * follows the same form — Kyso's choice); comment and plain file signatures carry the default stamp ("Ký bởi…"),
   * the comment one with "Lý do: Ý kiến".
   */
  const FAMILY = [
    { fn: 'vgca_sign_appendix', file: 'Phu luc 1.pdf', kind: 'Ký phụ lục', docNumber: '12/QĐ-UBND', mark: ['phụ lục kèm theo văn bản số 12/QĐ-UBND'], reason: 'Phụ lục' },
    { fn: 'vgca_sign_income', file: 'Cong van den.pdf', kind: 'Ký văn bản đến', docNumber: '345', mark: ['đến', 'số đến: 345'], reason: 'Văn bản đến' },
    { fn: 'vgca_comment', file: 'Y kien.pdf', kind: 'Ký ý kiến', stampText: ['Lý do: Ý kiến'], reason: 'Ý kiến' },
    { fn: 'vgca_sign_file', file: 'Tep dinh kem.pdf', kind: 'Ký tệp', stampText: [] },
    { fn: 'vgca_sign_pdf', file: 'To trinh.pdf', kind: 'Ký tệp PDF', stampText: [] },
  ] as const;

  it.each(FAMILY.map((call) => [call.fn, call.kind, call] as const))('%s: consent names "%s" and the upload address; the signed file is POSTed as uploadfile, answered in the plugin\'s shape, and pdfsig says valid', async (_fn, _kind, call) => {
    const page = await openPortal(portal.url);
    const before = portal.uploads.length;
    const docNumber = 'docNumber' in call ? call.docNumber : undefined;
    const reply = callVgca(page, call.fn, [JSON.stringify({
      FileUploadHandler: `${portal.url}/vgca/fileupload`, SessionId: 'sess-7', JWTToken: JWT,
      FileName: `${portal.url}/files/${encodeURIComponent(call.file)}`, MetaData: [{ Key: 'HoSoId', Value: '7' }],
      ...(docNumber ? { DocNumber: docNumber } : {}),
    })]);
    const consent = await Promise.race([waitForConsentPage(browser.context), reply.then((r) => { throw new Error(`answered before any window: ${r}`); })]);
    const description = await consent.locator('[data-testid=description]').innerText();
    // Exactly the kind (so "Ký tệp" is not mistaken for "Ký tệp PDF"), the number, then the upload address.
    expect(description.trim()).toBe(`${call.kind}${docNumber ? ` số ${docNumber}` : ''} — tải lên: ${portal.url}/vgca/fileupload`);
    expect(await consent.locator('body').innerText()).toContain(call.file);
    await approveInConsent(consent, { pin: token.userPin });

    const answer = JSON.parse(await reply) as Record<string, unknown>;
    expect(answer).toEqual({ Status: 0, Message: '', FileName: expect.stringContaining('/documents/preview/'), FileServer: expect.any(String), DocumentNumber: '', DocumentDate: '' });
    expect(JSON.parse(String(answer.FileServer))).toHaveProperty('fileEntryId');
    expect(portal.uploads.length).toBe(before + 1);
    const upload = portal.uploads.at(-1)!;
    expect(upload.fileName).toBe(call.file);
    expect(upload.fields).toMatchObject({ HoSoId: '7', SessionId: 'sess-7' });
    expect(String(answer.FileName)).toContain(encodeURIComponent(call.file));

    const signedPath = join(dir, `${call.fn}.pdf`);
    await writeFile(signedPath, upload.bytes);
    const verdict = await pdfsig(signedPath, nssDir);
    expect(verdict.signatures).toHaveLength(1);
    expect(verdict.signatures[0]!.valid).toBe(true);
    expect(verdict.signatures[0]!.totalDocumentSigned).toBe(true);
    expect(signatureReasons(upload.bytes)).toEqual('reason' in call ? [call.reason] : []);
    const allText = execFileSync('pdftotext', [signedPath, '-'], { encoding: 'utf8' });
    if ('mark' in call) {
      // Top right of page 1 (A4: 260 pt wide, 28 pt from the corner), blank in the original; text only.
      expect(await inkAddedAtTopRight(signedPath, 30)).toBeGreaterThan(0.01);
      // -raw: content order, so the mark's lines are not interleaved with the motto they overlap.
      const text1 = execFileSync('pdftotext', ['-raw', '-f', '1', '-l', '1', signedPath, '-'], { encoding: 'utf8' });
      for (const line of call.mark) expect(text1.split('\n')).toContain(line);
      expect(text1).toMatch(/Thời gian ký: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00/);
      expect(imageCount(signedPath)).toBe(0);
    } else {
      // The default stamp: signer's name (from the certificate) and the reason when the kind has one.
      expect(allText).toContain('Ký bởi:');
      for (const line of call.stampText) expect(allText).toContain(line);
      if (call.stampText.length === 0) expect(allText).not.toContain('Lý do:');
    }
    await page.close();
  });

  it('a failure (file URL on another origin) answers a non-zero Status with a Vietnamese Message, opens no window and uploads nothing', async () => {
    const page = await openPortal(portal.url);
    const before = portal.uploads.length;
    const answer = JSON.parse(await callVgca(page, 'vgca_sign_approved', [JSON.stringify({
      FileUploadHandler: `${portal.url}/vgca/fileupload`, FileName: `${unlisted.url}/files/x.pdf`,
    })])) as { Status: number; Message: string };
    expect(answer.Status).not.toBe(0);
    expect(answer.Message).toMatch(/không thuộc trang này/);
    expect(portal.uploads.length).toBe(before);
    expect(consentWindowsOpen()).toBe(0);
    await page.close();
  });

  it('/Auth (a raw signature) without the raw-signing opt-in answers the plugin error shape and opens no window', async () => {
    const page = await openPortal(portal.url);
    const answer = JSON.parse(await callVgca(page, 'vgca_auth', [null, 'ma-xac-thuc-123'])) as { Status: number; Message: string; ErrorCode?: string };
    expect(answer.Status).toBe(1);
    expect(answer.ErrorCode).toBe('OPERATION_NOT_ALLOWED');
    expect(answer.Message.length).toBeGreaterThan(0);
    expect(consentWindowsOpen()).toBe(0);
    await page.close();
  });

  it('/Auth once the person enabled raw signing for the portal on the options page: consent, then a signature node:crypto verifies over SHA-256(code)', async () => {
    await enableSignHashInOptions(browser, portal.url);
    const page = await openPortal(portal.url);
    const code = 'ma-xac-thuc-456';
    const reply = callVgca(page, 'vgca_auth', [null, code]);
    const consent = await waitForConsentPage(browser.context);
    await approveInConsent(consent, { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
    const answer = JSON.parse(await reply) as { Status: number; Signature: string };
    expect(answer.Status).toBe(0);
    const certificate = new X509Certificate(await readFile(token.cert('org-rsa').certPem));
    // RSASSA-PKCS1-v1_5 over SHA-256(code): what crypto.verify('sha256', code) checks.
    expect(verify('sha256', Buffer.from(code, 'utf8'), certificate.publicKey, Buffer.from(answer.Signature, 'base64'))).toBe(true);
    await page.close();
  });

  it('/GetCertInfo answers {Status:0, CertInfo} for the allowed portal', async () => {
    const page = await openPortal(portal.url);
    const answer = JSON.parse(await callVgca(page, 'vgca_get_certinfo', [])) as { Status: number; CertInfo: { SerialNumber: string; Base64: string } };
    expect(answer.Status).toBe(0);
    expect(answer.CertInfo.SerialNumber).toMatch(/^[0-9A-F]+$/);
    expect(answer.CertInfo.Base64.length).toBeGreaterThan(100);
    // Measured: plugin call → socket → content script → background → host → reply, as the page sees it.
    const ms = await page.evaluate(async () => {
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        await (window as unknown as { callVgca(f: string, a: unknown[]): Promise<string> }).callVgca('vgca_get_certinfo', []);
        times.push(performance.now() - t);
      }
      return times.sort((a, b) => a - b);
    });
    console.error(`VGCA /GetCertInfo round trip through Kyso: p50 ${ms[5]!.toFixed(1)} ms, max ${ms[9]!.toFixed(1)} ms`);
    await page.close();
  });

  it('an unlisted site sees no service: the socket errors, WebSocket is the browser\'s own, no window opens, the plugin callback never fires', async () => {
    const page = await openPortal(unlisted.url, false);
    expect(await page.evaluate(() => (window as unknown as { probeSocket(u: string): Promise<string> }).probeSocket('wss://127.0.0.1:8987/SignPDF'))).toBe('error');
    expect(await page.evaluate(() => Function.prototype.toString.call(WebSocket))).toContain('[native code]');
    const fired = await page.evaluate(() => new Promise<boolean>((resolve) => {
      (window as unknown as Record<string, (j: string, cb: () => void) => void>).vgca_sign_pdf!('{"FileUploadHandler":"/u","FileName":"/files/x.pdf"}', () => resolve(true));
      setTimeout(() => resolve(false), 2000);
    }));
    expect(fired).toBe(false);
    expect(consentWindowsOpen()).toBe(0);
    expect(unlisted.requests.some((r) => r.path.startsWith('/files/') || r.path.startsWith('/vgca/'))).toBe(false);
    await page.close();
  });

  it('other WebSocket URLs on an allowed portal still reach the real WebSocket (a dead port errors)', async () => {
    const page = await openPortal(portal.url);
    expect(await page.evaluate(() => (window as unknown as { probeSocket(u: string): Promise<string> }).probeSocket('wss://127.0.0.1:8988/SignPDF'))).toBe('error');
    await page.close();
  });

  it('vgca_sign_files: two files, ONE consent window and ONE PIN; each uploaded as uploadfile and valid; Files:[{FileID, FileSignedURL}]', async () => {
    const page = await openPortal(portal.url);
    const before = portal.uploads.length;
    const reply = callVgca(page, 'vgca_sign_files', [JSON.stringify({
      FileUploadHandler: `${portal.url}/vgca/fileupload`, SessionId: 's', JWTToken: JWT,
      Files: [{ FileID: 'f1', FileName: 'To trinh.pdf', URL: `${portal.url}/files/Quyet%20dinh%2012.pdf` }, { FileID: 2, FileName: 'Phu luc.pdf', URL: `${portal.url}/files/Ban%20sao.pdf` }],
    })]);
    const consent = await waitForConsentPage(browser.context);
    await approveInConsent(consent, { pin: token.userPin });
    const answer = JSON.parse(await reply) as { Status: number; Files: { FileID: unknown; FileSignedURL: string }[] };
    expect(answer.Status).toBe(0);
    expect(answer.Files.map((f) => f.FileID)).toEqual(['f1', 2]);
    expect(answer.Files.every((f) => f.FileSignedURL.includes('/documents/preview/'))).toBe(true);
    expect(portal.uploads.slice(before).map((u) => u.fileName)).toEqual(['To trinh.pdf', 'Phu luc.pdf']);
    for (const [i, upload] of portal.uploads.slice(before).entries()) {
      const file = join(dir, `batch-${i}.pdf`);
      await writeFile(file, upload.bytes);
      expect((await pdfsig(file, nssDir)).signatures[0]!.valid).toBe(true);
    }
    expect(consentWindowsOpen()).toBe(0);
    await page.close();
  });

  it('vgca_sign_xml: {Status:0, Signature} holds the signed XML; xmlsec1 verifies it', async () => {
    const page = await openPortal(portal.url);
    const xml = '<?xml version="1.0" encoding="UTF-8"?><HoSo><MaHoSo>12</MaHoSo><TenHoSo>Đăng ký kinh doanh</TenHoSo></HoSo>';
    const reply = callVgca(page, 'vgca_sign_xml', [null, JSON.stringify({ Base64Content: Buffer.from(xml).toString('base64'), ReturnSignatureOnly: 'false', HashAlg: 'Sha256', XmlDsigForm: 'false' })]);
    const consent = await waitForConsentPage(browser.context);
    await approveInConsent(consent, { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
    const answer = JSON.parse(await reply) as { Status: number; Signature: string };
    expect(answer.Status).toBe(0);
    const file = join(dir, 'signed.xml');
    await writeFile(file, Buffer.from(answer.Signature, 'base64'));
    const verify = spawnSync('xmlsec1', ['--verify', '--trusted-pem', token.rootPem, '--untrusted-pem', token.intermediatePem, file], { encoding: 'utf8' });
    expect(verify.status, verify.stderr).toBe(0);
    await page.close();
  });

  it('vgca_sign_msg: base64 in, attached CMS out; openssl cms -verify returns the message', async () => {
    const page = await openPortal(portal.url);
    const message = Buffer.from('Tờ khai số 01 — nội dung cần ký', 'utf8');
    const reply = callVgca(page, 'vgca_sign_msg', [null, message.toString('base64')]);
    const consent = await waitForConsentPage(browser.context);
    await approveInConsent(consent, { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
    const answer = JSON.parse(await reply) as { Status: number; Signature: string };
    expect(answer.Status).toBe(0);
    const caFile = join(dir, 'cas.pem');
    await writeFile(caFile, `${await readFile(token.rootPem, 'utf8')}\n${await readFile(token.intermediatePem, 'utf8')}`);
    const verify = spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-CAfile', caFile, '-purpose', 'any'], { input: Buffer.from(answer.Signature, 'base64') });
    expect(verify.status, verify.stderr.toString()).toBe(0);
    expect(verify.stdout.toString('utf8')).toBe(message.toString('utf8'));
    await page.close();
  });

  it('vgca_verify_pdf on the signed file the portal received: one signature, the signer\'s serial, not "invalid"', async () => {
    const signed = portal.uploads.find((u) => u.fileName === 'Quyet dinh 12.pdf');
    expect(signed).toBeDefined();
    portalFiles['da-ky.pdf'] = signed!.bytes;
    const page = await openPortal(portal.url);
    const report = JSON.parse(await callVgca(page, 'vgca_verify_pdf', [JSON.stringify({ SessionId: 's', JWTToken: JWT, FileName: `${portal.url}/files/da-ky.pdf` })])) as
      { Status: number; Description: string; SigInfo: { SignerCert: { SerialNumber: string } } }[];
    expect(Array.isArray(report)).toBe(true);
    expect(report).toHaveLength(1);
    expect(report[0]!.Status).not.toBe(1); // valid, or indeterminate: the demo root is not in the host's trust store
    expect(report[0]!.SigInfo.SignerCert.SerialNumber).toMatch(/^[0-9A-F]+$/);
    expect(consentWindowsOpen()).toBe(0);
    await page.close();
  });

  /**
   * /VerifyXML `{Data, Format}` and /VerifyMsg `{Base64Content, Signature}` (issue 11 §1), on inputs signed by
   * xmlsec1 and openssl with the token's RSA certificate (independent of Kyso's signer). No window, no PIN. A
   * valid input: one entry naming the signer's serial, not "invalid" (Status 0, or 2 while the demo root is not in
   * the host's trust store); the same input with one character of its content changed: Status 1.
   */
  it('vgca_verify_xml: an xmlsec1-signed XML (as text and as base64) → one entry with the signer\'s serial, not invalid; one changed character → Status 1', async () => {
    const signer = token.cert('org-rsa');
    const template = join(dir, 'verify-template.xml');
    await writeFile(template, '<?xml version="1.0" encoding="UTF-8"?><HoSo><MaHoSo>77</MaHoSo><TenHoSo>Cấp phép xây dựng</TenHoSo>'
      + '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
      + '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference URI=""><Transforms>'
      + '<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
      + '<DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature></HoSo>');
    const signedPath = join(dir, 'verify-signed.xml');
    execFileSync('xmlsec1', ['--sign', '--privkey-pem', `${signer.keyPem},${signer.certPem},${token.intermediatePem}`, '--output', signedPath, template]);
    const signedXml = await readFile(signedPath, 'utf8');
    expect(signedXml).toContain('<MaHoSo>77</MaHoSo>');
    const serial = certificateSerial(signer.certPem);
    const page = await openPortal(portal.url);
    const verifyXml = async (data: string) => JSON.parse(await callVgca(page, 'vgca_verify_xml', [JSON.stringify({ Data: data, Format: 'XML' })])) as VerifyEntry[];

    for (const data of [signedXml, Buffer.from(signedXml).toString('base64')]) {
      const report = await verifyXml(data);
      expect(report).toHaveLength(1);
      expect([0, 2]).toContain(report[0]!.Status);
      expect(report[0]!.SigInfo.SignerCert.SerialNumber).toBe(serial);
      expect(report[0]!.ValidationDetails.SignerCertStatus.Status).not.toBe(1);
    }
    const tampered = await verifyXml(signedXml.replace('<MaHoSo>77</MaHoSo>', '<MaHoSo>78</MaHoSo>'));
    expect(tampered).toHaveLength(1);
    expect(tampered[0]!.Status).toBe(1);
    expect(tampered[0]!.Description.length).toBeGreaterThan(0);
    expect(consentWindowsOpen()).toBe(0);
    await page.close();
  });

  it('vgca_verify_msg: openssl CMS, attached and detached with Base64Content → not invalid, the signer\'s serial; changed content → Status 1', async () => {
    const signer = token.cert('org-rsa');
    const message = Buffer.from('Tờ khai lệ phí trước bạ số 05 — người nộp: Công ty TNHH Minh An', 'utf8');
    const messagePath = join(dir, 'verify-msg.txt');
    await writeFile(messagePath, message);
    const sign = (detached: boolean) => execFileSync('openssl', ['cms', '-sign', '-binary', ...(detached ? [] : ['-nodetach']), '-md', 'sha256', '-in', messagePath,
      '-signer', signer.certPem, '-inkey', signer.keyPem, '-certfile', token.intermediatePem, '-outform', 'DER']);
    const attached = sign(false);
    const detached = sign(true);
    const serial = certificateSerial(signer.certPem);
    const page = await openPortal(portal.url);
    const verifyMsg = async (signature: Buffer, content?: Buffer) => JSON.parse(await callVgca(page, 'vgca_verify_msg', [JSON.stringify({
      Base64Content: content ? content.toString('base64') : '', Signature: signature.toString('base64'),
    })])) as VerifyEntry[];

    // The three ways a portal calls it: the attached CMS alone (Base64Content ""), the attached CMS with the
    // message it holds (the /SignMsg answer and what was signed), a detached CMS with its message.
    for (const report of [await verifyMsg(attached), await verifyMsg(attached, message), await verifyMsg(detached, message)]) {
      expect(report).toHaveLength(1);
      expect([0, 2]).toContain(report[0]!.Status);
      expect(report[0]!.SigInfo.SignerCert.SerialNumber).toBe(serial);
    }
    // One character of the message changed: in the detached case's content, and inside the attached CMS itself
    // (same length, so the DER stays well formed and only the content digest disagrees).
    const changed = Buffer.from(message.toString('utf8').replace('số 05', 'số 06'), 'utf8');
    const at = attached.indexOf(message);
    expect(at).toBeGreaterThan(0);
    const attachedTampered = Buffer.concat([attached.subarray(0, at), changed, attached.subarray(at + message.length)]);
    for (const report of [await verifyMsg(detached, changed), await verifyMsg(attachedTampered)]) {
      expect(report).toHaveLength(1);
      expect(report[0]!.Status).toBe(1);
    }
    expect(consentWindowsOpen()).toBe(0);
    await page.close();
  });

  it('toolbar popup: "Cho phép trang này ký số" on the unlisted portal allows it; after the reload the plugin script works there', async () => {
    const page = await openPortal(unlisted.url, false);
    const [tabId] = await browser.serviceWorker!.evaluate(async (pattern) =>
      (await (globalThis as unknown as { chrome: { tabs: { query(q: object): Promise<{ id: number }[]> } } }).chrome.tabs.query({ url: pattern })).map((t) => t.id), `https://${UNLISTED_HOST}/*`) as number[];
    const popup = await browser.context.newPage();
    await popup.goto(`chrome-extension://${browser.extensionId}/ui/popup/popup.html?tab=${tabId}`);
    await popup.locator('[data-testid=popup-state][data-state=can-allow]').waitFor({ timeout: 10_000 });
    expect(await popup.locator('[data-testid=popup-origin]').innerText()).toBe(unlisted.url);
    const reloaded = page.waitForEvent('load', { timeout: 15_000 });
    await popup.click('[data-testid=popup-allow-site]');
    await popup.locator('[data-testid=popup-state][data-state=allowed]').waitFor({ timeout: 10_000 });
    expect(await popup.locator('[data-testid=popup-allow-site]').isHidden()).toBe(true);
    await reloaded;
    await page.waitForFunction(() => !Function.prototype.toString.call(WebSocket).includes('[native code]'), undefined, { timeout: 15_000 });
    const answer = JSON.parse(await callVgca(page, 'vgca_get_certinfo', [])) as { Status: number };
    expect(answer.Status).toBe(0);
    await popup.close();
    await page.close();
  });
});
