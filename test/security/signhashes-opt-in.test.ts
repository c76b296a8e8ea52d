/**
 * Attack class: a sign-in token (or any other raw signature) obtained through the BATCH raw-hash operation
 * (docs/security.md, "Forged sign-in through a raw-hash signature" and "signHashes: many raw digests, one consent").
 *
 * signHashes signs N page-chosen digests with no signed attributes around them — the same capability as signHash,
 * N times over, so a phisher could hide the sign-in digest H(H(origin) ‖ H(challenge)) of another site among 300
 * "invoices". It must follow EXACTLY signHash's opt-in rule: refused (OPERATION_NOT_ALLOWED, no window) for a site
 * that is merely allowed, in every variant of how the origins can be arranged; possible only for an origin the
 * admin or the person opted in, and then with ONE window that states the count.
 *
 * Part 1 runs the access decision over the variants (frame / top page, admin rules, the person's opt-in, blocks,
 * allowUserOrigins off). Part 2 is the real thing: Chromium with the built extension, the real host, SoftHSM2.
 * Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, verify, X509Certificate } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { decideAccessFrom, type AccessContext } from '../../extension/background/access/access-decision.js';
import { accessContext as ctx, verdictText } from '../helpers/access-context.js';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { approveInConsent, isConsentPage, launchKysoBrowser, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { allowSiteInOptions, enableSignHashInOptions } from '../helpers/options-page.js';
import { startHttpsSites } from '../helpers/https-sites.js';
import type { StaticServer } from '../../demo/serve.mjs';

// ── Part 1: the decision, variant by variant ─────────────────────────────────────────────────────────────

const PORTAL = 'https://hoadondientu.gdt.gov.vn';
const EMBEDDER = 'https://ketoan.example.vn';

const decide = (operation: string, frameOrigin: string, context: AccessContext, topOrigin?: string) =>
  verdictText(decideAccessFrom({ frameOrigin, topOrigin, operation }, context));

const VARIANTS: ReadonlyArray<readonly [string, string, AccessContext, string | undefined, string]> = [
  ['a site the person allowed "always", not opted in', PORTAL, ctx({ allow: [PORTAL] }), undefined, 'deny:OPERATION_NOT_ALLOWED:raw-signing-not-enabled'],
  ['a site the admin allowed, no operations rule', PORTAL, ctx({ policy: { allowedOrigins: [PORTAL] } }), undefined, 'deny:OPERATION_NOT_ALLOWED:raw-signing-not-enabled'],
  ['an unknown site (never even a prompt)', PORTAL, ctx(), undefined, 'deny:OPERATION_NOT_ALLOWED:raw-signing-not-enabled'],
  ['a loopback page of a development build', 'http://localhost:5173', ctx({ dev: true }), undefined, 'deny:OPERATION_NOT_ALLOWED:raw-signing-not-enabled'],
  ['an opted-in frame inside a top page that is not', PORTAL, ctx({ allow: [PORTAL, EMBEDDER], raw: [PORTAL] }), EMBEDDER, 'deny:OPERATION_NOT_ALLOWED:raw-signing-not-enabled'],
  ['a frame that is not opted in inside an opted-in top page', EMBEDDER, ctx({ allow: [PORTAL, EMBEDDER], raw: [PORTAL] }), PORTAL, 'deny:OPERATION_NOT_ALLOWED:raw-signing-not-enabled'],
  ['an admin rule that omits signHash, whatever the person opted in', PORTAL, ctx({ policy: { allowedOrigins: [PORTAL], operations: { [PORTAL]: ['signPdf'] } }, raw: [PORTAL] }), undefined, 'deny:OPERATION_NOT_ALLOWED:not-in-policy'],
  ['the person\'s opt-in while policy forbids persons to allow sites', PORTAL, ctx({ policy: { allowedOrigins: [PORTAL], allowUserOrigins: false }, raw: [PORTAL] }), undefined, 'deny:OPERATION_NOT_ALLOWED:raw-signing-not-enabled'],
  ['a site the person blocked, even opted in', PORTAL, ctx({ block: [PORTAL], raw: [PORTAL] }), undefined, 'deny:ORIGIN_BLOCKED'],
  ['the person opted the allowed site in', PORTAL, ctx({ allow: [PORTAL], raw: [PORTAL] }), undefined, 'allow'],
  ['the admin listed signHash for the site', PORTAL, ctx({ policy: { allowedOrigins: [PORTAL], operations: { [PORTAL]: ['signHash'] } } }), undefined, 'allow'],
];

describe('signHashes follows exactly signHash\'s opt-in rule', () => {
  it.each(VARIANTS)('%s → the same verdict for both', (_name, frame, context, top, expected) => {
    expect(decide('kyso.signHash', frame, context, top)).toBe(expected);
    expect(decide('kyso.signHashes', frame, context, top)).toBe(expected);
  });
});

// ── Part 2: the real extension, host and token ───────────────────────────────────────────────────────────

const SITE = 'hoadon.example.vn';
let token: DemoToken;
let browser: KysoBrowser;
let site: StaticServer;

beforeAll(async () => {
  token = await createDemoToken();
  const pages = await mkdtemp(join(tmpdir(), 'kyso-hashes-'));
  await writeFile(join(pages, 'index.html'), '<!doctype html><meta charset="utf-8"><title>Hóa đơn</title><p>Ký hóa đơn</p>');
  const sites = await startHttpsSites(pages, [SITE]);
  [site] = sites.servers as [StaticServer];
  browser = await launchKysoBrowser({ env: token.env, extraArgs: sites.chromiumArgs });
  await allowSiteInOptions(browser, site.url); // allowed "always": the point is that this is not enough
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

const INVOICES = Array.from({ length: 40 }, (_, i) => `Hóa đơn GTGT số ${String(i + 1).padStart(7, '0')}`);

/** The page's call: through the SDK, or its own postMessage bypassing the SDK. */
function pageScript(raw: boolean): string {
  const request = `({ hashes: await Promise.all(${JSON.stringify(INVOICES)}.map(async (text, i) => ({ hash: b64(await sha(text)), description: 'HĐ ' + (i + 1) }))),
    hashAlgorithm: 'SHA-256', description: 'Hóa đơn tháng 11/2026' })`;
  const call = raw
    ? `new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = (event) => {
          if (event.data.type === 'kyso.result') resolve(event.data.payload);
          else if (event.data.type === 'kyso.error') resolve({ code: event.data.error.code, reason: event.data.error.details && event.data.error.details.reason });
        };
        window.postMessage({ channel: 'kyso/page-request', request: { v: 1, id: 'hashes-raw-0001', type: 'kyso.signHashes', payload: params } }, location.origin, [channel.port2]);
      })`
    : `sdk.signHashes(params).catch((e) => ({ code: e.code ?? String(e), reason: e.details && e.details.reason }))`;
  return `(async () => {
    const sdk = await import('/sdk/kyso.js');
    const sha = async (text) => new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
    const b64 = (bytes) => btoa(String.fromCharCode(...bytes));
    const params = await ${request};
    return await ${call};
  })()`;
}

type Outcome = { code?: string; reason?: string; signatures?: string[]; certificate?: string; signatureAlgorithm?: string };

async function callFromPage(page: Page, raw: boolean): Promise<{ consentOpened: boolean; result: Outcome }> {
  const pending = page.evaluate(pageScript(raw)) as Promise<Outcome>;
  const first = await Promise.race([
    pending.then((result) => ({ result })),
    waitForConsentPage(browser.context, 15_000).then((consent) => ({ consent }), () => ({ consent: undefined })),
  ]);
  if ('result' in first) return { consentOpened: browser.context.pages().some((p) => isConsentPage(p) && !p.isClosed()), result: first.result };
  if (!first.consent) return { consentOpened: false, result: await pending };
  // The worst case: the person approves whatever the window shows.
  await approveInConsent(first.consent, { certificateId: token.cert('org-rsa').certificateId, pin: token.userPin });
  return { consentOpened: true, result: await pending };
}

describe('signHashes in the browser', () => {
  it('an allowed site that is not opted in gets OPERATION_NOT_ALLOWED and no window — through the SDK and by raw message', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/`);
    for (const raw of [false, true]) {
      const { consentOpened, result } = await callFromPage(page, raw);
      expect(result.signatures).toBeUndefined();
      expect(result.code).toBe('OPERATION_NOT_ALLOWED');
      expect(result.reason).toBe('raw-signing-not-enabled');
      expect(consentOpened).toBe(false);
    }
    await page.close();
  });

  it('once the person opts the site in: ONE window states the count, one PIN, 40 signatures that node:crypto verifies', async () => {
    await enableSignHashInOptions(browser, site.url);
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/`);
    const pending = page.evaluate(pageScript(false)) as Promise<Outcome>;
    const consent = await waitForConsentPage(browser.context);
    await consent.locator('[data-testid=description]').waitFor();
    const shown = await consent.locator('[data-testid=description]').innerText();
    expect(shown).toContain('Hóa đơn tháng 11/2026');
    expect(shown).toContain('40 mã băm / 40 digests');
    await approveInConsent(consent, { certificateId: token.cert('org-rsa').certificateId, pin: token.userPin });
    const result = await pending;
    expect(result.code).toBeUndefined();
    expect(result.signatures).toHaveLength(40);
    expect(browser.context.pages().filter((p) => isConsentPage(p) && !p.isClosed())).toHaveLength(0);
    const key = new X509Certificate(Buffer.from(result.certificate!, 'base64')).publicKey;
    result.signatures!.forEach((s, i) => {
      expect(verify('sha256', Buffer.from(INVOICES[i]!, 'utf8'), key, Buffer.from(s, 'base64')), INVOICES[i]).toBe(true);
    });
    expect(createHash('sha256').update(INVOICES[0]!).digest('base64')).not.toBe(createHash('sha256').update(INVOICES[1]!).digest('base64'));
    await page.close();
  });
});
