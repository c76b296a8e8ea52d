/**
 * Act on Kyso's options page like a person: allow a site, and turn on raw-hash signing (`signHash`) for one
 * origin behind its warning. This is the real route a person has (the consent window offers neither), so the
 * e2e and security tests use it instead of writing the extension's storage behind its back.
 */
import type { Page } from 'playwright-core';
import type { KysoBrowser } from './browser.js';

export async function openOptionsPage(browser: KysoBrowser): Promise<Page> {
  if (!browser.extensionId) throw new Error('the extension is not loaded');
  const page = await browser.context.newPage();
  await page.goto(`chrome-extension://${browser.extensionId}/ui/options/options.html`);
  await page.waitForSelector('[data-testid=user-origin-add]');
  return page;
}

/** "Always allow" a site, as the person would type it on the options page. */
export async function allowSiteInOptions(browser: KysoBrowser, origin: string): Promise<void> {
  const page = await openOptionsPage(browser);
  await page.fill('[data-testid=user-origin-input]', origin);
  await page.selectOption('[data-testid=user-origin-decision]', 'allow');
  await page.click('[data-testid=user-origin-add]');
  await page.waitForSelector(`[data-testid=user-origin-row][data-origin="${origin}"][data-decision=allow]`);
  await page.close();
}

/**
 * Let one origin use `signHash`: the person types the origin, ticks "I understand" under the warning that such
 * a signature can sign them in anywhere, and confirms. Resolves once the page lists the origin.
 */
export async function enableSignHashInOptions(browser: KysoBrowser, origin: string): Promise<void> {
  const page = await openOptionsPage(browser);
  await page.fill('[data-testid=raw-signing-input]', origin);
  await page.check('[data-testid=raw-signing-understood]');
  await page.click('[data-testid=raw-signing-add]');
  await page.waitForSelector(`[data-testid=raw-signing-row][data-origin="${origin}"]`);
  await page.close();
}

/**
 * Open Kyso's options page in Firefox (puppeteer over WebDriver BiDi) at the pinned moz-extension UUID: the page
 * a person reaches through about:addons → Kyso → Options (`options_ui.open_in_tab`). Firefox's remote agent
 * refuses to navigate to moz-extension:// ("not allowed in this context", isWebdriverSafeNavigationURL) unless
 * Firefox was started with --remote-allow-system-access: launch with `launchKysoFirefox({ openOptionsPage: true })`.
 * The load moves the tab into the extension process, where puppeteer's navigation tracking never sees it finish
 * (the tab keeps reporting about:blank, E2E-RECIPE), so the page is asked for its own location instead.
 */
export async function openFirefoxOptionsPage(browser: import('puppeteer-core').Browser, extensionUuid: string): Promise<import('puppeteer-core').Page> {
  const url = `moz-extension://${extensionUuid}/ui/options/options.html`;
  const page = await browser.newPage();
  try {
    // Not awaited: its load event is lost across the process switch; it settles (and is ignored) when the page closes.
    page.goto(url, { timeout: 0 }).catch(() => undefined);
    // Polled by hand: puppeteer's waitForFunction can fail outright ("Waiting failed") when the process switch
    // destroys the realm it was polling in; a page.evaluate that fails is simply asked again.
    for (const deadline = Date.now() + 25_000; Date.now() < deadline;) {
      const ready = await page.evaluate((expected) => location.href === expected && !!document.querySelector('[data-testid=user-origin-add]'), url)
        .catch(() => false);
      if (ready) return page;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${url} did not load within 25 s`);
  } catch (error) {
    await page.close().catch(() => undefined);
    throw new Error(`Kyso's options page did not open in Firefox (was it launched with openOptionsPage: true?): ${String(error)}`);
  }
}

/** The Firefox twin of enableSignHashInOptions: the same fields, the same warning ticked, the same confirmation. */
export async function enableSignHashInFirefoxOptions(browser: import('puppeteer-core').Browser, extensionUuid: string, origin: string): Promise<void> {
  const page = await openFirefoxOptionsPage(browser, extensionUuid);
  try {
    await page.type('[data-testid=raw-signing-input]', origin);
    await page.click('[data-testid=raw-signing-understood]');
    await page.click('[data-testid=raw-signing-add]');
    await page.waitForSelector(`[data-testid=raw-signing-row][data-origin="${origin}"]`, { timeout: 10_000 });
  } finally {
    await page.close();
  }
}
