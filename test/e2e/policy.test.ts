/**
 * Admin policy and the person's allowlist, for real: a managed policy file in /etc/chromium/policies/managed/
 * (the route an admin uses on Linux), headless Chromium with the built extension, the options page, and the
 * SDK called from real pages on loopback origins.
 *
 * The policy file applies to EVERY Chromium started while it exists, so it only names origins on this test's
 * own server ports (nobody else can be serving them) plus https patterns no other test uses, and it is
 * removed in afterAll. Chromium reads it at start and watches the folder (removing the file mid-test drops
 * the policy), so it is written before launching and kept until the end.
 * Requires `npm run build` (a development build: loopback http origins are allowed unless policy blocks them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainToASCII } from 'node:url';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page, Route } from 'playwright-core';
import { CHROMIUM_EXTENSION_ID } from '../../native-host/config.js';
import { createDemoToken } from '../helpers/demo-token.js';
import {
  clickClosing, isConsentPage, launchKysoBrowser, ROOT, startTestServer, waitForConsentPage, type KysoBrowser,
} from '../helpers/browser.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import type { StaticServer } from '../../demo/serve.mjs';

const POLICY_DIR = '/etc/chromium/policies/managed';
const POLICY_FILE = `${POLICY_DIR}/kyso-test-policy-e2e.json`;

let browser: KysoBrowser;
/** Origins on this server: 127.0.0.1:<port> is blocked by policy, localhost:<port> allowed with limited operations. */
let policyServer: StaticServer;
/** An origin policy says nothing about: the person blocks and unblocks it in the options page. */
let userServer: StaticServer;
let blockedOrigin: string;
let limitedOrigin: string;
let userOrigin: string;

beforeAll(async () => {
  policyServer = await startTestServer();
  userServer = await startTestServer();
  blockedOrigin = `http://127.0.0.1:${policyServer.port}`;
  limitedOrigin = `http://localhost:${policyServer.port}`;
  userOrigin = `http://localhost:${userServer.port}`;
  mkdirSync(POLICY_DIR, { recursive: true });
  writePolicy([]);
  // The file stays until afterAll: Chromium watches the folder and drops the policy when the file goes.
  // A real host and token: the consent window only asks about a site once the host found a certificate.
  const token = await createDemoToken();
  browser = await launchKysoBrowser({ env: token.env });
  // https pages on made-up names, answered by Playwright's router: real secure origins for the extension
  // (sender.origin is what the address bar says) without DNS or certificates.
  const sdk = readFileSync(join(ROOT, 'dist/sdk/kyso.js'));
  await browser.context.route(/^https:\/\//, (route: Route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/sdk/kyso.js') return route.fulfill({ status: 200, contentType: 'text/javascript', body: sdk });
    const frame = url.searchParams.get('frame');
    const body = `<!doctype html><meta charset="utf-8"><title>${url.host}</title><p>${url.host}</p>${frame ? `<iframe src="${frame}"></iframe>` : ''}`;
    return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body });
  });
  // The site-question tests below use signHash on unlisted sites; signHash is opt-in per origin, enabled here the
  // way a person does it on the options page (being allowed as a site is a separate question, still asked).
  for (const origin of ['https://unlisted-block.kyso-test.vn', 'https://unlisted-always.kyso-test.vn', 'https://unlisted-probe.kyso-test.vn']) {
    await enableSignHashInOptions(browser, origin);
  }
});

afterAll(async () => {
  rmSync(POLICY_FILE, { force: true });
  await browser?.close();
  await policyServer?.close();
  await userServer?.close();
});

/** The test policy; `extraBlocked` lets a test change it while the browser runs. */
function writePolicy(extraBlocked: readonly string[]): void {
  writeFileSync(POLICY_FILE, JSON.stringify({
    '3rdparty': {
      extensions: {
        [CHROMIUM_EXTENSION_ID]: {
          allowedOrigins: ['https://*.kyso-test.gov.vn', 'https://cổng.thuế.kyso-test.gov.vn', limitedOrigin],
          blockedOrigins: [blockedOrigin, 'https://*.kyso-test-evil.vn', ...extraBlocked],
          allowUserOrigins: true,
          operations: {
            [limitedOrigin]: ['signPdf'], 'https://*.kyso-test.gov.vn': ['signPdf', 'listCertificates'],
            // The admin's way to let one site sign raw hashes (signHash is opt-in per site).
            'https://ky.kyso-test.gov.vn': ['signHash', 'signPdf'],
          },
        },
      },
    },
  }));
}

/** Call the SDK from inside a page as a portal's script would (a string: vitest would rewrite import()). */
function callIn(target: Page | Frame, call: string): Promise<string> {
  return target.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    try { await ${call}; return 'resolved'; } catch (error) { return error.code ?? String(error); }
  })()`);
}

async function sdkOutcome(origin: string, call: string): Promise<string> {
  const page = await browser.context.newPage();
  try {
    await page.goto(`${origin}/`);
    return await callIn(page, call);
  } finally {
    await page.close();
  }
}

/** The SDK called from an iframe of `frameOrigin` inside a top page of `topOrigin`. */
async function sdkOutcomeInFrame(topOrigin: string, frameOrigin: string, call: string): Promise<string> {
  const page = await browser.context.newPage();
  try {
    await page.goto(`${topOrigin}/?frame=${encodeURIComponent(`${frameOrigin}/`)}`);
    const frame = await (await page.waitForSelector('iframe')).contentFrame();
    if (!frame) throw new Error('no iframe');
    await frame.waitForLoadState('load');
    expect(new URL(frame.url()).origin).toBe(frameOrigin);
    return await callIn(frame, call);
  } finally {
    await page.close();
  }
}

/** Open the options page in Vietnamese (the language choice is remembered between visits). */
async function openOptions(): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`chrome-extension://${CHROMIUM_EXTENSION_ID}/ui/options/options.html`);
  await page.waitForSelector('[data-testid=policy-allow-user-origins], [data-testid=policy-none]', { timeout: 20_000 });
  if (await page.getAttribute('html', 'lang') === 'en') await page.click('[data-testid=lang-toggle]');
  return page;
}

const SIGN_HASH = `sdk.signHash({ hash: sdk.toBase64(new Uint8Array(32).fill(7)), hashAlgorithm: 'SHA-256' })`;

describe('managed policy from /etc/chromium/policies/managed', () => {
  it('loads the extension with the fixed ID the policy names', () => {
    expect(browser.extensionId).toBe(CHROMIUM_EXTENSION_ID);
  });

  it('the options page shows the policy, normalised and read-only', async () => {
    const page = await openOptions();
    const allowed = await page.locator('[data-testid=policy-allowed-origin]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['origin']));
    expect(allowed).toEqual(['https://*.kyso-test.gov.vn', `https://${domainToASCII('cổng.thuế.kyso-test.gov.vn')}`, limitedOrigin]);
    // A person reads the Unicode name, with the ASCII form beside it (look-alike letters are an attack).
    const idn = page.locator('[data-testid=policy-allowed-origin]').nth(1);
    expect(await idn.textContent()).toContain('https://cổng.thuế.kyso-test.gov.vn');
    expect(await idn.textContent()).toContain(domainToASCII('cổng.thuế.kyso-test.gov.vn'));
    const blocked = await page.locator('[data-testid=policy-blocked-origin]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['origin']));
    expect(blocked).toEqual([blockedOrigin, 'https://*.kyso-test-evil.vn']);
    const operations = await page.locator('[data-testid=policy-operations]').allTextContents();
    expect(operations).toEqual([`${limitedOrigin}: signPdf`, 'https://*.kyso-test.gov.vn: signPdf, listCertificates', 'https://ky.kyso-test.gov.vn: signHash, signPdf']);
    // The raw-hash signing section names the site the organisation enabled signHash for.
    const rawByPolicy = await page.locator('[data-testid=raw-signing-policy-origin]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['origin']));
    expect(rawByPolicy).toEqual(['https://ky.kyso-test.gov.vn']);
    expect(await page.getAttribute('[data-testid=policy-allow-user-origins]', 'data-value')).toBe('true');
    expect(await page.locator('[data-testid=policy-problem]').count()).toBe(0);
    // Read-only: nothing in the organisation's section can be edited or removed.
    expect(await page.locator('[data-testid=policy-section] :is(input, button, select, textarea)').count()).toBe(0);
    // Vietnamese by default, English on request.
    expect(await page.textContent('#policy-heading')).toBe('Do tổ chức của bạn thiết lập');
    await page.click('[data-testid=lang-toggle]');
    expect(await page.textContent('#policy-heading')).toBe('Set by your organisation');
    await page.close();
    // The choice is remembered for the next visit.
    const again = await browser.context.newPage();
    await again.goto(`chrome-extension://${CHROMIUM_EXTENSION_ID}/ui/options/options.html`);
    await again.waitForSelector('[data-testid=policy-allow-user-origins]');
    expect(await again.textContent('#policy-heading')).toBe('Set by your organisation');
    await again.close();
  });

  it('a blocked origin gets ORIGIN_BLOCKED through the SDK, for status and for signing, and no consent window opens', async () => {
    expect(await sdkOutcome(blockedOrigin, 'sdk.getStatus()')).toBe('ORIGIN_BLOCKED');
    expect(await sdkOutcome(blockedOrigin, SIGN_HASH)).toBe('ORIGIN_BLOCKED');
    expect(browser.context.pages().some(isConsentPage)).toBe(false);
  });

  it('the same server under an allowed origin answers status, and its operations list is enforced', async () => {
    expect(await sdkOutcome(limitedOrigin, 'sdk.getStatus()')).toBe('resolved');
    expect(await sdkOutcome(limitedOrigin, 'sdk.listCertificates()')).toBe('OPERATION_NOT_ALLOWED');
    expect(await sdkOutcome(limitedOrigin, SIGN_HASH)).toBe('OPERATION_NOT_ALLOWED');
  });
});

describe('https origins against policy patterns, in the real background', () => {
  it('a pattern allows subdomains at any depth, not the suffix itself, not look-alikes', async () => {
    expect(await sdkOutcome('https://dichvucong.kyso-test.gov.vn', 'sdk.getStatus()')).toBe('resolved');
    expect(await sdkOutcome('https://a.b.kyso-test.gov.vn', 'sdk.getStatus()')).toBe('resolved');
    for (const outsider of ['https://kyso-test.gov.vn', 'https://evil-kyso-test.gov.vn', 'https://kyso-test.gov.vn.evil.com']) {
      expect(await sdkOutcome(outsider, 'sdk.getStatus()'), outsider).toBe('ORIGIN_NOT_ALLOWED');
    }
  });

  it('the pattern\'s operations list applies: listing passes the access check, signHash does not', async () => {
    const origin = 'https://dichvucong.kyso-test.gov.vn';
    expect(await sdkOutcome(origin, 'sdk.listCertificates()')).toBe('resolved');
    expect(await sdkOutcome(origin, SIGN_HASH)).toBe('OPERATION_NOT_ALLOWED');
  });

  it('signHash: a site whose operations entry lists it may sign raw hashes (window opens); an allowed site without it is refused', async () => {
    const page = await browser.context.newPage();
    await page.goto('https://ky.kyso-test.gov.vn/');
    const outcome = callIn(page, SIGN_HASH);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=certificate-option]');
    await clickClosing(consent, '[data-testid=cancel]');
    expect(await outcome).toBe('USER_CANCELLED');
    await page.close();
    expect(await sdkOutcome('https://khac.kyso-test.gov.vn', SIGN_HASH)).toBe('OPERATION_NOT_ALLOWED');
  });

  it('a blocked pattern blocks every subdomain', async () => {
    expect(await sdkOutcome('https://x.y.kyso-test-evil.vn', 'sdk.getStatus()')).toBe('ORIGIN_BLOCKED');
  });

  it('an iframe needs both its own origin and the top page\'s', async () => {
    const allowed = 'https://dichvucong.kyso-test.gov.vn';
    expect(await sdkOutcomeInFrame(allowed, 'https://other.kyso-test.gov.vn', 'sdk.getStatus()')).toBe('resolved');
    expect(await sdkOutcomeInFrame('https://unlisted.kyso-test.vn', allowed, 'sdk.getStatus()')).toBe('ORIGIN_NOT_ALLOWED');
    expect(await sdkOutcomeInFrame(allowed, 'https://x.kyso-test-evil.vn', 'sdk.getStatus()')).toBe('ORIGIN_BLOCKED');
    expect(await sdkOutcomeInFrame('https://x.kyso-test-evil.vn', allowed, 'sdk.getStatus()')).toBe('ORIGIN_BLOCKED');
  });

  it('an unlisted site is asked about in the consent window; "block" is remembered and shown in the options page', async () => {
    const origin = 'https://unlisted-block.kyso-test.vn';
    expect(await sdkOutcome(origin, 'sdk.getStatus()')).toBe('ORIGIN_NOT_ALLOWED'); // no prompt for status
    const page = await browser.context.newPage();
    await page.goto(`${origin}/`);
    const outcome = callIn(page, SIGN_HASH);
    const consent = await waitForConsentPage(browser.context);
    expect(await consent.textContent('[data-testid=site-question]')).toContain(origin);
    await clickClosing(consent, '[data-testid=site-block]');
    expect(await outcome).toBe('ORIGIN_BLOCKED');
    await page.close();
    expect(await sdkOutcome(origin, 'sdk.getStatus()')).toBe('ORIGIN_BLOCKED');
    const options = await openOptions();
    const row = options.locator(`[data-testid=user-origin-row][data-origin="${origin}"]`);
    expect(await row.getAttribute('data-decision')).toBe('block');
    await row.locator('[data-testid=user-origin-remove]').click();
    await row.waitFor({ state: 'detached' });
    await options.close();
    expect(await sdkOutcome(origin, 'sdk.getStatus()')).toBe('ORIGIN_NOT_ALLOWED');
  });

  it('"always allow" is remembered: the site then gets status without a prompt', async () => {
    const origin = 'https://unlisted-always.kyso-test.vn';
    const page = await browser.context.newPage();
    await page.goto(`${origin}/`);
    const outcome = callIn(page, SIGN_HASH);
    const consent = await waitForConsentPage(browser.context);
    await consent.click('[data-testid=site-allow-always]');
    await consent.waitForSelector('[data-testid=certificate-option]');
    await clickClosing(consent, '[data-testid=cancel]');
    expect(await outcome).toBe('USER_CANCELLED');
    await page.close();
    expect(await sdkOutcome(origin, 'sdk.getStatus()')).toBe('resolved');
  });
});

describe('trust boundary: an unlisted site is asked before Kyso talks to the host (router, not the access policy)', () => {
  // Regression: the router used to list tokens and certificates on the host BEFORE the site question, so an
  // unlisted site learnt, without any prompt, whether a token is plugged in (TOKEN_NOT_PRESENT) and whether the
  // person holds a certificate for a given MST/CCCD (CERTIFICATE_NOT_FOUND). Fixed with ConsentRequest.prepareSign.
  it('an unlisted site probing for a certificate by MST gets the site question before any answer', async () => {
    const origin = 'https://unlisted-probe.kyso-test.vn';
    const page = await browser.context.newPage();
    await page.goto(`${origin}/`);
    const outcome = callIn(page, `sdk.signHash({ hash: sdk.toBase64(new Uint8Array(32)), hashAlgorithm: 'SHA-256', filter: { subjectIdentifier: 'MST:9999999999' } })`);
    try {
      const consent = await waitForConsentPage(browser.context, 5_000);
      await clickClosing(consent, '[data-testid=site-block]');
      expect(await outcome).toBe('ORIGIN_BLOCKED');
    } finally {
      await outcome.catch(() => undefined);
      await page.close();
    }
  });
});

describe('the person\'s list in the options page', () => {
  it('refuses a malformed entry with a message, in the chosen language', async () => {
    const page = await openOptions();
    await page.fill('[data-testid=user-origin-input]', 'https://dichvucong.gov.vn/thu-tuc');
    await page.click('[data-testid=user-origin-add]');
    await expect.poll(() => page.textContent('[data-testid=user-origin-error]'), { timeout: 5_000 }).toContain('không kèm đường dẫn');
    await page.click('[data-testid=lang-toggle]');
    await expect.poll(() => page.textContent('[data-testid=user-origin-error]'), { timeout: 5_000 }).toContain('without a path');
    await page.fill('[data-testid=user-origin-input]', 'https://*.gov.vn');
    await page.click('[data-testid=user-origin-add]');
    await expect.poll(() => page.textContent('[data-testid=user-origin-error]'), { timeout: 5_000 }).toContain('patterns are for administrators');
    const stored = await page.locator('[data-testid=user-origin-row]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['origin']));
    expect(stored.filter((o) => o?.includes('dichvucong.gov.vn') || o?.includes('*'))).toEqual([]);
    await page.close();
  });

  it('blocking a site there makes the SDK on that site fail with ORIGIN_BLOCKED; removing it restores access', async () => {
    expect(await sdkOutcome(userOrigin, 'sdk.getStatus()')).toBe('resolved');

    const page = await openOptions();
    await page.fill('[data-testid=user-origin-input]', `  ${userOrigin.toUpperCase().replace('HTTP://', 'http://')}/  `);
    await page.selectOption('[data-testid=user-origin-decision]', 'block');
    await page.click('[data-testid=user-origin-add]');
    const row = page.locator(`[data-testid=user-origin-row][data-origin="${userOrigin}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getAttribute('data-decision')).toBe('block');
    expect(await page.isHidden('[data-testid=user-origin-error]')).toBe(true);

    expect(await sdkOutcome(userOrigin, 'sdk.getStatus()')).toBe('ORIGIN_BLOCKED');
    expect(await sdkOutcome(userOrigin, SIGN_HASH)).toBe('ORIGIN_BLOCKED');

    await row.locator('[data-testid=user-origin-remove]').click();
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await sdkOutcome(userOrigin, 'sdk.getStatus()')).toBe('resolved');
    await page.close();
  });

  it('the person cannot allow a site the organisation blocked', async () => {
    const page = await openOptions();
    await page.fill('[data-testid=user-origin-input]', blockedOrigin);
    await page.selectOption('[data-testid=user-origin-decision]', 'allow');
    await page.click('[data-testid=user-origin-add]');
    const refusal = 'Tổ chức của bạn đã chặn trang này.';
    const errorText = () => page.textContent('[data-testid=user-origin-error]');
    try {
      await expect.poll(errorText, { timeout: 5_000 }).toBe(refusal);
    } catch {
      // Seen once in CI under load 10: no message after 5 s. Say what the page showed, then submit once more as a
      // person would; the assertions below still fail if the page lets the blocked site in or stays silent.
      const shown = await page.evaluate(() => ({
        input: (document.querySelector('[data-testid=user-origin-input]') as HTMLInputElement | null)?.value,
        blockedShown: [...document.querySelectorAll<HTMLElement>('[data-testid=policy-blocked-origin]')].map((e) => e.dataset['origin']),
        rows: [...document.querySelectorAll<HTMLElement>('[data-testid=user-origin-row]')].map((e) => `${e.dataset['origin']}=${e.dataset['decision']}`),
        lang: document.documentElement.lang,
      }));
      console.warn(`policy.test: no refusal 5 s after the first submit; the page showed ${JSON.stringify(shown)}`);
      await page.click('[data-testid=user-origin-add]');
      await expect.poll(errorText, { timeout: 10_000 }).toBe(refusal);
    }
    expect(await page.locator(`[data-testid=user-origin-row][data-origin="${blockedOrigin}"]`).count()).toBe(0);
    await page.close();
  });
});

describe('a policy change while the browser runs', () => {
  it('applies without a restart: Chromium re-reads the folder and the extension drops its cached policy', async () => {
    expect(await sdkOutcome(userOrigin, 'sdk.getStatus()')).toBe('resolved');
    writePolicy([userOrigin]);
    // Chromium waits for the folder to settle (seconds) before reloading; poll like a person pressing F5.
    const deadline = Date.now() + 45_000;
    let outcome = 'resolved';
    while (outcome !== 'ORIGIN_BLOCKED' && Date.now() < deadline) {
      await new Promise((ok) => setTimeout(ok, 1000));
      outcome = await sdkOutcome(userOrigin, 'sdk.getStatus()');
    }
    expect(outcome).toBe('ORIGIN_BLOCKED');
    const page = await openOptions();
    const blocked = await page.locator('[data-testid=policy-blocked-origin]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['origin']));
    expect(blocked).toContain(userOrigin);
    await page.close();
  }, 90_000);
});
