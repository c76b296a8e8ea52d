/**
 * Who is asking, end to end: the origin shown and decided on comes from the browser. An embedded frame is shown
 * with its top page; an unknown https portal is asked about (allow once / always / block) before any signing.
 * Real Chromium, real host, real SoftHSM2 token. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate, createHash, verify as nodeVerify } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import {
  approveInConsent, clickClosing, launchKysoBrowser, pageClosed, startTestServer, waitForConsentPage, type KysoBrowser,
} from '../helpers/browser.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import { startHttpsSites } from '../helpers/https-sites.js';
import type { StaticServer } from '../../demo/serve.mjs';

const PORTAL = 'portal.example.vn';
const OTHER = 'other.example.vn';

let token: DemoToken;
let browser: KysoBrowser;
let http: StaticServer;
let portal: StaticServer;
let other: StaticServer;

beforeAll(async () => {
  token = await createDemoToken();
  const pages = await mkdtemp(join(tmpdir(), 'kyso-pages-'));
  await writeFile(join(pages, 'blank.html'), '<!doctype html><meta charset="utf-8"><title>portal</title><p>Cổng thử nghiệm</p>');
  http = await startTestServer({ '/pages/': pages });
  const frameUrl = http.url.replace('localhost', '127.0.0.1');
  await writeFile(join(pages, 'top.html'), `<!doctype html><meta charset="utf-8"><title>top</title><iframe src="${frameUrl}/pages/blank.html" width="400" height="200"></iframe>`);
  const sites = await startHttpsSites(pages, [PORTAL, OTHER]);
  [portal, other] = sites.servers as [StaticServer, StaticServer];
  browser = await launchKysoBrowser({ env: token.env, extraArgs: sites.chromiumArgs });
  // signHash is opt-in per origin (README "Admins"): enabled the way a person does it, on the options page, for
  // every origin these tests sign from (the frame's and the top page's). The site question is still asked.
  for (const origin of [http.url, frameUrl, portal.url, other.url]) await enableSignHashInOptions(browser, origin);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([http?.close(), portal?.close(), other?.close()]);
});

const DATA = 'Quyết định số 123/QĐ-UBND';
const HASH_B64 = createHash('sha256').update(DATA, 'utf8').digest('base64');

type Outcome = { code?: string; signature?: string; certificate?: string };

/** Start an SDK call inside a page or frame (as the portal's own script); the promise settles with the outcome. */
function startSdkCall(target: Page | Frame, call: string): Promise<Outcome> {
  return target.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    try { const r = await ${call}; return { code: undefined, signature: r && r.signature, certificate: r && r.certificate }; }
    catch (error) { return { code: error.code ?? String(error) }; }
  })()`) as Promise<Outcome>;
}
const SIGN = `sdk.signHash({ hash: '${HASH_B64}', hashAlgorithm: 'SHA-256', description: 'Quyết định 123' })`;

function expectValidSignature(outcome: Outcome): void {
  expect(outcome.code).toBeUndefined();
  const key = new X509Certificate(Buffer.from(outcome.certificate!, 'base64')).publicKey;
  expect(nodeVerify('sha256', Buffer.from(DATA, 'utf8'), key, Buffer.from(outcome.signature!, 'base64'))).toBe(true);
}

describe('origins come from the browser', () => {
  it('a frame embedded in another origin: the window names the frame and its top page', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${http.url}/pages/top.html`);
    const frameOrigin = http.url.replace('localhost', '127.0.0.1');
    const frame = await (async () => {
      for (let i = 0; i < 100; i++) {
        const found = page.frames().find((f) => f.url().startsWith(frameOrigin));
        if (found) { await found.waitForLoadState('domcontentloaded'); return found; }
        await page.waitForTimeout(50);
      }
      throw new Error('iframe did not load');
    })();
    const outcome = startSdkCall(frame, SIGN);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=certificate-option]');
    expect(await consent.textContent('[data-testid=origin]')).toBe(frameOrigin);
    expect(await consent.isVisible('[data-testid=top-origin]')).toBe(true);
    expect(await consent.textContent('[data-testid=top-origin]')).toContain(http.url);
    await approveInConsent(consent, { certificateId: token.cert('org-rsa').certificateId, pin: token.userPin });
    expectValidSignature(await outcome);
    await page.close();
  });

  it('an unknown https portal is asked about first: allow once, then again; always allow is remembered', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${portal.url}/blank.html`);
    const origin = portal.url;

    // Status from a site nobody allowed tells it nothing.
    expect((await startSdkCall(page, 'sdk.getStatus()')).code).toBe('ORIGIN_NOT_ALLOWED');

    let outcome = startSdkCall(page, SIGN);
    let consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=site-allow-once]');
    expect(await consent.textContent('[data-testid=origin]')).toBe(origin);
    expect(await consent.textContent('[data-testid=site-question]')).toContain(origin);
    await approveInConsent(consent, { site: 'once', pin: token.userPin });
    expectValidSignature(await outcome);

    // "Once" is not remembered: asked again; this time "always".
    outcome = startSdkCall(page, SIGN);
    consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=site-allow-always]');
    await approveInConsent(consent, { site: 'always', pin: token.userPin });
    expectValidSignature(await outcome);

    // Remembered: straight to the signing step, and the site may now read status.
    outcome = startSdkCall(page, SIGN);
    consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=pin]');
    expect(await consent.locator('[data-testid=site-allow-once]').count()).toBe(0);
    await approveInConsent(consent, { pin: token.userPin });
    expectValidSignature(await outcome);
    expect((await startSdkCall(page, 'sdk.getStatus()')).code).toBeUndefined();
    await page.close();
  });

  it('Block: ORIGIN_BLOCKED now and for the next request, without a window', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${other.url}/blank.html`);
    const outcome = startSdkCall(page, SIGN);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=site-block]');
    await clickClosing(consent, '[data-testid=site-block]');
    expect(await pageClosed(consent)).toBe(true);
    expect((await outcome).code).toBe('ORIGIN_BLOCKED');
    expect((await startSdkCall(page, SIGN)).code).toBe('ORIGIN_BLOCKED');
    expect(browser.context.pages().some((p) => p.url().includes('consent.html'))).toBe(false);
    await page.close();
  });
});
