/**
 * Attack class: a sign-in token forged through a raw-hash signature — second line of defence, for tokens that
 * hold a separate AUTHENTICATION certificate beside the signing one (docs/security.md, "Forged sign-in through a
 * raw-hash signature").
 *
 * `authenticate` signs with the authentication key only; document signing and signHash never offer it. So even a
 * site the person (wrongly) enabled signHash for gets signatures from the SIGNING key only, and a portal that
 * checks with `requireAuthenticationCertificate` never lets such a signature sign anyone in.
 *
 * Real Chromium with the built extension, the real host, a SoftHSM2 token holding two certificates of one person
 * (test/helpers/two-certificate-token.ts); the portal's check is the SHIPPED dist/sdk/server.js. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import {
  ROOT, approveInConsent, launchKysoBrowser, waitForConsentPage, type KysoBrowser,
} from '../helpers/browser.js';
import { allowSiteInOptions, enableSignHashInOptions } from '../helpers/options-page.js';
import { createTwoCertificateToken, type TwoCertificateToken } from '../helpers/two-certificate-token.js';
import { startHttpsSites } from '../helpers/https-sites.js';
import type { StaticServer } from '../../demo/serve.mjs';
import type * as ServerSdk from '../../sdk/server/index.js';

const PORTAL = 'vneid.example.vn';
const PHISH = 'vneid-example.vn';

let token: TwoCertificateToken;
let browser: KysoBrowser;
let portal: StaticServer;
let phish: StaticServer;
let serverSdk: typeof ServerSdk;

beforeAll(async () => {
  token = await createTwoCertificateToken();
  const pages = await mkdtemp(join(tmpdir(), 'kyso-eid-'));
  await writeFile(join(pages, 'index.html'), '<!doctype html><meta charset="utf-8"><title>Cổng</title><p>Cổng thử nghiệm</p>');
  const sites = await startHttpsSites(pages, [PORTAL, PHISH]);
  [portal, phish] = sites.servers as [StaticServer, StaticServer];
  browser = await launchKysoBrowser({ env: token.env, extraArgs: sites.chromiumArgs });
  await allowSiteInOptions(browser, portal.url);
  await allowSiteInOptions(browser, phish.url);
  // The worst case for this file: the person was talked into enabling signHash for the phishing site.
  await enableSignHashInOptions(browser, phish.url);
  serverSdk = await import(pathToFileURL(join(ROOT, 'dist/sdk/server.js')).href) as typeof ServerSdk;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([portal?.close(), phish?.close()]);
  await token?.pki.dispose();
});

async function openAt(server: StaticServer): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/`);
  return page;
}

/** The certificate options in the consent window: id → { disabled, reasons, checked }. */
async function offered(consent: Page): Promise<Record<string, { disabled: boolean; reasons: string; checked: boolean }>> {
  await consent.waitForSelector('[data-testid=certificate-option]');
  return consent.$$eval('[data-testid=certificate-option]', (options) => Object.fromEntries(options.map((o) => {
    const input = o.querySelector('input') as HTMLInputElement;
    const reasons = (o.querySelector('[data-testid=unusable-reason]') as HTMLElement | null)?.dataset['reasons'] ?? '';
    return [(o as HTMLElement).dataset['certificateId'], { disabled: input.disabled, reasons, checked: input.checked }];
  })));
}

function verifyAtPortal(authToken: ServerSdk.AuthToken, challenge: string): Promise<string> {
  return serverSdk.verifyAuthToken(authToken, {
    expectedOrigin: portal.url, expectedChallenge: challenge, trustedRoots: [token.rootDer], requireAuthenticationCertificate: true,
  }).then(() => 'accepted', (error: { code?: string; details?: { reason?: string } }) => `${error.code}:${error.details?.reason}`);
}

const certificateIdOf = (base64Der: string) => createHash('sha256').update(Buffer.from(base64Der, 'base64')).digest('base64url');

describe('a token with an authentication and a signing certificate', () => {
  it('authenticate offers only the authentication certificate (the signing one greyed out: notForSignIn); the portal accepts the token', async () => {
    const page = await openAt(portal);
    const challenge = randomBytes(32).toString('base64');
    const pending = page.evaluate(`import('/sdk/kyso.js').then((sdk) => sdk.authenticate({ challenge: ${JSON.stringify(challenge)} })).catch((e) => ({ code: e.code }))`) as Promise<ServerSdk.AuthToken & { code?: string }>;
    const consent = await waitForConsentPage(browser.context);
    const options = await offered(consent);
    expect(options[token.authenticationId]).toMatchObject({ disabled: false, checked: true });
    expect(options[token.signingId]).toMatchObject({ disabled: true });
    expect(options[token.signingId]!.reasons).toContain('notForSignIn');
    await approveInConsent(consent, { pin: token.userPin });
    const authToken = await pending;
    expect(authToken.code).toBeUndefined();
    expect(certificateIdOf(authToken.certificate)).toBe(token.authenticationId);
    expect(await verifyAtPortal(authToken, challenge)).toBe('accepted');
    await page.close();
  });

  it('signHash (even at a site the person enabled it for) offers only the signing certificate (authenticationOnly); the forged sign-in token is refused', async () => {
    const page = await openAt(phish);
    const challenge = randomBytes(32).toString('base64'); // relayed from the real portal
    const digest = createHash('sha256').update(Buffer.concat([
      createHash('sha256').update(portal.url, 'utf8').digest(), createHash('sha256').update(challenge, 'utf8').digest(),
    ])).digest('base64');
    const pending = page.evaluate(`import('/sdk/kyso.js').then((sdk) => sdk.signHash({ hash: '${digest}', hashAlgorithm: 'SHA-256', description: 'Tờ khai' })).catch((e) => ({ code: e.code }))`) as Promise<{ code?: string; signature: string; certificate: string; chain: string[]; signatureAlgorithm: string; hashAlgorithm: string }>;
    const consent = await waitForConsentPage(browser.context);
    const options = await offered(consent);
    expect(options[token.signingId]).toMatchObject({ disabled: false, checked: true });
    expect(options[token.authenticationId]).toMatchObject({ disabled: true });
    expect(options[token.authenticationId]!.reasons).toContain('authenticationOnly');

    // A crafted approve of the authentication certificate, sent from the consent page itself, is refused.
    const crafted = await consent.evaluate(async ([certificateId, pin]) => {
      const sessionId = new URLSearchParams(location.search).get('session');
      return (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<{ outcome: string; error?: { code: string } }> } } })
        .chrome.runtime.sendMessage({ kind: 'consent.approve', sessionId, certificateId, pin });
    }, [token.authenticationId, token.userPin] as const);
    expect(crafted.outcome).toBe('retry');
    expect(crafted.error?.code).toBe('CERTIFICATE_NOT_USABLE');

    await approveInConsent(consent, { pin: token.userPin });
    const result = await pending;
    expect(result.code).toBeUndefined();
    expect(certificateIdOf(result.certificate)).toBe(token.signingId);
    const forged = {
      format: 'kyso-auth:1' as const, origin: portal.url, challenge, certificate: result.certificate, chain: result.chain,
      signatureAlgorithm: result.signatureAlgorithm as ServerSdk.AuthToken['signatureAlgorithm'],
      hashAlgorithm: result.hashAlgorithm as ServerSdk.AuthToken['hashAlgorithm'], signature: result.signature,
    };
    expect(await verifyAtPortal(forged, challenge)).toBe('AUTH_TOKEN_INVALID:certificate-purpose');
    await page.close();
  });
});
