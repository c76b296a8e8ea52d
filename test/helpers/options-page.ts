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
 * The same opt-in in Firefox (puppeteer over WebDriver BiDi): the options page at the pinned moz-extension UUID.
 * Kept beside the Chromium helper so both browsers take the person's route.
 */
export async function enableSignHashInFirefoxOptions(browser: import('puppeteer-core').Browser, extensionUuid: string, origin: string): Promise<void> {
  const page = await browser.newPage();
  try {
    await page.goto(`moz-extension://${extensionUuid}/ui/options/options.html`);
    await page.waitForSelector('[data-testid=raw-signing-add]');
    await page.type('[data-testid=raw-signing-input]', origin);
    await page.click('[data-testid=raw-signing-understood]');
    await page.click('[data-testid=raw-signing-add]');
    await page.waitForSelector(`[data-testid=raw-signing-row][data-origin="${origin}"]`, { timeout: 10_000 });
  } finally {
    await page.close();
  }
}
