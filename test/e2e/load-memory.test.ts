/**
 * Issue 15 §3, long runs and service-worker restarts, in real headless Chromium with the built extension, the real
 * host and the SoftHSM2 token:
 *  - 1,000 sequential getStatus + listCertificates from one page, then 100 signing windows opened and cancelled:
 *    the extension's service-worker heap (CDP Runtime.getHeapUsage after a GC) and the host's RSS (/proc) stay
 *    flat — measured before and after, printed, and held to generous bounds (2 shared cores: no flaky limits);
 *  - the service worker stopped (CDP ServiceWorker.stopAllWorkers, what Chromium does to an idle MV3 worker): a
 *    request sent while it restarts is served; a signing window open across the restart ends with a typed error
 *    and the next signature works.
 * Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { approveInConsent, launchKysoBrowser, pageClosed, startTestServer, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { rssKiB, theHost } from '../helpers/browser-faults.js';
import { startInPage } from '../helpers/page-sdk.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import { connectWorkerProbe, REMOTE_DEBUGGING_ARGS, stopServiceWorkers, type WorkerProbe } from '../helpers/worker-cdp.js';
import type { StaticServer } from '../../demo/serve.mjs';

const MiB = 1024 * 1024;

let token: DemoToken;
let browser: KysoBrowser;
let server: StaticServer;
let probe: WorkerProbe;
let runtime: string;
let page: Page;

beforeAll(async () => {
  token = await createDemoToken();
  // A runtime folder of this test's own also marks its host process in /proc.
  runtime = await mkdtemp(join(tmpdir(), 'kyso-load-runtime-'));
  browser = await launchKysoBrowser({ env: { ...token.env, XDG_RUNTIME_DIR: runtime }, extraArgs: REMOTE_DEBUGGING_ARGS });
  server = await startTestServer();
  await enableSignHashInOptions(browser, server.url);
  probe = await connectWorkerProbe(browser.userDataDir, browser.extensionId!);
  page = await browser.context.newPage();
  await page.goto(`${server.url}/`);
}, 180_000);

afterAll(async () => {
  await probe?.close();
  await browser?.close();
  await server?.close();
});

const signHashCall = (label: string) => `
  const hash = sdk.toBase64(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(${JSON.stringify(label)}))));
  return await sdk.signHash({ hash, hashAlgorithm: 'SHA-256', certificateId: ${JSON.stringify(token.cert('org-rsa').certificateId)}, description: ${JSON.stringify(label)} });`;

/** `count` sequential getStatus + listCertificates pairs in the page; every answer checked. */
function sequentialQuick(count: number): Promise<{ ok: number; failed: string[] }> {
  return startInPage(page, `
    let ok = 0; const failed = [];
    for (let i = 0; i < ${count}; i++) {
      try {
        const status = await sdk.getStatus();
        const certificates = await sdk.listCertificates();
        if (status.host.installed && certificates.length >= 3) ok++; else failed.push('wrong answer ' + i);
      } catch (error) { failed.push(String(error.code ?? error)); }
    }
    return { ok, failed: failed.slice(0, 5) };`);
}

describe('load: memory stays flat', () => {
  it('1,000 sequential getStatus + listCertificates, then 100 signing windows opened and cancelled: worker heap and host RSS flat', async () => {
    // Warm up first: code paths loaded, caches filled, the host started.
    expect((await sequentialQuick(50)).ok).toBe(50);
    const host = await theHost(runtime);
    const heap0 = await probe.heapUsedBytes();
    const rss0 = rssKiB(host);

    const t0 = Date.now();
    const quick = await sequentialQuick(1000);
    const quickSeconds = (Date.now() - t0) / 1000;
    expect(quick).toEqual({ ok: 1000, failed: [] });
    const heap1 = await probe.heapUsedBytes();
    const rss1 = rssKiB(host);

    const t1 = Date.now();
    for (let n = 0; n < 100; n++) {
      const pending = startInPage(page, signHashCall(`Cửa sổ ${n}`));
      const consent = await waitForConsentPage(browser.context, 30_000);
      await consent.close();
      expect((await pending).error).toBe('USER_CANCELLED');
    }
    const windowSeconds = (Date.now() - t1) / 1000;
    const heap2 = await probe.heapUsedBytes();
    const rss2 = rssKiB(host);
    expect(await theHost(runtime)).toBe(host); // the same host process all along

    const mib = (bytes: number) => (bytes / MiB).toFixed(2);
    console.error(`load memory: service-worker heap ${mib(heap0)} → ${mib(heap1)} (after 1,000 pairs, ${quickSeconds.toFixed(1)} s) → ${mib(heap2)} MiB `
      + `(after 100 windows, ${windowSeconds.toFixed(1)} s); host RSS ${(rss0 / 1024).toFixed(1)} → ${(rss1 / 1024).toFixed(1)} → ${(rss2 / 1024).toFixed(1)} MiB`);
    // Generous bounds: a leak of even 2 KiB per request (4,200 requests) or per window would cross them.
    expect(heap2 - heap0).toBeLessThan(8 * MiB);
    expect(rss2 - rss0).toBeLessThan(64 * 1024);
  }, 600_000);
});

describe('service worker restarts', () => {
  it('a request sent while the worker restarts is served', async () => {
    await browser.serviceWorker!.evaluate(() => { (globalThis as { kysoBeforeRestart?: boolean }).kysoBeforeRestart = true; });
    await stopServiceWorkers(page);
    const during = await startInPage(page, 'return await sdk.getStatus();');
    expect(during.error, JSON.stringify(during)).toBeUndefined();
    expect(during.host.installed).toBe(true);
    // It was served by a NEW worker: the one running now does not have the old one's mark.
    const marks = await Promise.all(browser.context.serviceWorkers().map((w) =>
      w.evaluate(() => (globalThis as { kysoBeforeRestart?: boolean }).kysoBeforeRestart ?? false).catch(() => 'gone')));
    expect(marks).toContain(false);
    expect(marks).not.toContain(true);
  }, 120_000);

  it('a signing window open across a restart ends with a typed error, and the next signature works', async () => {
    const pending = startInPage(page, signHashCall('Qua lần khởi động lại'));
    const consent = await waitForConsentPage(browser.context, 30_000);
    await stopServiceWorkers(page);
    const result = await pending;
    expect(typeof result.error, JSON.stringify(result)).toBe('string');
    expect(result.error).not.toBe('TIMEOUT');
    expect(await pageClosed(consent, 15_000)).toBe(true);
    console.error(`signing window across a worker restart: the page got ${result.error}`);
    const next = startInPage(page, signHashCall('Sau khi khởi động lại'));
    await approveInConsent(await waitForConsentPage(browser.context, 30_000), { pin: token.userPin });
    const signed = await next;
    expect(signed.error, JSON.stringify(signed)).toBeUndefined();
    expect(typeof signed.signature).toBe('string');
  }, 120_000);
});
