/**
 * The extension's service worker seen through the Chrome DevTools Protocol, for the load tests: its JS heap after
 * a garbage collection (Runtime.getHeapUsage), and stopping it as Chromium does with an idle MV3 worker
 * (ServiceWorker.stopAllWorkers). Chromium is started with --remote-debugging-port=0 (it writes the port it chose
 * to <profile>/DevToolsActivePort); puppeteer-core attaches to service-worker targets only, so it never touches
 * the pages Playwright drives.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export const REMOTE_DEBUGGING_ARGS = ['--remote-debugging-port=0'];

export interface WorkerProbe {
  /** JS heap used by the extension's service worker, in bytes, after a forced garbage collection. */
  heapUsedBytes(): Promise<number>;
  close(): Promise<void>;
}

export async function connectWorkerProbe(userDataDir: string, extensionId: string): Promise<WorkerProbe> {
  const port = Number((await readFile(join(userDataDir, 'DevToolsActivePort'), 'utf8')).split('\n')[0]);
  const { default: puppeteer } = await import('puppeteer-core');
  const isOurWorker = (type: string, url: string) => type === 'service_worker' && url.startsWith(`chrome-extension://${extensionId}/`);
  const browser = await puppeteer.connect({
    browserURL: `http://127.0.0.1:${port}`, defaultViewport: null,
    targetFilter: (target) => isOurWorker(target.type(), target.url()),
  });
  return {
    async heapUsedBytes() {
      const target = await browser.waitForTarget((t) => isOurWorker(t.type(), t.url()), { timeout: 15_000 });
      const session = await target.createCDPSession();
      try {
        await session.send('HeapProfiler.collectGarbage');
        return (await session.send('Runtime.getHeapUsage')).usedSize;
      } finally {
        await session.detach().catch(() => undefined);
      }
    },
    close: () => browser.disconnect(),
  };
}

/** Stop every service worker of the profile now (what Chromium does to an idle MV3 worker after ~30 s). */
export async function stopServiceWorkers(page: Page): Promise<void> {
  const session = await page.context().newCDPSession(page);
  try {
    await session.send('ServiceWorker.enable');
    await session.send('ServiceWorker.stopAllWorkers');
  } finally {
    await session.detach().catch(() => undefined);
  }
}
