/**
 * Attack class: a sign-in token forged through a raw-hash signature (docs/security.md, "Forged sign-in through a
 * raw-hash signature").
 *
 * `authenticate` signs H(H(origin) ‖ H(challenge)) (shared/protocol/auth-token.ts). A phishing site that the
 * person has allowed relays a fresh challenge from the REAL portal, computes that digest for the REAL portal's
 * origin, and asks `signHash` to sign it as "a document". If the token signs, the phisher assembles a token the
 * real portal's `verifyAuthToken` accepts, and signs in as the person. Being an allowed site must not be enough:
 * raw-hash signing is opt-in per origin (admin policy `operations`, or the person on the options page).
 *
 * Real Chromium with the built extension, the real host, the SoftHSM2 demo token; both sites are https
 * origins mapped to 127.0.0.1; the portal's check is the SHIPPED dist/sdk/server.js. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { createDemoToken, type DemoCertificateName, type DemoToken } from '../helpers/demo-token.js';
import {
  ROOT, approveInConsent, isConsentPage, launchKysoBrowser, waitForConsentPage, type KysoBrowser,
} from '../helpers/browser.js';
import { allowSiteInOptions, enableSignHashInOptions, openOptionsPage } from '../helpers/options-page.js';
import { startHttpsSites } from '../helpers/https-sites.js';
import type { StaticServer } from '../../demo/serve.mjs';
import type * as ServerSdk from '../../sdk/server/index.js';

const PORTAL = 'dichvucong.example.vn';
const PHISH = 'dichvucong-example.vn';

let token: DemoToken;
let browser: KysoBrowser;
let portal: StaticServer;
let phish: StaticServer;
let serverSdk: typeof ServerSdk;

beforeAll(async () => {
  token = await createDemoToken();
  const pages = await mkdtemp(join(tmpdir(), 'kyso-phish-'));
  await writeFile(join(pages, 'index.html'), '<!doctype html><meta charset="utf-8"><title>Cổng dịch vụ công</title><p>Đăng nhập</p>');
  const sites = await startHttpsSites(pages, [PORTAL, PHISH]);
  [portal, phish] = sites.servers as [StaticServer, StaticServer];
  browser = await launchKysoBrowser({ env: token.env, extraArgs: sites.chromiumArgs });
  // Both are sites the person allowed ("always"): the point is that an allowed site may still not sign raw hashes.
  await allowSiteInOptions(browser, portal.url);
  await allowSiteInOptions(browser, phish.url);
  serverSdk = await import(pathToFileURL(join(ROOT, 'dist/sdk/server.js')).href) as typeof ServerSdk;
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([portal?.close(), phish?.close()]);
});

/** The real portal's server side: issues single-use challenges and checks sign-in tokens with the shipped verifier. */
function realPortalBackend() {
  const issued = new Set<string>();
  return {
    issueChallenge(): string {
      const challenge = randomBytes(32).toString('base64');
      issued.add(challenge);
      return challenge;
    },
    /** 'accepted' or the refusal's code and reason. */
    async signIn(candidate: ServerSdk.AuthToken): Promise<string> {
      if (!issued.delete(candidate.challenge)) return 'unknown challenge';
      const root = new Uint8Array(new X509Certificate(readFileSync(token.rootPem)).raw);
      return serverSdk.verifyAuthToken(candidate, { expectedOrigin: portal.url, expectedChallenge: candidate.challenge, trustedRoots: [root] })
        .then(() => 'accepted', (error: { code?: string; details?: { reason?: string } }) => `${error.code}:${error.details?.reason}`);
    },
  };
}

async function openAt(server: StaticServer): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/`);
  return page;
}

/**
 * The phishing page's script: compute the authenticate digest for the REAL origin exactly as
 * shared/protocol/auth-token.ts does (SHA-256 for RSA and P-256 keys), then ask signHash to sign it.
 */
function phishingScript(realOrigin: string, challenge: string, raw: boolean): string {
  const call = raw
    // Bypassing the SDK: the page's own postMessage to the content script.
    ? `new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = (event) => {
          if (event.data.type === 'kyso.result') resolve(event.data.result);
          else if (event.data.type === 'kyso.error') resolve({ code: event.data.error.code });
        };
        window.postMessage({ channel: 'kyso/page-request', request: { v: 1, id: 'phish-raw-000001', type: 'kyso.signHash',
          payload: { hash: b64(digest), hashAlgorithm: 'SHA-256', description: 'Tờ khai thuế tháng 11' } } }, location.origin, [channel.port2]);
      })`
    : `sdk.signHash({ hash: b64(digest), hashAlgorithm: 'SHA-256', description: 'Tờ khai thuế tháng 11' }).catch((e) => ({ code: e.code ?? String(e), reason: e.details && e.details.reason }))`;
  return `(async () => {
    const sdk = await import('/sdk/kyso.js');
    const sha = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    const enc = (text) => new TextEncoder().encode(text);
    const originHash = await sha(enc(${JSON.stringify(realOrigin)}));
    const challengeHash = await sha(enc(${JSON.stringify(challenge)}));
    const signedData = new Uint8Array(64); signedData.set(originHash, 0); signedData.set(challengeHash, 32);
    const digest = await sha(signedData);
    const b64 = (bytes) => btoa(String.fromCharCode(...bytes));
    return await ${call};
  })()`;
}

interface PhishOutcome {
  /** Whether a consent window opened at all (the person could then be talked into approving it). */
  readonly consentOpened: boolean;
  /** What the phishing page got back from signHash. */
  readonly result: { code?: string; reason?: string; signature?: string; certificate?: string; chain?: string[]; signatureAlgorithm?: string; hashAlgorithm?: string };
}

/**
 * Run the phishing page's call. If a consent window opens, the tricked person approves it with `certificate`
 * (the page's description reads like a tax form): the worst case, which is what the defence must survive.
 */
async function runPhish(page: Page, challenge: string, certificate: DemoCertificateName, raw = false): Promise<PhishOutcome> {
  const pending = page.evaluate(phishingScript(portal.url, challenge, raw)) as Promise<PhishOutcome['result']>;
  const first = await Promise.race([
    pending.then((result) => ({ result })),
    waitForConsentPage(browser.context, 15_000).then((consent) => ({ consent }), () => ({ consent: undefined })),
  ]);
  if ('result' in first) return { consentOpened: browser.context.pages().some((p) => isConsentPage(p) && !p.isClosed()), result: first.result };
  if (!first.consent) return { consentOpened: false, result: await pending };
  await approveInConsent(first.consent, { certificateId: token.cert(certificate).certificateId, pin: token.userPin });
  return { consentOpened: true, result: await pending };
}

/** What the phisher sends to the real portal: a kyso-auth:1 token built from the signHash result. */
function forgedToken(challenge: string, result: PhishOutcome['result']): ServerSdk.AuthToken {
  return {
    format: 'kyso-auth:1', origin: portal.url, challenge,
    certificate: result.certificate!, chain: result.chain ?? [],
    signatureAlgorithm: result.signatureAlgorithm as ServerSdk.AuthToken['signatureAlgorithm'],
    hashAlgorithm: result.hashAlgorithm as ServerSdk.AuthToken['hashAlgorithm'],
    signature: result.signature!,
  };
}

describe('a phishing site cannot forge a sign-in token through signHash', () => {
  it.each(['org-rsa', 'person-ec'] as const)('with %s: the phishing page relays the real challenge, signHash is OPERATION_NOT_ALLOWED, no window opens, the portal refuses whatever it gets', async (certificate) => {
    const backend = realPortalBackend();
    const page = await openAt(phish);
    const challenge = backend.issueChallenge(); // fetched by the phisher's server from the real portal

    const { consentOpened, result } = await runPhish(page, challenge, certificate);
    const portalVerdict = result.signature ? await backend.signIn(forgedToken(challenge, result)) : 'no signature';

    expect(portalVerdict).not.toBe('accepted');
    expect(result.signature).toBeUndefined();
    expect(result.code).toBe('OPERATION_NOT_ALLOWED');
    expect(result.reason).toBe('raw-signing-not-enabled'); // the page's developer learns what would enable it
    expect(consentOpened).toBe(false);
    await page.close();
  });

  it('bypassing the SDK with a raw page message is refused the same way', async () => {
    const backend = realPortalBackend();
    const page = await openAt(phish);
    const challenge = backend.issueChallenge();
    const { consentOpened, result } = await runPhish(page, challenge, 'org-rsa', true);
    expect(result.signature).toBeUndefined();
    expect(result.code).toBe('OPERATION_NOT_ALLOWED');
    expect(consentOpened).toBe(false);
    await page.close();
  });

  it('the same digest through signCms (open to an allowed site, no opt-in) yields a CMS whose signature covers signed attributes: the token built from it is refused', async () => {
    const backend = realPortalBackend();
    const page = await openAt(phish);
    const challenge = backend.issueChallenge();
    const script = phishingScript(portal.url, challenge, false).replace(
      /return await sdk\.signHash\([^\n]*\n/, "return await sdk.signCms({ digest: b64(digest), hashAlgorithm: 'SHA-256', description: 'Tờ khai thuế tháng 11' }).catch((e) => ({ code: e.code }));\n");
    expect(script).toContain('sdk.signCms(');
    const pending = page.evaluate(script) as Promise<{ code?: string; cms?: string; certificate?: string; chain?: string[] }>;
    // Allowed site, not raw: the window opens and the tricked person approves.
    await approveInConsent(await waitForConsentPage(browser.context), { certificateId: token.cert('org-rsa').certificateId, pin: token.userPin });
    const signed = await pending;
    expect(signed.code).toBeUndefined();
    // The phisher digs the signature value out of the CMS SignerInfo [RFC 5652 §5.3] and presents it as a sign-in.
    const der = Buffer.from(signed.cms!, 'base64');
    const content = pkijs.ContentInfo.fromBER(der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength));
    const signerInfo = new pkijs.SignedData({ schema: content.content as asn1js.Sequence }).signerInfos[0]!;
    expect(signerInfo.signedAttrs?.attributes.length).toBeGreaterThan(0);
    const signature = Buffer.from(signerInfo.signature.valueBlock.valueHexView).toString('base64');
    const verdict = await backend.signIn(forgedToken(challenge, {
      signature, certificate: signed.certificate!, chain: signed.chain ?? [], signatureAlgorithm: 'RSASSA-PKCS1-v1_5', hashAlgorithm: 'SHA-256',
    }));
    expect(verdict).toBe('AUTH_TOKEN_INVALID:signature');
    await page.close();
  });

  it('the real portal itself is refused signHash too while nobody enabled it for it (a site allowed to sign in may not sign raw hashes)', async () => {
    const page = await openAt(portal);
    const { consentOpened, result } = await runPhish(page, realPortalBackend().issueChallenge(), 'org-rsa');
    expect(result.code).toBe('OPERATION_NOT_ALLOWED');
    expect(consentOpened).toBe(false);
    await page.close();
  });

  it('the portal\'s own authenticate() still signs in: its token is accepted by the portal', async () => {
    const backend = realPortalBackend();
    const page = await openAt(portal);
    const challenge = backend.issueChallenge();
    const pending = page.evaluate(`import('/sdk/kyso.js').then((sdk) => sdk.authenticate({ challenge: ${JSON.stringify(challenge)} })).catch((e) => ({ code: e.code }))`) as Promise<ServerSdk.AuthToken & { code?: string }>;
    await approveInConsent(await waitForConsentPage(browser.context), { certificateId: token.cert('org-rsa').certificateId, pin: token.userPin });
    const authToken = await pending;
    expect(authToken.code).toBeUndefined();
    expect(await backend.signIn(authToken)).toBe('accepted');
    await page.close();
  });

  it('the options page warns in Vietnamese and English, and enables nothing without the box ticked or for a pattern', async () => {
    const options = await openOptionsPage(browser);
    if (await options.getAttribute('html', 'lang') === 'en') await options.click('[data-testid=lang-toggle]');
    const warning = options.locator('[data-testid=raw-signing-warning]');
    expect(await warning.textContent()).toContain('Chữ ký như vậy có thể dùng để đăng nhập thay bạn ở bất kỳ trang nào.');
    expect(await warning.textContent()).toContain('có thể là một văn bản bất kỳ, hoặc một lần đăng nhập');
    await options.fill('[data-testid=raw-signing-input]', phish.url);
    await options.click('[data-testid=raw-signing-add]');
    expect(await options.textContent('[data-testid=raw-signing-error]')).toBe('Hãy đọc cảnh báo và đánh dấu ô xác nhận trước.');
    await options.fill('[data-testid=raw-signing-input]', 'https://*.example.vn');
    await options.check('[data-testid=raw-signing-understood]');
    await options.click('[data-testid=raw-signing-add]');
    expect(await options.textContent('[data-testid=raw-signing-error]')).toContain('mẫu * chỉ dành cho quản trị viên');
    expect(await options.locator('[data-testid=raw-signing-row]').count()).toBe(0);
    await options.click('[data-testid=lang-toggle]');
    expect(await warning.textContent()).toContain('Such a signature can be used to sign in as you on any site.');
    await options.click('[data-testid=lang-toggle]'); // leave it in Vietnamese
    await options.close();
  });

  it('once the person enables signHash for the phishing origin on the options page, that origin (and only it) can sign raw hashes — the documented risk of the opt-in', async () => {
    await enableSignHashInOptions(browser, phish.url);
    const backend = realPortalBackend();
    const page = await openAt(phish);
    const challenge = backend.issueChallenge();
    const { consentOpened, result } = await runPhish(page, challenge, 'org-rsa');
    // The opt-in is real: the window opens and a signature comes back. This is why the options page warns.
    expect(consentOpened).toBe(true);
    expect(result.signature).toBeDefined();
    const other = await openAt(portal);
    expect((await runPhish(other, backend.issueChallenge(), 'org-rsa')).result.code).toBe('OPERATION_NOT_ALLOWED');
    await Promise.all([page.close(), other.close()]);

    // Turned off again on the options page: refused again, at once.
    const options = await openOptionsPage(browser);
    await options.click(`[data-testid=raw-signing-row][data-origin="${phish.url}"] [data-testid=raw-signing-remove]`);
    await options.waitForSelector(`[data-testid=raw-signing-row][data-origin="${phish.url}"]`, { state: 'detached' });
    await options.close();
    const again = await openAt(phish);
    expect((await runPhish(again, backend.issueChallenge(), 'org-rsa')).result.code).toBe('OPERATION_NOT_ALLOWED');
    await again.close();
  });
});
