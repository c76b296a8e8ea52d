/**
 * Issue 15 §3 "20 tabs × 20 requests at once against one host", in real headless Chromium with the built
 * extension, the real host and the SoftHSM2 token. Each tab fires 19 quick requests (getStatus, and
 * listCertificates with a filter whose answer differs per request) and one signHash over its own text, all at
 * once. Checked: every request settles exactly once with ITS answer (the filter's certificate; a signature that
 * openssl-grade verification accepts over that tab's text), never more than one consent window is open, and the
 * window tells the person how many requests wait behind it ("Còn N yêu cầu đang chờ"). Requires `npm run build`.
 */
import { describe, expect, it } from 'vitest';
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { approveInConsent, isConsentPage, waitForConsentPage } from '../helpers/browser.js';
import { portalFixture } from '../helpers/portal-fixture.js';

const TABS = 20;
const REQUESTS_PER_TAB = 20;
/** Windows the test approves (signatures checked); the others are closed by the person (USER_CANCELLED). */
const APPROVED = 3;

const portal = portalFixture();

const tabText = (tab: number) => `Tờ khai số ${tab} — tab ${tab}`;
const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * In one tab: count every reply message per request id (a wrapper around MessageChannel sees each message the
 * extension posts back), then fire all requests at once and report how each settled.
 */
function fireAll(page: Page, tab: number, identifiers: readonly string[]): Promise<any> {
  return page.evaluate(`(async () => {
    const replies = new Map();
    const Original = window.MessageChannel;
    window.MessageChannel = class extends Original {
      constructor() {
        super();
        this.port1.addEventListener('message', (event) => {
          const d = event.data;
          // Only Kyso's page replies: other channels in the page (the plugin-compatibility shim's) carry messages of their own.
          if (d && typeof d.id === 'string' && (d.type === 'kyso.result' || d.type === 'kyso.error')) replies.set(d.id, (replies.get(d.id) ?? 0) + 1);
        });
      }
    };
    const sdk = await import('/sdk/kyso.js');
    const identifiers = ${JSON.stringify(identifiers)};
    const text = ${JSON.stringify(tabText(tab))};
    const hash = sdk.toBase64(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
    const settle = (kind, asked, promise) => promise.then(
      (value) => ({ kind, asked, value }),
      (error) => ({ kind, asked, error: error.code ?? String(error) }));
    const calls = [];
    for (let i = 0; i < ${REQUESTS_PER_TAB - 1}; i++) {
      if (i % 2 === 0) calls.push(settle('status', null, sdk.getStatus()));
      else { const asked = identifiers[i % identifiers.length]; calls.push(settle('list', asked, sdk.listCertificates({ subjectIdentifier: asked }))); }
    }
    calls.push(settle('sign', text, sdk.signHash({ hash, hashAlgorithm: 'SHA-256', certificateId: ${JSON.stringify(portal.token.cert('org-rsa').certificateId)}, description: text })));
    const results = await Promise.all(calls);
    return { results, replyCounts: [...replies.values()] };
  })()`);
}

describe('load: 20 tabs × 20 requests at once, one host', () => {
  it('every reply reaches its own request exactly once; at most one consent window at a time; the window shows the queue', async () => {
    // A page of the portal's origin with no script of its own: the demo portal's page asks for the status and the
    // certificates when it loads, and under this load that can still be going on when the count below starts.
    await portal.browser.context.route(`${portal.server.url}/load-tab.html`, (route) => route.fulfill({
      status: 200, contentType: 'text/html', body: '<!doctype html><meta charset="utf-8"><title>tab</title><p>Cổng thử nghiệm</p>',
    }));
    const pages: Page[] = [];
    for (let tab = 0; tab < TABS; tab++) {
      const page = await portal.browser.context.newPage();
      await page.goto(`${portal.server.url}/load-tab.html`);
      pages.push(page);
    }
    const usable = portal.token.certificates.filter((c) => c.name !== 'expired-rsa');
    const identifiers = usable.map((c) => c.identifier);
    const idOf = new Map(usable.map((c) => [c.identifier, c.certificateId]));

    // Watch the consent windows the whole time.
    let mostOpenAtOnce = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        mostOpenAtOnce = Math.max(mostOpenAtOnce, portal.browser.context.pages().filter((p) => isConsentPage(p) && !p.isClosed()).length);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const started = Date.now();
    const fired = pages.map((page, tab) => fireAll(page, tab, identifiers));

    // The person works through the windows one by one: approves the first APPROVED, closes the rest.
    const approvedDigests: string[] = [];
    let firstWaiting = -1;
    for (let n = 0; n < TABS; n++) {
      const consent = await waitForConsentPage(portal.browser.context, 60_000);
      const line = consent.locator('[data-testid=consent-queue]');
      if (n === 0) {
        // All 20 signing requests are queued within moments of the burst: 19 wait behind the first window.
        await consent.waitForFunction(() => document.querySelector('[data-testid=consent-queue]')?.getAttribute('data-waiting') === '19', undefined, { timeout: 30_000 });
        firstWaiting = 19;
        expect(await line.innerText()).toBe('Còn 19 yêu cầu đang chờ');
        await consent.click('[data-testid=lang-toggle]');
        expect(await line.innerText()).toBe('19 more requests waiting');
      }
      const digest = (await consent.locator('[data-testid=digest]').textContent() ?? '').trim(); // folded away ("Chi tiết kỹ thuật"): textContent, not innerText
      if (n < APPROVED) {
        approvedDigests.push(digest);
        await approveInConsent(consent, { pin: portal.token.userPin });
      } else {
        await consent.close();
      }
    }
    const tabs = await Promise.all(fired);
    const seconds = (Date.now() - started) / 1000;
    watching = false;
    await watcher;

    const codes: Record<string, number> = {};
    for (const tab of tabs as Array<{ results: any[] }>) for (const r of tab.results) { const k = `${r.kind}:${r.error ?? 'ok'}`; codes[k] = (codes[k] ?? 0) + 1; }
    console.error(`load 20×20 outcomes: ${JSON.stringify(codes)}`);
    let quick = 0;
    let signed = 0;
    let cancelled = 0;
    const cert = createPublicKey(await readFile(portal.token.cert('org-rsa').certPem));
    tabs.forEach((tab: { results: any[]; replyCounts: number[] }, index: number) => {
      expect(tab.results).toHaveLength(REQUESTS_PER_TAB);
      // One reply message per request: none lost, none answered twice.
      expect(tab.replyCounts).toHaveLength(REQUESTS_PER_TAB);
      expect(tab.replyCounts.every((count) => count === 1)).toBe(true);
      for (const r of tab.results) {
        if (r.kind === 'status') {
          expect(r.error, JSON.stringify(r)).toBeUndefined();
          expect(r.value.host.installed).toBe(true);
          quick++;
        } else if (r.kind === 'list') {
          expect(r.error, JSON.stringify(r)).toBeUndefined();
          // Its own answer: the certificate carrying the identifier THIS request asked for.
          expect(r.value.map((c: { id: string }) => c.id)).toContain(idOf.get(r.asked));
          expect(r.value.every((c: { id: string }) => c.id === idOf.get(r.asked))).toBe(true);
          quick++;
        } else if (approvedDigests.includes(sha256Hex(tabText(index)))) {
          expect(r.error, JSON.stringify(r)).toBeUndefined();
          // The signature is over this tab's own text.
          expect(verifySignature('sha256', Buffer.from(tabText(index), 'utf8'), cert, Buffer.from(r.value.signature, 'base64'))).toBe(true);
          signed++;
        } else {
          expect(r.error).toBe('USER_CANCELLED');
          cancelled++;
        }
      }
    });
    console.error(`load 20×20: ${quick} quick replies, ${signed} signatures verified, ${cancelled} cancelled, `
      + `most consent windows open at once ${mostOpenAtOnce}, queue shown ${firstWaiting}, ${seconds.toFixed(1)} s in all`);
    expect(quick).toBe(TABS * (REQUESTS_PER_TAB - 1));
    expect(signed).toBe(APPROVED);
    expect(cancelled).toBe(TABS - APPROVED);
    expect(mostOpenAtOnce).toBe(1);
    for (const page of pages) await page.close();
  }, 300_000);
});
