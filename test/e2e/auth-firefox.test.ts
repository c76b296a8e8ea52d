/**
 * authenticate() in Firefox ESR (dist/firefox as a temporary add-on, real host and SoftHSM2 token): the token
 * carries the origin Firefox reports and verifies with the shipped dist/sdk/server.js.
 * Requires `npm run build` and firefox-esr; skipped, visibly, without Firefox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { approveInFirefoxConsent, FIREFOX_PATH, launchKysoFirefox, ROOT, startTestServer, waitForFirefoxConsentPage, type KysoFirefox } from '../helpers/browser.js';
import type { StaticServer } from '../../demo/serve.mjs';
import type * as ServerSdk from '../../sdk/server/index.js';

describe(`authenticate() in Firefox (${FIREFOX_PATH})`, () => {
  let token: DemoToken;
  let firefox: KysoFirefox;
  let server: StaticServer;

  beforeAll(async () => {
    token = await createDemoToken();
    firefox = await launchKysoFirefox({ env: token.env });
    server = await startTestServer();
  });
  afterAll(async () => {
    await firefox?.close();
    await server?.close();
  });

  it('the person signs in with the EC certificate; the server verifies the token for this origin only', async () => {
    const serverSdk = await import(pathToFileURL(join(ROOT, 'dist/sdk/server.js')).href) as typeof ServerSdk;
    const page = await firefox.browser.newPage();
    await page.goto(`${server.url}/`);
    const challenge = randomBytes(32).toString('base64');
    const outcome = page.evaluate(`(async () => {
      const sdk = await import('/sdk/kyso.js');
      try { return { token: await sdk.authenticate({ challenge: ${JSON.stringify(challenge)} }) }; } catch (error) { return { code: error.code ?? String(error) }; }
    })()`) as Promise<{ token?: ServerSdk.AuthToken; code?: string }>;
    const consent = await waitForFirefoxConsentPage(firefox.browser);
    await consent.waitForSelector('[data-testid=pin]');
    expect(await consent.$eval('[data-testid=description]', (el) => el.textContent)).toContain(`Đăng nhập vào ${server.url}`);
    await approveInFirefoxConsent(consent, { certificateId: token.cert('person-ec').certificateId, pin: token.userPin });
    const result = await outcome;
    expect(result.code).toBeUndefined();
    const root = new Uint8Array(new X509Certificate(readFileSync(token.rootPem)).raw);
    const verified = await serverSdk.verifyAuthToken(result.token, { expectedOrigin: server.url, expectedChallenge: challenge, trustedRoots: [root] });
    expect(verified.certificate.subject.identifiers.all).toContain(token.cert('person-ec').identifier);
    await expect(serverSdk.verifyAuthToken(result.token, { expectedOrigin: 'http://localhost:1', expectedChallenge: challenge })).rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID' });
    await page.close();
  });
});
