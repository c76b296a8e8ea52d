/**
 * Sign-in with the token, end to end with real parts: a page on http://localhost calls `authenticate()` in
 * headless Chromium, the person approves "Sign in to <origin>" with the PIN in the consent window, the SoftHSM2
 * token signs, and the token is checked in Node with the SHIPPED server verifier (dist/sdk/server.js) against
 * the demo PKI's root. Requires `npm run build`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { approveInConsent, isConsentPage, pageClosed, ROOT, waitForConsentPage } from '../helpers/browser.js';
import { portalFixture } from '../helpers/portal-fixture.js';
import type * as ServerSdk from '../../sdk/server/index.js';

const portal = portalFixture({ signHash: false });
let serverSdk: typeof ServerSdk;

beforeAll(async () => {
  serverSdk = await import(pathToFileURL(join(ROOT, 'dist/sdk/server.js')).href) as typeof ServerSdk;
});

const rootDer = () => new Uint8Array(new X509Certificate(readFileSync(portal.token.rootPem)).raw);

async function openPage(): Promise<Page> {
  const page = await portal.browser.context.newPage();
  await page.goto(`${portal.server.url}/`);
  return page;
}

/** Run authenticate() in the page; resolves with the token or the error code. */
function authenticateIn(page: Page, params: string): Promise<{ token?: unknown; code?: string }> {
  return page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    try { return { token: await sdk.authenticate(${params}) }; } catch (error) { return { code: error.code ?? String(error) }; }
  })()`);
}

async function noConsentWindowWithin(ms: number): Promise<boolean> {
  await new Promise((r) => setTimeout(r, ms));
  return !portal.browser.context.pages().some((p) => isConsentPage(p) && !p.isClosed());
}

describe('authenticate(): sign in with the token', () => {
  it.each(['person-ec', 'org-rsa'] as const)('with %s: the window says "sign in to <origin>", the token verifies on the server with the browser\'s origin', async (name) => {
    const page = await openPage();
    const challenge = randomBytes(32).toString('base64');
    const outcome = authenticateIn(page, JSON.stringify({ challenge }));

    const consent = await waitForConsentPage(portal.browser.context);
    expect(await consent.textContent('[data-testid=origin]')).toBe(portal.server.url);
    await consent.waitForSelector('[data-testid=certificate-option]');
    // Sign-in is not a document: the window names the site, and shows no digest to approve.
    expect(await consent.textContent('[data-testid=description]')).toBe(`Đăng nhập vào ${portal.server.url} bằng chứng thư số của bạn.`);
    expect(await consent.locator('[data-testid=digest]').count()).toBe(0);
    expect(await consent.textContent('[data-testid=approve]')).toBe('Đăng nhập');
    await approveInConsent(consent, { certificateId: portal.token.cert(name).certificateId, pin: portal.token.userPin });
    expect(await pageClosed(consent)).toBe(true);

    const result = await outcome;
    expect(result.code).toBeUndefined();
    const authToken = result.token as ServerSdk.AuthToken;
    expect(authToken.origin).toBe(portal.server.url);
    const verified = await serverSdk.verifyAuthToken(authToken, { expectedOrigin: portal.server.url, expectedChallenge: challenge, trustedRoots: [rootDer()] });
    expect(verified.certificate.subject.identifiers.all).toContain(portal.token.cert(name).identifier);
    // The same token presented to another site's server, or for another challenge, is refused.
    await expect(serverSdk.verifyAuthToken(authToken, { expectedOrigin: 'https://dichvucong.gov.vn', expectedChallenge: challenge }))
      .rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID', details: { reason: 'origin' } });
    await expect(serverSdk.verifyAuthToken(authToken, { expectedOrigin: portal.server.url, expectedChallenge: randomBytes(32).toString('base64') }))
      .rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID', details: { reason: 'challenge' } });
    await page.close();
  });

  it('a page that passes its own origin in the payload is refused by schema (SDK and raw message), no window opens', async () => {
    const page = await openPage();
    const challenge = randomBytes(32).toString('base64');
    expect(await authenticateIn(page, JSON.stringify({ challenge, origin: 'https://dichvucong.gov.vn' }))).toEqual({ code: 'BAD_REQUEST' });
    // Bypassing the SDK: the content script's schema refuses it before the background sees it.
    const raw = await page.evaluate(`new Promise((resolve) => {
      const channel = new MessageChannel();
      const replies = [];
      channel.port1.onmessage = (event) => { replies.push(event.data); if (event.data.type !== 'kyso.ack') resolve(replies); };
      window.postMessage({ channel: 'kyso/page-request', request: { v: 1, id: 'forged-origin-0001', type: 'kyso.authenticate',
        payload: { challenge: ${JSON.stringify(challenge)}, origin: 'https://dichvucong.gov.vn' } } }, location.origin, [channel.port2]);
      setTimeout(() => resolve(replies), 3000);
    })`) as Array<{ type: string; error?: { code: string } }>;
    expect(raw.map((r) => r.type)).toEqual(['kyso.error']);
    expect(raw[0]?.error?.code).toBe('BAD_REQUEST');
    expect(await noConsentWindowWithin(500)).toBe(true);
    await page.close();
  });

  it('a challenge shorter than 32 bytes or not base64 is BAD_REQUEST before any window', async () => {
    const page = await openPage();
    expect(await authenticateIn(page, JSON.stringify({ challenge: randomBytes(16).toString('base64') }))).toEqual({ code: 'BAD_REQUEST' });
    expect(await authenticateIn(page, JSON.stringify({ challenge: 'not base64!'.repeat(5) }))).toEqual({ code: 'BAD_REQUEST' });
    expect(await noConsentWindowWithin(300)).toBe(true);
    await page.close();
  });
});
