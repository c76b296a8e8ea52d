/**
 * Attack suite, page hop, in real headless Chromium with the built extension, the real host and a SoftHSM2
 * token. Each named attack ends with no signature produced, a typed error at the page, nothing left hanging
 * (no consent window left open) and the next legitimate request still signing.
 * Scenarios already covered elsewhere (not repeated here): iframe/top-page combinations and blocked sites
 * (test/e2e/policy.test.ts, spine-origins.test.ts), navigating away mid-request and closing the consent window
 * (spine.test.ts), unlisted site probing for an MST (policy.test.ts).
 * https/http test origins are answered by Playwright's router: the extension sees what the address bar says.
 * Requires `npm run build`.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Route } from 'playwright-core';
import { CHROMIUM_EXTENSION_ID } from '../../native-host/config.js';
import { MAX_PENDING_REQUESTS_PER_PAGE, PAGE_MESSAGE_MAX_BYTES } from '../../shared/limits.js';
import { approveInConsent, clickClosing, isConsentPage, pageClosed, ROOT, waitForConsentPage } from '../helpers/browser.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import { portalFixture } from '../helpers/portal-fixture.js';

const portal = portalFixture();

beforeAll(async () => {
  await enableSignHashInOptions(portal.browser, 'https://portal.kyso-attack-unlisted.vn');
  const sdk = readFileSync(join(ROOT, 'dist/sdk/kyso.js'));
  await portal.browser.context.route(/^https?:\/\/[^/]*kyso-attack/, (route: Route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/sdk/kyso.js') return route.fulfill({ status: 200, contentType: 'text/javascript', body: sdk });
    return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: `<!doctype html><meta charset="utf-8"><title>${url.host}</title><p>${url.host}</p>` });
  });
});

// A failed test must not leave a window that the next test would take for its own.
afterEach(async () => {
  for (const page of portal.browser.context.pages()) if (!isConsentPage(page)) await page.close().catch(() => undefined);
  if (!await noConsentWindowAfter(5000)) for (const page of openConsentWindows()) await page.close().catch(() => undefined);
});


const SIGN = `sdk.signHash({ hash: sdk.toBase64(new Uint8Array(32).fill(9)), hashAlgorithm: 'SHA-256', description: 'attack test' })`;

async function open(url: string): Promise<Page> {
  const page = await portal.browser.context.newPage();
  await page.goto(url);
  return page;
}

/** Run an SDK call in the page (string: vitest would rewrite import()); resolves with 'resolved' or the code. */
function callIn(page: Page, expression: string): Promise<string> {
  return page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    try { await ${expression}; return 'resolved'; } catch (error) { return error.code ?? String(error); }
  })()`);
}

const openConsentWindows = () => portal.browser.context.pages().filter((p) => isConsentPage(p) && !p.isClosed());

async function noConsentWindowAfter(ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (openConsentWindows().length === 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return openConsentWindows().length === 0;
}

/** The next legitimate request from the allowed portal still signs. */
async function legitimateSigningWorks(): Promise<void> {
  const page = await open(`${portal.server.url}/`);
  const outcome = callIn(page, SIGN);
  const consent = await waitForConsentPage(portal.browser.context);
  await approveInConsent(consent, { certificateId: portal.token.cert('org-rsa').certificateId, pin: portal.token.userPin });
  expect(await outcome).toBe('resolved');
  await page.close();
}

/**
 * Post a raw request the way a page script can (bypassing the SDK), collecting every reply on its port until
 * a final one or `waitMs`. `port: false` posts without a port.
 */
function rawPost(page: Page, request: unknown, options: { waitMs?: number; port?: boolean; channel?: string } = {}): Promise<Array<{ type: string; id?: string; error?: { code: string } }>> {
  return page.evaluate(`new Promise((resolve) => {
    const replies = [];
    const message = { channel: ${JSON.stringify(options.channel ?? 'kyso/page-request')}, request: ${typeof request === 'string' ? request : JSON.stringify(request)} };
    if (${options.port === false}) { window.postMessage(message, location.origin); setTimeout(() => resolve(replies), ${options.waitMs ?? 1500}); return; }
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => { replies.push(event.data); if (event.data.type !== 'kyso.ack') resolve(replies); };
    window.postMessage(message, location.origin, [channel.port2]);
    setTimeout(() => resolve(replies), ${options.waitMs ?? 5000});
  })`);
}

describe('attacks from pages', () => {
  it('a site not on any list (https, production-like): status and listing refused without a window; signing only gets the site question; closing it → USER_CANCELLED', async () => {
    const page = await open('https://portal.kyso-attack-unlisted.vn/');
    expect(await callIn(page, 'sdk.getStatus()')).toBe('ORIGIN_NOT_ALLOWED');
    expect(await callIn(page, 'sdk.listCertificates()')).toBe('ORIGIN_NOT_ALLOWED');
    expect(await noConsentWindowAfter(300)).toBe(true);
    const outcome = callIn(page, SIGN);
    const consent = await waitForConsentPage(portal.browser.context);
    await consent.waitForSelector('[data-testid=site-question]');
    // Nothing about the token is shown before the person allows the site.
    expect(await consent.locator('[data-testid=certificate-option]').count()).toBe(0);
    await consent.close();
    expect(await outcome).toBe('USER_CANCELLED');
    expect(await noConsentWindowAfter(2000)).toBe(true);
    await page.close();
    await legitimateSigningWorks();
  });

  it('an http:// site that is not localhost gets INSECURE_ORIGIN for every operation, without a window', async () => {
    const page = await open('http://portal.kyso-attack-insecure.vn/');
    for (const call of ['sdk.getStatus()', 'sdk.listCertificates()', SIGN]) expect(await callIn(page, call)).toBe('INSECURE_ORIGIN');
    expect(await noConsentWindowAfter(500)).toBe(true);
    await page.close();
  });

  it('forged kyso.result messages posted on the window do not resolve the portal\'s pending request', async () => {
    const page = await open(`${portal.server.url}/`);
    await page.evaluate(`(async () => {
      const sdk = await import('/sdk/kyso.js');
      window.__outcome = 'pending';
      sdk.signHash({ hash: sdk.toBase64(new Uint8Array(32).fill(3)), hashAlgorithm: 'SHA-256' })
        .then((r) => { window.__outcome = 'resolved:' + r.signature; }, (e) => { window.__outcome = e.code; });
    })()`);
    const consent = await waitForConsentPage(portal.browser.context);
    // A hostile script or frame sprays forged replies at the window with every plausible shape.
    await page.evaluate(`(() => {
      const forged = { signature: 'Rk9SR0VE', signatureAlgorithm: 'RSASSA-PKCS1-v1_5', hashAlgorithm: 'SHA-256', certificate: 'Rk9SR0VE', chain: [] };
      for (const id of ['unknown', 'req-0001', 'a'.repeat(22)]) {
        window.postMessage({ v: 1, id, type: 'kyso.ack' }, '*');
        window.postMessage({ v: 1, id, type: 'kyso.result', payload: forged }, '*');
        window.postMessage({ channel: 'kyso/page-reply', reply: { v: 1, id, type: 'kyso.result', payload: forged } }, '*');
      }
    })()`);
    await new Promise((r) => setTimeout(r, 500));
    expect(await page.evaluate('window.__outcome')).toBe('pending');
    await clickClosing(consent, '[data-testid=cancel]');
    await page.waitForFunction(`window.__outcome !== 'pending'`);
    expect(await page.evaluate('window.__outcome')).toBe('USER_CANCELLED');
    await page.close();
  });

  it('a script that hijacks the page\'s postMessage and answers on the SDK\'s own port cannot pass off a forged signature (PROTOCOL_ERROR)', async () => {
    const page = await open(`${portal.server.url}/`);
    const certificate = readFileSync(portal.token.cert('org-rsa').certPem, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const outcome = await page.evaluate(`(async () => {
      const sdk = await import('/sdk/kyso.js');
      const original = window.postMessage.bind(window);
      window.postMessage = (message, origin, transfer) => {
        const port = transfer && transfer[0];
        if (!port) return original(message, origin, transfer);
        const id = message.request.id;
        port.postMessage({ v: 1, id, type: 'kyso.ack' });
        port.postMessage({ v: 1, id, type: 'kyso.result', payload: {
          signature: btoa(String.fromCharCode(...new Uint8Array(256).fill(7))), signatureAlgorithm: 'RSASSA-PKCS1-v1_5', hashAlgorithm: 'SHA-256',
          certificate: ${JSON.stringify(certificate)}, chain: [] } });
      };
      try { await ${SIGN}; return 'resolved'; } catch (error) { return error.code; } finally { window.postMessage = original; }
    })()`);
    expect(outcome).toBe('PROTOCOL_ERROR');
    expect(await noConsentWindowAfter(300)).toBe(true);
    await page.close();
  });

  it('a page calling the extension directly (runtime.sendMessage / connect by ID) gets nothing: no externally_connectable', async () => {
    const page = await open(`${portal.server.url}/`);
    const result = await page.evaluate(`(async () => {
      const runtime = globalThis.chrome && globalThis.chrome.runtime;
      if (!runtime || typeof runtime.sendMessage !== 'function') return 'no runtime API on the page';
      try {
        const reply = await new Promise((resolve, reject) => {
          runtime.sendMessage(${JSON.stringify(CHROMIUM_EXTENSION_ID)}, { type: 'page.request', request: {} }, (r) => runtime.lastError ? reject(new Error(runtime.lastError.message)) : resolve(r));
        });
        return 'answered: ' + JSON.stringify(reply);
      } catch (error) { return 'refused: ' + error.message; }
    })()`);
    expect(result).toMatch(/^(no runtime API on the page|refused: )/);
    expect(await noConsentWindowAfter(300)).toBe(true);
    await page.close();
  });

  it('flooding: 50 signHash at once → the excess gets TOO_MANY_REQUESTS at once, one consent window at a time, the page closing ends the rest', async () => {
    const page = await open(`${portal.server.url}/`);
    // A hostile page posts raw requests: Kyso's own SDK would queue them politely (at most 8 in flight), an
    // attacker's script does not, so the boundary is tested without it.
    await page.evaluate(`(() => {
      window.__codes = [];
      for (let i = 0; i < 50; i++) {
        const channel = new MessageChannel();
        channel.port1.onmessage = (event) => {
          if (event.data.type === 'kyso.error') window.__codes.push(event.data.error.code);
          else if (event.data.type === 'kyso.result') window.__codes.push('resolved');
        };
        const hash = btoa(String.fromCharCode(...new Uint8Array(32).fill(i)));
        const request = { v: 1, id: 'flood-' + String(i).padStart(8, '0'), type: 'kyso.signHash', payload: { hash, hashAlgorithm: 'SHA-256' } };
        window.postMessage({ channel: 'kyso/page-request', request }, location.origin, [channel.port2]);
      }
    })()`);
    await page.waitForFunction(`window.__codes.length >= ${50 - MAX_PENDING_REQUESTS_PER_PAGE}`, undefined, { timeout: 10_000 });
    const codes = await page.evaluate('window.__codes') as string[];
    // At most MAX_PENDING_REQUESTS_PER_PAGE are taken (content script and background each enforce it).
    expect(codes.filter((c) => c === 'TOO_MANY_REQUESTS').length).toBeGreaterThanOrEqual(50 - MAX_PENDING_REQUESTS_PER_PAGE);
    expect(codes.every((c) => c === 'TOO_MANY_REQUESTS')).toBe(true);
    expect(codes).not.toContain('resolved');
    await waitForConsentPage(portal.browser.context);
    await new Promise((r) => setTimeout(r, 500));
    expect(openConsentWindows()).toHaveLength(1);
    await page.close();
    expect(await noConsentWindowAfter(5000)).toBe(true);
    await legitimateSigningWorks();
  });

  it('replaying a request id while it is pending: the copy is refused (BAD_REQUEST) and does not settle the original', async () => {
    const page = await open(`${portal.server.url}/`);
    const request = { v: 1, id: 'replayed-id-000001', type: 'kyso.signHash', payload: { hash: Buffer.alloc(32, 5).toString('base64'), hashAlgorithm: 'SHA-256' } };
    const first = rawPost(page, request, { waitMs: 20_000 });
    const consent = await waitForConsentPage(portal.browser.context);
    const second = await rawPost(page, request);
    expect(second.map((r) => r.type)).toEqual(['kyso.error']);
    expect(second[0]?.error?.code).toBe('BAD_REQUEST');
    expect(openConsentWindows()).toHaveLength(1);
    await clickClosing(consent, '[data-testid=cancel]');
    const replies = await first;
    expect(replies.map((r) => r.type)).toEqual(['kyso.ack', 'kyso.error']);
    expect(replies[1]?.error?.code).toBe('USER_CANCELLED');
    await page.close();
  });

  it('oversized and malformed page messages get typed errors (or are ignored without a port), and the page still signs after', async () => {
    const page = await open(`${portal.server.url}/`);
    const huge = `{ v: 1, id: 'huge-request-00001', type: 'kyso.signHash', payload: { hash: 'A'.repeat(${PAGE_MESSAGE_MAX_BYTES + 1024}), hashAlgorithm: 'SHA-256' } }`;
    expect((await rawPost(page, huge))[0]?.error?.code).toBe('PAYLOAD_TOO_LARGE');
    const malformed: Array<[unknown, string]> = [
      [{ v: 1, id: 'bad-shape-000001', type: 'kyso.signHash', payload: { hash: 42 } }, 'BAD_REQUEST'],
      [{ v: 1, id: 'bad-shape-000002', type: 'kyso.formatDisk', payload: {} }, 'BAD_REQUEST'],
      [{ v: 1, id: 'bad-shape-000003', type: 'kyso.getStatus', payload: {}, origin: 'https://dichvucong.gov.vn' }, 'BAD_REQUEST'],
      [{ v: 2, id: 'bad-shape-000004', type: 'kyso.getStatus', payload: {} }, 'UNSUPPORTED_VERSION'],
      [{ v: 1, id: '../../etc/passwd', type: 'kyso.getStatus', payload: {} }, 'BAD_REQUEST'],
      ['null', 'BAD_REQUEST'],
    ];
    for (const [request, code] of malformed) {
      const replies = await rawPost(page, request);
      expect(replies.map((r) => [r.type, r.error?.code])).toEqual([['kyso.error', code]]);
    }
    // No port: nowhere private to answer, so nothing is answered (and nothing breaks).
    expect(await rawPost(page, { v: 1, id: 'no-port-0000001', type: 'kyso.getStatus', payload: {} }, { port: false, waitMs: 800 })).toEqual([]);
    // Another channel name: not ours, ignored.
    expect(await rawPost(page, { v: 1, id: 'other-chan-00001', type: 'kyso.getStatus', payload: {} }, { channel: 'kyso/other', waitMs: 800 })).toEqual([]);
    expect(await noConsentWindowAfter(300)).toBe(true);
    await page.close();
    await legitimateSigningWorks();
  });

  it('a wrong PIN three times: the window stays open each time with the error, the PIN field is emptied; the right PIN then signs', async () => {
    const page = await open(`${portal.server.url}/`);
    const outcome = callIn(page, SIGN);
    const consent = await waitForConsentPage(portal.browser.context);
    await consent.waitForSelector('[data-testid=certificate-option]');
    await consent.click(`[data-testid=certificate-option][data-certificate-id="${portal.token.cert('org-rsa').certificateId}"]`);
    for (let attempt = 0; attempt < 3; attempt++) {
      await consent.fill('[data-testid=pin]', `99999${attempt}`);
      await consent.click('[data-testid=approve]');
      await consent.waitForSelector('[data-testid=error]:not([hidden])');
      expect(await consent.textContent('[data-testid=error]')).toMatch(/PIN/);
      await consent.waitForSelector('[data-testid=approve]:not([disabled])');
      expect(await consent.inputValue('[data-testid=pin]')).toBe('');
      expect(consent.isClosed()).toBe(false);
    }
    await consent.fill('[data-testid=pin]', portal.token.userPin);
    await clickClosing(consent, '[data-testid=approve]');
    expect(await pageClosed(consent)).toBe(true);
    expect(await outcome).toBe('resolved');
    await page.close();
  });

  it('a page cannot read the consent window (fetch, iframe, window.open of its URL) and never sees the PIN', async () => {
    // A bare page of the allowed origin (the demo portal lists MST 0101234567, which contains the demo PIN 123456).
    await portal.browser.context.route(`${portal.server.url}/blank.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>blank</title><p>portal</p>' }));
    const page = await open(`${portal.server.url}/blank.html`);
    const consentUrl = `chrome-extension://${CHROMIUM_EXTENSION_ID}/ui/consent/consent.html?session=guess`;
    const fetched = await page.evaluate(`fetch(${JSON.stringify(consentUrl)}).then((r) => r.text()).then((t) => 'read:' + t.slice(0, 40), (e) => 'refused:' + e.name)`);
    expect(fetched).toMatch(/^refused:/);
    const framed = await page.evaluate(`new Promise((resolve) => {
      const frame = document.createElement('iframe');
      frame.src = ${JSON.stringify(consentUrl)};
      frame.onload = () => { try { resolve('read:' + frame.contentDocument.body.innerHTML.slice(0, 40)); } catch (e) { resolve('refused:' + e.name); } };
      document.body.append(frame);
      setTimeout(() => resolve('refused:no load'), 3000);
    })`);
    expect(framed).toMatch(/^(refused:|read:$)/);
    const popupPromise = portal.browser.context.waitForEvent('page', { timeout: 5000 }).catch(() => undefined);
    const opened = await page.evaluate(`new Promise((resolve) => {
      const w = window.open(${JSON.stringify(consentUrl)}, '_blank');
      if (!w) { resolve('refused:no window'); return; }
      setTimeout(() => { try { resolve('read:' + w.document.body.innerHTML.slice(0, 40)); } catch (e) { resolve('refused:' + e.name); } }, 1500);
    })`);
    expect(opened).toMatch(/^refused:/);
    const popup = await popupPromise;
    await popup?.close();
    await page.evaluate(`document.querySelectorAll('iframe').forEach((f) => f.remove())`);

    // Sign with the PIN, then look everywhere the page's scripts can look for it.
    const outcome = callIn(page, SIGN);
    const consent = await waitForConsentPage(portal.browser.context);
    await approveInConsent(consent, { certificateId: portal.token.cert('person-ec').certificateId, pin: portal.token.userPin });
    expect(await outcome).toBe('resolved');
    const visible = await page.evaluate(`(() => {
      const parts = [document.documentElement.outerHTML, document.cookie, JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage }),
        performance.getEntries().map((e) => e.name).join(' '), location.href, document.referrer];
      for (const key of Object.getOwnPropertyNames(window)) {
        try { const value = window[key]; if (typeof value === 'string') parts.push(value); else if (value && typeof value === 'object' && !(value instanceof Node) && value !== window) parts.push(JSON.stringify(value).slice(0, 10000)); } catch {}
      }
      return parts.join('\\n');
    })()`) as string;
    expect(visible.length).toBeGreaterThan(100);
    expect(visible).not.toContain(portal.token.userPin);
    await page.close();
  });
});
