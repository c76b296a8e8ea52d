/**
 * Attack class: uploads before consent. An unlisted https site (policy "ask": the person may allow it) calls the
 * SDK's document upload, or posts kyso.documentBegin itself. Before the fix the extension forwarded the upload to
 * the host at once: the site learned the host is installed and could fill the host's temp disk (2 GiB, blocking
 * every other portal's uploads) without the person ever being asked.
 *
 * Now: the site question comes first and nothing reaches the host's document store before "allow"; "allow once"
 * covers the upload and its signing window, so signPdf from an unlisted site is ONE site question, then the usual
 * certificate + PIN window. Real Chromium, real extension, real host and SoftHSM2 token; the host's temp dir is
 * pointed at a folder of the test ($XDG_RUNTIME_DIR and TMPDIR) to see whether any file was written.
 * Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import {
  ROOT, approveInConsent, clickClosing, launchKysoBrowser, makeTestTlsIdentity, pageClosed, waitForConsentPage, type KysoBrowser,
} from '../helpers/browser.js';
import { startStaticServer, type StaticServer } from '../../demo/serve.mjs';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { pdfsig } from '../fixtures/pdf/pdf-test-tools.js';

const UNLISTED = 'portal.kyso-upload-unlisted.vn';

let token: DemoToken;
let browser: KysoBrowser;
let portal: StaticServer;
let hostTmp: string;
let files: string;

beforeAll(async () => {
  token = await createDemoToken();
  hostTmp = await mkdtemp(join(tmpdir(), 'kyso-sec-hosttmp-'));
  files = await mkdtemp(join(tmpdir(), 'kyso-sec-upload-files-'));
  await writeFile(join(files, 'decision.pdf'), await makeVietnameseDocument(2));
  await writeFile(join(files, 'blank.html'), '<!doctype html><meta charset="utf-8"><title>portal</title><p>Cổng chưa được phép</p>');
  const tls = await makeTestTlsIdentity(UNLISTED);
  portal = await startStaticServer({ routes: { '/': files, '/sdk/': join(ROOT, 'dist/sdk') }, tls, publicHost: UNLISTED });
  browser = await launchKysoBrowser({ env: { ...token.env, XDG_RUNTIME_DIR: hostTmp, TMPDIR: hostTmp }, extraArgs: tls.chromiumArgs });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

/** Every file the host has under its temp base (documents go in kyso-<uid>/docs-<pid>-…; old hosts wrote kyso-docs-…). */
async function hostDocumentFiles(): Promise<string[]> {
  const entries = await readdir(hostTmp, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && /\.(in|out)$/.test(e.name)).map((e) => join(e.parentPath, e.name));
}

async function openUnlisted(): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${portal.url}/blank.html`);
  return page;
}

/** The SDK's signPdf inside the page, not awaited (the consent windows are handled meanwhile). */
function signPdfIn(page: Page): Promise<{ code?: string; size?: number; pdf?: string }> {
  return page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    try {
      const r = await sdk.signPdf({ document: await (await fetch('/decision.pdf')).blob(), fileName: 'Quyết định.pdf', invisible: true });
      return { size: r.document.length, pdf: sdk.toBase64(r.document) };
    } catch (error) { return { code: error.code ?? String(error) }; }
  })()`) as Promise<{ code?: string; size?: number; pdf?: string }>;
}

/** A raw kyso.documentBegin posted by the page itself (no SDK), collecting the replies on its port. */
function rawDocumentBegin(page: Page): Promise<Array<{ type: string; error?: { code: string } }>> {
  return page.evaluate(`new Promise((resolve) => {
    const replies = [];
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => { replies.push(event.data); if (event.data.type !== 'kyso.ack') resolve(replies); };
    window.postMessage({ channel: 'kyso/page-request', request: { v: 1, id: 'raw-begin-1', type: 'kyso.documentBegin', payload: { kind: 'cms', size: 1048576 } } },
      location.origin, [channel.port2]);
    setTimeout(() => resolve(replies), 60000);
  })`);
}

describe('uploads before consent (real Chromium)', () => {
  it('an unlisted site\'s signPdf gets the site question before any byte reaches the host; closing it → USER_CANCELLED, nothing stored', async () => {
    const page = await openUnlisted();
    const outcome = signPdfIn(page);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=site-question]');
    expect(await consent.textContent('[data-testid=site-question]')).toContain(portal.url);
    // Give a (wrongly) forwarded upload time to land: the PDF is small, the old code had written it by now.
    await page.waitForTimeout(1500);
    expect(await hostDocumentFiles()).toEqual([]);
    await consent.close();
    expect((await outcome).code).toBe('USER_CANCELLED');
    expect(await hostDocumentFiles()).toEqual([]);
    await page.close();
  });

  it('a raw kyso.documentBegin posted by the page (no SDK) gets no handle before the site question', async () => {
    const page = await openUnlisted();
    const replies = rawDocumentBegin(page);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=site-question]');
    expect(await consent.locator('[data-testid=certificate-option]').count()).toBe(0);
    expect(await hostDocumentFiles()).toEqual([]);
    await consent.close();
    const final = (await replies).find((r) => r.type !== 'kyso.ack');
    expect(final?.type).toBe('kyso.error');
    expect(final?.error?.code).toBe('USER_CANCELLED');
    expect(await hostDocumentFiles()).toEqual([]);
    await page.close();
  });

  it('"allow once" then sign: ONE site question, then the certificate + PIN window; pdfsig says the signature is valid', async () => {
    const page = await openUnlisted();
    const outcome = signPdfIn(page);
    const question = await waitForConsentPage(browser.context);
    await question.waitForSelector('[data-testid=site-allow-once]');
    expect(await hostDocumentFiles()).toEqual([]);
    await clickClosing(question, '[data-testid=site-allow-once]');
    expect(await pageClosed(question)).toBe(true);
    const signing = await waitForConsentPage(browser.context);
    await signing.waitForSelector('[data-testid=certificate-option]');
    expect(await signing.locator('[data-testid=site-question]').count()).toBe(0); // not asked twice
    await approveInConsent(signing, { certificateId: token.cert('org-rsa').certificateId, pin: token.userPin });
    const result = await outcome;
    expect(result.code).toBeUndefined();
    const signedPath = join(files, 'signed.pdf');
    await writeFile(signedPath, Buffer.from(result.pdf!, 'base64'));
    const check = await pdfsig(signedPath);
    expect(check.signatures).toHaveLength(1);
    expect(check.signatures[0]!.valid).toBe(true);
    await page.close();
  });
});
