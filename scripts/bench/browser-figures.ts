/**
 * Browser figures of issue 14, in real Chromium (playwright-core, /usr/bin/chromium) with the built extension and
 * the demo token (run by scripts/bench.mjs through tsx, so it reuses the e2e helpers; prints JSON on stdout):
 *
 *   consent   "first consent window": ms from the page's call to `kyso.signHash` (Date.now() in the page, just
 *             before the call) to the consent window's DOMContentLoaded (its navigation timing: the document is
 *             parsed and its module scripts have run — the window is there to be read, whether or not its inputs
 *             are armed yet: `body[data-armed]` is not waited for). First paint is recorded too where Chromium
 *             reports it. COLD: a fresh browser each run (new profile, service worker just started, host not
 *             running — checked); WARM: the same browser again, host running, after a first window.
 *   content   main-thread time of the content script on a page that never signs: Chromium's trace
 *             (CDP Tracing, devtools.timeline + v8) of loading a plain page, summing the top-level script
 *             evaluation and compile events of content.js (and of page-relay.js, which must not appear).
 *   pdf-browser a large PDF through the browser (upload → sign → download), MB/s, against `kyso sign-pdf` of
 *             the same file in the same run (pdfBrowserFigures below).
 *   sw-memory the service worker's memory when idle: its JS heap (performance.memory inside the worker, if Chromium
 *             exposes it there) and the resident size of the extension's renderer process (/proc).
 */
import { readFileSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { clickClosing, isConsentPage, launchKysoBrowser, startTestServer, waitForArmed, waitForConsentPage, type KysoBrowser } from '../../test/helpers/browser.js';
import { enableSignHashInOptions } from '../../test/helpers/options-page.js';

/** Between the page's getStatus (on load) and its signHash (the person's click) in the `coldAfterStatus` runs. */
const STATUS_TO_CLICK_MS = 1000;
/** consent.ts marks its first render of a request's state with this name. */
const SHOWN_MARK = 'kyso:consent-shown';

/** ms from the page's call: the window's navigation start, its DOMContentLoaded, the request on screen, first paint. */
interface ConsentTiming { background?: Record<string, number>; dcl: number; shown: number; navigationStart: number; created: number; paint?: number; state?: number; psl?: number; scriptStart?: number }

/** `pdf`: for the browser-path large PDF (`pdf-browser`); the CLI signs the same file as the reference. */
interface PdfOptions { megabytes: number; cliPath: string; certificateId: string; pin: string; rounds: number }
interface Options { env: Record<string, string>; coldRuns: number; warmRuns: number; only: string[]; pdf?: PdfOptions }
const options = JSON.parse(process.argv[2] ?? '{}') as Options;

/** Processes whose command line mentions `needle` (the profile directory: the browser and the host it started). */
function processesWith(needle: string): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(needle)) found.push({ pid: Number(name), cmdline });
    } catch { /* gone */ }
  }
  return found;
}

const hostRunning = (browser: KysoBrowser) => processesWith(browser.userDataDir).some((p) => /kyso-host|NativeMessagingHosts|vn\.kyso/.test(p.cmdline) && !/chrom/.test(p.cmdline.split(' ')[0] ?? ''));

/**
 * One signHash → consent window; returns the delays (ms) to the window's creation as the browser reports it (the
 * background's part: access check, host start, certificate listing, windows.create), to its DOMContentLoaded (the
 * figure) and to its first paint; then closes the window.
 */
async function consentDelay(browser: KysoBrowser, page: Page): Promise<ConsentTiming> {
  const created = browser.context.waitForEvent('page', { predicate: isConsentPage, timeout: 60_000 }).then(() => Date.now());
  const calledAt = await page.evaluate(`(() => { const t = Date.now(); window.__kysoCall = window.__sdk.signHash({ hash: window.__sdk.toBase64(new Uint8Array(32).fill(7)), hashAlgorithm: 'SHA-256' }).catch((e) => e.code); return t; })()`) as number;
  const consent = await waitForConsentPage(browser.context, 60_000);
  // The request's state rendered (consent.ts sets the mark at its first render with a state).
  // Polled from here: waitForFunction evaluates its predicate with eval, which the page's CSP refuses.
  for (const until = Date.now() + 60_000; Date.now() < until;) {
    if (await consent.evaluate(`performance.getEntriesByName('${SHOWN_MARK}').length > 0`)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const timing = await consent.evaluate(`(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const paint = performance.getEntriesByType('paint').find((p) => p.name === 'first-paint');
    const shown = performance.getEntriesByName('${SHOWN_MARK}')[0];
    const at = (name) => { const e = performance.getEntriesByName(name)[0]; return e ? performance.timeOrigin + e.startTime : undefined; };
    return { start: performance.timeOrigin, dcl: performance.timeOrigin + nav.domContentLoadedEventEnd, shown: performance.timeOrigin + shown.startTime, paint: paint ? performance.timeOrigin + paint.startTime : undefined,
      state: at('kyso:consent-state'), psl: at('kyso:consent-psl'), scriptStart: performance.timeOrigin + nav.domInteractive };
  })()`) as { start: number; dcl: number; shown: number; paint?: number; state?: number; psl?: number; scriptStart: number };
  // The background's own marks (extension/background/timing-marks.ts), where the build sets them.
  const sw = await browser.serviceWorker?.evaluate(`(() => { const at = (n) => { const e = performance.getEntriesByName(n).at(-1); return e ? performance.timeOrigin + e.startTime : undefined; };
    return { requestIn: at('kyso:request-in'), accessDecided: at('kyso:access-decided'), hostHello: at('kyso:host-hello'), hostListed: at('kyso:host-listed'), windowCreate: at('kyso:window-create'), windowCreated: at('kyso:window-created') }; })()`).catch(() => undefined) as Record<string, number | undefined> | undefined;
  await consent.close();
  await page.evaluate('window.__kysoCall');
  const background = Object.fromEntries(Object.entries(sw ?? {}).filter(([, t]) => t !== undefined).map(([k, t]) => [k, t! - calledAt]));
  return {
    background,
    dcl: timing.dcl - calledAt, shown: timing.shown - calledAt, navigationStart: timing.start - calledAt, created: (await created) - calledAt,
    ...(timing.paint !== undefined ? { paint: timing.paint - calledAt } : {}),
    // Where the time after navigation start went: HTML parsed (module scripts run after), state and the Public Suffix List in.
    scriptStart: timing.scriptStart - calledAt,
    ...(timing.state !== undefined ? { state: timing.state - calledAt } : {}),
    ...(timing.psl !== undefined ? { psl: timing.psl - calledAt } : {}),
  };
}

async function openDemo(browser: KysoBrowser, url: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${url}/`);
  await page.evaluate(`(async () => { window.__sdk = await import('/sdk/kyso.js'); })()`);
  return page;
}

/**
 * Reference for the warm figure, in the same browser: the service worker opens a popup window of the same size
 * on an extension resource with no script at all (manifest.json, shown as text) — ms from `windows.create` to
 * that document's DOMContentLoaded. What Chromium itself needs to make a window and a document; the consent
 * window cannot be faster than this plus the page → background hop.
 */
async function blankWindowDelay(browser: KysoBrowser): Promise<number> {
  const worker = browser.serviceWorker;
  if (!worker) throw new Error('no service worker');
  const opened = browser.context.waitForEvent('page', { predicate: (p) => p.url().endsWith('/manifest.json'), timeout: 60_000 });
  const calledAt = await worker.evaluate(`(() => { const t = Date.now(); chrome.windows.create({ url: chrome.runtime.getURL('manifest.json'), type: 'popup', width: 520, height: 720, focused: true }); return t; })()`) as number;
  const page = await opened;
  await page.waitForLoadState('domcontentloaded');
  const dcl = await page.evaluate(`performance.timeOrigin + performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd`) as number;
  await page.close();
  return dcl - calledAt;
}

async function consentFigures(): Promise<Record<string, unknown>> {
  const server = await startTestServer();
  const cold: Array<ConsentTiming & { hostWasRunning: boolean }> = [];
  // A fresh browser whose page first asked kyso.getStatus (as portals do on load, demo/app.js), the signHash
  // STATUS_TO_CLICK_MS later: the host is started and has listed the tokens (and certificates) before it.
  const coldAfterStatus: Array<ConsentTiming & { hostWasRunning: boolean }> = [];
  const warm: ConsentTiming[] = [];
  const blankWindow: number[] = [];
  try {
    for (let run = 0; run < options.coldRuns; run++) {
      for (const afterStatus of [false, true]) {
        const browser = await launchKysoBrowser({ env: options.env });
        try {
          await enableSignHashInOptions(browser, server.url);
          const page = await openDemo(browser, server.url);
          // The person's click on "Sign" comes a moment after the page loaded and asked for the status.
          if (afterStatus) { await page.evaluate('window.__sdk.getStatus()'); await new Promise((r) => setTimeout(r, STATUS_TO_CLICK_MS)); }
          const hostWasRunning = hostRunning(browser);
          (afterStatus ? coldAfterStatus : cold).push({ ...(await consentDelay(browser, page)), hostWasRunning });
          if (run === options.coldRuns - 1 && !afterStatus) {
            // Alternated, so both series see the same moments of a shared machine.
            for (let i = 0; i < options.warmRuns; i++) {
              warm.push(await consentDelay(browser, page));
              blankWindow.push(await blankWindowDelay(browser));
            }
          }
        } finally {
          await browser.close();
        }
      }
    }
  } finally {
    await server.close();
  }
  return { cold, coldAfterStatus, warm, blankWindow };
}

/** Sum of the durations (ms) of top-level trace events that ran `file` of the extension. */
function scriptMs(events: TraceEvent[], file: string): number {
  const ours = events.filter((e) => e.ph === 'X' && typeof e.dur === 'number' && JSON.stringify(e.args ?? {}).includes(`/${file}`)
    && /EvaluateScript|v8\.compile|v8\.run|v8\.compileModule|v8\.evaluateModule|FunctionCall/.test(e.name));
  // Keep outermost events only (a compile inside an evaluation is already counted in it).
  const sorted = ours.sort((a, b) => a.ts - b.ts);
  let total = 0;
  let end = -1;
  for (const e of sorted) {
    if (e.tid === undefined || e.ts >= end) { total += e.dur!; end = e.ts + e.dur!; }
  }
  return total / 1000;
}

interface TraceEvent { name: string; ph: string; ts: number; dur?: number; tid?: number; args?: unknown }

async function contentScriptFigures(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-bench-page-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>Trang tin tức</title><p>Một trang không ký gì.</p><iframe src="frame.html"></iframe>');
  writeFileSync(join(dir, 'frame.html'), '<!doctype html><meta charset="utf-8"><p>Khung con.</p>');
  const server = await startTestServer({ '/plain/': dir });
  const browser = await launchKysoBrowser({ env: options.env });
  try {
    const runs: Array<{ contentMs: number; pageRelayMs: number; frames: number }> = [];
    for (let i = 0; i < 5; i++) {
      const page = await browser.context.newPage();
      const cdp = await browser.context.newCDPSession(page);
      const events: TraceEvent[] = [];
      cdp.on('Tracing.dataCollected', (data) => { events.push(...(data.value as unknown as TraceEvent[])); });
      const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
      await cdp.send('Tracing.start', { categories: 'devtools.timeline,v8,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
      await page.goto(`${server.url}/plain/index.html`, { waitUntil: 'load' });
      await page.waitForTimeout(300);
      await cdp.send('Tracing.end');
      await done;
      runs.push({ contentMs: scriptMs(events, 'content.js'), pageRelayMs: scriptMs(events, 'page-relay.js'), frames: page.frames().length });
      await page.close();
    }
    // Idle: no page asks anything for a while; then the worker's heap and the extension process's resident size.
    await new Promise((r) => setTimeout(r, 5000));
    const heap = await browser.serviceWorker?.evaluate(`(() => { const m = self.performance && self.performance.memory; return m ? { usedJSHeapSize: m.usedJSHeapSize, totalJSHeapSize: m.totalJSHeapSize } : null; })()`).catch(() => null) as { usedJSHeapSize: number; totalJSHeapSize: number } | null;
    const extensionProcess = processesWith(browser.userDataDir).find((p) => p.cmdline.includes('--extension-process'));
    const rssKb = extensionProcess ? Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${extensionProcess.pid}/status`, 'utf8'))?.[1]) : undefined;
    return { runs, swHeapUsedMb: heap ? heap.usedJSHeapSize / 2 ** 20 : null, swHeapTotalMb: heap ? heap.totalJSHeapSize / 2 ** 20 : null, extensionProcessRssMb: rssKb ? rssKb / 1024 : null };
  } finally {
    await browser.close();
    await server.close();
  }
}

/**
 * A large PDF through the browser path: the page fetches it as a Blob, then `kyso.signPdf` (invisible) uploads it
 * in chunks to the host, the host signs, the page pulls the signed PDF back. Timed in the page and here on the
 * same clock (Date.now): call → consent window open (the upload, which happens before the window), plus
 * Approve clicked → result in the page (signing and download). The person's time in the window (the preview, the
 * arming delay, typing the PIN) is left out. Reference in the same run: `kyso sign-pdf --invisible` of the same
 * file (spawn → exit), i.e. the same signing without the browser.
 */
async function pdfBrowserFigures(pdf: PdfOptions): Promise<Record<string, unknown>> {
  const { writeLargePdf } = await import(new URL('./pdf-large.mjs', import.meta.url).href) as { writeLargePdf(path: string, megabytes: number): Promise<number> };
  const { nodeArgs, timeProcess } = await import(new URL('./spawn-timed.mjs', import.meta.url).href) as { nodeArgs(a: string[]): string[]; timeProcess(c: string, a: string[], o?: { env?: Record<string, string>; input?: string }): Promise<{ ms: number }> };
  const dir = mkdtempSync(join(tmpdir(), 'kyso-bench-pdf-browser-'));
  const bytes = await writeLargePdf(join(dir, 'big.pdf'), pdf.megabytes);
  const cliArgs = nodeArgs(['--input-type=module', '-e', 'const { main } = await import(process.argv[1]); process.exitCode = await main(process.argv.slice(2));',
    pdf.cliPath, 'sign-pdf', join(dir, 'big.pdf'), '-o', join(dir, 'cli-signed.pdf'), `--cert=${pdf.certificateId}`, '--pin-stdin', '--invisible']);
  const server = await startTestServer({ '/files/': dir });
  const browser = await launchKysoBrowser({ env: options.env });
  const runs: Array<{ uploadMs: number; signAndDownloadMs: number; ms: number; signedBytes: number; cliMs: number }> = [];
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/`);
    await page.evaluate(`(async () => { window.__sdk = await import('/sdk/kyso.js'); window.__pdf = await (await fetch('/files/big.pdf')).blob(); })()`);
    for (let round = 0; round < pdf.rounds; round++) {
      const cliMs = (await timeProcess(process.execPath, cliArgs, { env: options.env, input: `${pdf.pin}\n` })).ms;
      const calledAt = await page.evaluate(`(() => { const t = Date.now(); window.__kysoPdf = window.__sdk.signPdf({ document: window.__pdf, fileName: 'big.pdf' })
        .then((r) => ({ done: Date.now(), signedBytes: r.document.byteLength })); return t; })()`) as number;
      const consent = await waitForConsentPage(browser.context, 600_000);
      const openedAt = Date.now();
      await consent.click(`[data-testid=certificate-option][data-certificate-id="${pdf.certificateId}"]`);
      await waitForArmed(consent);
      await consent.fill('[data-testid=pin]', pdf.pin);
      const approvedAt = Date.now();
      await clickClosing(consent, '[data-testid=approve]');
      const { done, signedBytes } = await page.evaluate('window.__kysoPdf') as { done: number; signedBytes: number };
      if (signedBytes <= bytes) throw new Error(`signed PDF of ${signedBytes} bytes for an input of ${bytes}`);
      const uploadMs = openedAt - calledAt;
      const signAndDownloadMs = done - approvedAt;
      runs.push({ uploadMs, signAndDownloadMs, ms: uploadMs + signAndDownloadMs, signedBytes, cliMs });
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { bytes, runs };
}

const result: Record<string, unknown> = {};
if (options.only.includes('consent')) result.consent = await consentFigures();
if (options.only.includes('content')) result.content = await contentScriptFigures();
if (options.only.includes('pdf-browser') && options.pdf) result.pdfBrowser = await pdfBrowserFigures(options.pdf);
process.stdout.write(`${JSON.stringify(result)}\n`);
