/**
 * The consent window for older officials on 1366×768 laptops (issue 11 §4), in real Chromium with the built
 * extension, the native host and a SoftHSM2 token holding several usable certificates. For a PDF, an XML and a
 * hash request, at two sizes:
 *   - 1366×768: the window is opened 520×720 (consent-broker.ts WINDOW_*_PX), which fits above a 40 px taskbar;
 *     minus the window's title bar and frame (≈ 60 px on Windows) its page is 520×660 CSS px at 100 %;
 *   - 200 % zoom (Ctrl + in that window): the same window holds 260×330 CSS px drawn at 2 device pixels per px
 *     (CDP Emulation.setDeviceMetricsOverride, which is what browser zoom does to a page's viewport).
 * At each: the origin, the PIN field, Approve and the holder's name lie inside the viewport without scrolling and
 * are not covered by anything; every visible text is ≥ 16 px, every visible button ≥ 44 px high; nothing
 * overflows sideways; hash values are folded in a closed <details>; no certificate is preselected and Approve is
 * disabled until the person picks one. Screenshots go to test-artifacts/consent/ (kept by .ci/run).
 * Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { ROOT, clickClosing, launchKysoBrowser, pageClosed, startTestServer, waitForArmed, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import { makeVietnameseDocument } from '../fixtures/pdf/generate-fixtures.js';
import { WINDOW_HEIGHT_PX, WINDOW_WIDTH_PX } from '../../extension/background/consent/consent-broker.js';
import type { StaticServer } from '../../demo/serve.mjs';

/** Kept as CI artefacts: .ci/run prints this folder's files at the end. */
const CONSENT_ARTIFACTS_DIR = join(ROOT, 'test-artifacts/consent');
const SCREEN = { width: 1366, height: 768, taskbar: 40 };
const WINDOW_FRAME_PX = 60;
const VIEWS = [
  { name: '1366x768', width: WINDOW_WIDTH_PX, height: Math.min(WINDOW_HEIGHT_PX, SCREEN.height - SCREEN.taskbar) - WINDOW_FRAME_PX, scale: 1 },
  { name: 'zoom200', width: WINDOW_WIDTH_PX / 2, height: (Math.min(WINDOW_HEIGHT_PX, SCREEN.height - SCREEN.taskbar) - WINDOW_FRAME_PX) / 2, scale: 2 },
] as const;
type View = (typeof VIEWS)[number];

let token: DemoToken;
let browser: KysoBrowser;
let server: StaticServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kyso-consent-readability-'));
  await writeFile(join(dir, 'decision.pdf'), await makeVietnameseDocument(3));
  await writeFile(join(dir, 'hoadon.xml'), await readFile(resolve(import.meta.dirname, '../fixtures/xml/einvoice-tt78.xml')));
  await mkdir(CONSENT_ARTIFACTS_DIR, { recursive: true });
  token = await createDemoToken(join(dir, 'token'));
  browser = await launchKysoBrowser({ env: token.env });
  server = await startTestServer({ '/files/': dir });
  await enableSignHashInOptions(browser, server.url); // the hash request is signHash, opt-in per site
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const REQUESTS = {
  pdf: `sdk.signPdf({ document: await file('decision.pdf'), fileName: 'Quyết định 12-QĐ-UBND.pdf', reason: 'Phê duyệt', visible: { page: 2 } })`,
  xml: `sdk.signXml({ document: await file('hoadon.xml'), fileName: 'Hoá đơn 0000123.xml' })`,
  hash: `sdk.signHash({ hash: ${JSON.stringify(createHash('sha256').update('Tờ khai thuế 01/GTGT').digest('base64'))}, hashAlgorithm: 'SHA-256', description: 'Tờ khai thuế 01/GTGT kỳ 11/2026' })`,
} as const;

async function openRequest(kind: keyof typeof REQUESTS): Promise<{ page: Page; consent: Page }> {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/`);
  await page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    const file = async (name) => await (await fetch('/files/' + name)).blob();
    window.__kysoCall = (async () => ${REQUESTS[kind]})().then(() => ({ ok: true }), (error) => ({ code: error.code ?? String(error) }));
  })()`);
  const consent = await waitForConsentPage(browser.context);
  await consent.waitForSelector('[data-testid=certificate-option]');
  if (kind === 'pdf') await consent.waitForSelector('[data-testid=document-preview][data-rendered=true]', { timeout: 30_000 });
  await waitForArmed(consent);
  return { page, consent };
}

/**
 * The window's page at `view`: Playwright's own viewport size (so it keeps it), plus the device pixel ratio
 * through CDP (kept as long as its session: one per window). Playwright's screenshot would re-apply its own
 * metrics, so screenshots are taken through the same CDP session (screenshot()).
 */
const sessions = new WeakMap<Page, CDPSession>();

async function setView(consent: Page, view: View): Promise<void> {
  await consent.setViewportSize({ width: view.width, height: view.height });
  let cdp = sessions.get(consent);
  if (!cdp) { cdp = await browser.context.newCDPSession(consent); sessions.set(consent, cdp); }
  await cdp.send('Emulation.setDeviceMetricsOverride', { width: view.width, height: view.height, deviceScaleFactor: view.scale, mobile: false });
  await consent.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
  await consent.evaluate(() => window.scrollTo(0, 0));
  await expectView(consent, view);
}

async function expectView(consent: Page, view: View): Promise<void> {
  expect(await consent.evaluate(() => [innerWidth, innerHeight, devicePixelRatio]), 'the emulated window size held').toEqual([view.width, view.height, view.scale]);
}

async function screenshot(consent: Page, name: string): Promise<void> {
  const { data } = await sessions.get(consent)!.send('Page.captureScreenshot', { format: 'png' });
  await writeFile(join(CONSENT_ARTIFACTS_DIR, `${name}.png`), Buffer.from(data, 'base64'));
}

/** Where an element is and whether the person can see it: fully inside the viewport and not under another element. */
async function visibility(consent: Page, selector: string) {
  return consent.$eval(selector, (element) => {
    const box = element.getBoundingClientRect();
    const inside = box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0 && box.right <= innerWidth + 0.5 && box.bottom <= innerHeight + 0.5;
    // The middle of every line box (an inline name may wrap) must hit the element itself, not something over it.
    const points = [...element.getClientRects()].filter((r) => r.width > 0).map((r) => [(r.left + r.right) / 2, (r.top + r.bottom) / 2]);
    const uncovered = points.every(([x, y]) => { const hit = document.elementFromPoint(x!, y!); return !!hit && (hit === element || element.contains(hit)); });
    return { inside, uncovered, box: { x: Math.round(box.left), y: Math.round(box.top), width: Math.round(box.width), height: Math.round(box.height) } };
  });
}

const viewport = (consent: Page) => consent.evaluate(() => ({ width: innerWidth, height: innerHeight, scrollY }));

/**
 * The element is inside the window and nothing covers it. Polled for a moment: the window redraws when it polls the
 * token list, and a CI run under load measured Approve as a 0×0 box mid-redraw; a layout that hides it for good
 * still fails after 5 s, with the last measurement in the message.
 */
async function expectInView(consent: Page, where: string, selector: string): Promise<void> {
  let last: unknown;
  try {
    await expect.poll(async () => {
      const seen = await visibility(consent, selector);
      last = { seen, viewport: await viewport(consent) };
      return seen;
    }, { timeout: 5_000 }).toMatchObject({ inside: true, uncovered: true });
  } catch (error) {
    throw new Error(`${where}: ${selector} not in view: ${JSON.stringify(last)}`, { cause: error });
  }
}

/** Every rendered element with text of its own under 16 px, and every rendered button under 44 px high. */
async function sizeProblems(consent: Page) {
  return consent.evaluate(() => {
    const rendered = (e: Element) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
    const small: string[] = [];
    for (const e of document.body.querySelectorAll('*')) {
      if (!rendered(e) || e.closest('[hidden]')) continue;
      const ownText = [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '');
      const size = parseFloat(getComputedStyle(e).fontSize);
      if ((ownText || e instanceof HTMLInputElement) && size < 16) small.push(`${e.tagName.toLowerCase()}${(e as HTMLElement).dataset['testid'] ? `[${(e as HTMLElement).dataset['testid']}]` : ''} ${size}px "${e.textContent!.trim().slice(0, 30)}"`);
    }
    const lowButtons = [...document.querySelectorAll('button, summary')].filter(rendered)
      .map((b) => ({ b, h: b.getBoundingClientRect().height })).filter(({ h }) => h < 44)
      .map(({ b, h }) => `${(b as HTMLElement).dataset['testid'] ?? b.textContent!.trim()} ${Math.round(h)}px`);
    return { small, lowButtons, overflowX: document.documentElement.scrollWidth - document.documentElement.clientWidth };
  });
}

async function checkView(consent: Page, kind: string, view: View): Promise<void> {
  await setView(consent, view);
  const where = `${kind} @ ${view.name}`;
  // Before a choice: several usable certificates, no expected signer → none selected, Approve disabled, and the
  // decision bar says to choose.
  await screenshot(consent, `${kind}-${view.name}-choose`);
  expect(await consent.locator('[data-testid=certificate-option] input:checked').count(), where).toBe(0);
  expect(await consent.isDisabled('[data-testid=approve]'), where).toBe(true);
  for (const selector of ['[data-testid=origin]', '[data-testid=pin]', '[data-testid=approve]', '[data-testid=choose-certificate-prompt]']) await expectInView(consent, where, selector);

  // The person picks the organisation's certificate; the holder's name then shows in the decision bar.
  await consent.click(`[data-testid=certificate-option][data-certificate-id="${token.cert('org-rsa').certificateId}"]`);
  await waitForArmed(consent);
  await consent.evaluate(() => window.scrollTo(0, 0));
  expect(await consent.textContent('[data-testid=selected-holder]'), where).toBe(await consent.textContent(`[data-testid=certificate-option][data-certificate-id="${token.cert('org-rsa').certificateId}"] [data-testid=certificate-holder]`));
  expect(await consent.isDisabled('[data-testid=approve]'), where).toBe(false);
  for (const selector of ['[data-testid=origin]', '[data-testid=selected-holder]', '[data-testid=pin]', '[data-testid=approve]']) await expectInView(consent, where, selector);
  await screenshot(consent, `${kind}-${view.name}`);
  const sizes = await sizeProblems(consent);
  expect(sizes.small, `${where}: text under 16 px`).toEqual([]);
  expect(sizes.lowButtons, `${where}: buttons under 44 px`).toEqual([]);
  expect(sizes.overflowX, `${where}: horizontal overflow`).toBeLessThanOrEqual(0);
  // Hash values are folded away (still in the page for whoever opens them).
  const details = consent.locator('[data-testid=technical-details]');
  expect(await details.count(), where).toBeGreaterThan(0);
  expect(await details.first().evaluate((d) => (d as HTMLDetailsElement).open), where).toBe(false);
  expect(await consent.locator('[data-testid=digest], [data-testid=document-digest]').first().isVisible(), where).toBe(false);
  await expectView(consent, view); // every check above ran at this size
}

async function cancel(page: Page, consent: Page): Promise<void> {
  await consent.evaluate(() => window.scrollTo(0, 0));
  await clickClosing(consent, '[data-testid=cancel]');
  expect(await pageClosed(consent)).toBe(true);
  expect(await page.evaluate('window.__kysoCall')).toEqual({ code: 'USER_CANCELLED' });
  await page.close();
}

describe('consent window readability', () => {
  for (const kind of ['pdf', 'xml', 'hash'] as const) {
    for (const view of VIEWS) {
      it(`${kind} request at ${view.name}: origin, holder, PIN and Approve in view; text ≥ 16 px; buttons ≥ 44 px; hashes folded; a deliberate certificate choice`, async () => {
        const { page, consent } = await openRequest(kind);
        try {
          await checkView(consent, kind, view);
        } finally {
          await cancel(page, consent);
        }
      });
    }
  }

  it('the PDF preview zooms: + renders the page larger (sharp, scrolling inside its box), − back; every page reachable', async () => {
    const { page, consent } = await openRequest('pdf');
    await setView(consent, VIEWS[0]);
    const canvas = consent.locator('[data-testid=document-preview] canvas');
    const width = async () => (await canvas.boundingBox())!.width;
    const base = await width();
    expect(await consent.textContent('[data-testid=preview-zoom]')).toBe('Cỡ xem 100%');
    await consent.click('[data-testid=preview-zoom-in]');
    await consent.waitForSelector('[data-testid=document-preview][data-rendered=true] canvas[data-zoom="1.5"]');
    expect(await width()).toBeCloseTo(base * 1.5, 0);
    expect(await canvas.evaluate((c) => (c as HTMLCanvasElement).width)).toBeGreaterThanOrEqual(690); // drawn at the zoomed size
    const box = await consent.$eval('[data-testid=document-preview]', (b) => ({ scrollWidth: b.scrollWidth, clientWidth: b.clientWidth }));
    expect(box.scrollWidth).toBeGreaterThan(box.clientWidth);
    await consent.click('[data-testid=preview-zoom-in]');
    await consent.waitForSelector('[data-testid=document-preview][data-rendered=true] canvas[data-zoom="2"]');
    await screenshot(consent, 'pdf-1366x768-preview-zoom200');
    // Paging keeps the zoom; every page is reachable.
    await consent.click('[data-testid=preview-next]');
    await consent.waitForSelector('[data-testid=document-preview][data-rendered=true] canvas[data-page="3"][data-zoom="2"]');
    await consent.click('[data-testid=preview-zoom-out]');
    await consent.click('[data-testid=preview-zoom-out]');
    await consent.waitForSelector('[data-testid=document-preview][data-rendered=true] canvas[data-zoom="1"]');
    expect(await width(), JSON.stringify(await consent.$$eval('[data-testid=document-preview] canvas', (cs) => cs.map((c) => [c.getAttribute('style'), c.dataset['zoom'], c.getBoundingClientRect().width])))).toBeCloseTo(base, 0);
    await cancel(page, consent);
  });
});
