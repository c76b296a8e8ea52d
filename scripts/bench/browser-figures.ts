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
 *   sw-memory the service worker's memory when idle: its JS heap (performance.memory inside the worker, if Chromium
 *             exposes it there) and the resident size of the extension's renderer process (/proc).
 */
import { readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { isConsentPage, launchKysoBrowser, startTestServer, waitForConsentPage, type KysoBrowser } from '../../test/helpers/browser.js';
import { enableSignHashInOptions } from '../../test/helpers/options-page.js';

interface Options { env: Record<string, string>; coldRuns: number; warmRuns: number; only: string[] }
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
async function consentDelay(browser: KysoBrowser, page: Page): Promise<{ dcl: number; created: number; paint?: number }> {
  const created = browser.context.waitForEvent('page', { predicate: isConsentPage, timeout: 60_000 }).then(() => Date.now());
  const calledAt = await page.evaluate(`(() => { const t = Date.now(); window.__kysoCall = window.__sdk.signHash({ hash: window.__sdk.toBase64(new Uint8Array(32).fill(7)), hashAlgorithm: 'SHA-256' }).catch((e) => e.code); return t; })()`) as number;
  const consent = await waitForConsentPage(browser.context, 60_000);
  const timing = await consent.evaluate(`(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const paint = performance.getEntriesByType('paint').find((p) => p.name === 'first-paint');
    return { dcl: performance.timeOrigin + nav.domContentLoadedEventEnd, paint: paint ? performance.timeOrigin + paint.startTime : undefined };
  })()`) as { dcl: number; paint?: number };
  await consent.close();
  await page.evaluate('window.__kysoCall');
  return { dcl: timing.dcl - calledAt, created: (await created) - calledAt, ...(timing.paint !== undefined ? { paint: timing.paint - calledAt } : {}) };
}

async function openDemo(browser: KysoBrowser, url: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${url}/`);
  await page.evaluate(`(async () => { window.__sdk = await import('/sdk/kyso.js'); })()`);
  return page;
}

async function consentFigures(): Promise<Record<string, unknown>> {
  const server = await startTestServer();
  const cold: Array<{ dcl: number; created: number; paint?: number; hostWasRunning: boolean }> = [];
  const warm: Array<{ dcl: number; created: number; paint?: number }> = [];
  try {
    for (let run = 0; run < options.coldRuns; run++) {
      const browser = await launchKysoBrowser({ env: options.env });
      try {
        await enableSignHashInOptions(browser, server.url);
        const page = await openDemo(browser, server.url);
        const hostWasRunning = hostRunning(browser);
        cold.push({ ...(await consentDelay(browser, page)), hostWasRunning });
        if (run === options.coldRuns - 1) {
          for (let i = 0; i < options.warmRuns; i++) warm.push(await consentDelay(browser, page));
        }
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.close();
  }
  return { cold, warm };
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

const result: Record<string, unknown> = {};
if (options.only.includes('consent')) result.consent = await consentFigures();
if (options.only.includes('content')) result.content = await contentScriptFigures();
process.stdout.write(`${JSON.stringify(result)}\n`);
