/**
 * Real Chromium with the built Kyso extension and the native host registered for a throw-away profile.
 * Shared by the e2e tests: launch, serve test pages, find the consent window and act in it like a person.
 * Requires `npm run build` first (dist/chromium, dist/sdk, dist/host).
 */
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startStaticServer, type StaticServer } from '../../demo/serve.mjs';

const run = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, '../..');
export const CHROMIUM_PATH = process.env.KYSO_CHROMIUM ?? '/usr/bin/chromium';
export const EXTENSION_DIR = join(ROOT, 'dist/chromium');
const CONSENT_PATH = '/ui/consent/consent.html';

export interface LaunchOptions {
  /** Environment for the browser and so for the host it starts (SOFTHSM2_CONF, KYSO_PKCS11_MODULE). */
  readonly env?: Record<string, string>;
  /** Load the Kyso extension (default true). */
  readonly withExtension?: boolean;
  /** Register the native host for the profile (default true when the extension is loaded). */
  readonly registerHost?: boolean;
  readonly headless?: boolean;
  /** More Chromium flags (e.g. --host-resolver-rules for a test https origin). */
  readonly extraArgs?: readonly string[];
}

export interface KysoBrowser {
  readonly context: BrowserContext;
  readonly userDataDir: string;
  /** The extension's service worker (undefined without the extension). */
  readonly serviceWorker: Worker | undefined;
  readonly extensionId: string | undefined;
  close(): Promise<void>;
}

/** The flags from E2E-RECIPE: quiet, no sandbox (containers), and the extension loaded explicitly. */
export function chromiumArgs(extensionDir: string | undefined): string[] {
  const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
  // Playwright passes --disable-extensions by default; --disable-extensions-except overrides it for ours.
  if (extensionDir) args.push(`--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`);
  return args;
}

/** `kyso install` for a Chromium profile: writes <profile>/NativeMessagingHosts/vn.kyso.host.json and a launcher. */
export async function registerNativeHost(userDataDir: string, env: Record<string, string> = {}): Promise<void> {
  const extra = Object.entries(env).flatMap(([name, value]) => ['--env', `${name}=${value}`]);
  await run(process.execPath, [join(ROOT, 'bin/kyso.mjs'), 'install', '--browser', 'chromium', '--user-data-dir', userDataDir, ...extra], { timeout: 30_000 });
}

export async function launchKysoBrowser(options: LaunchOptions = {}): Promise<KysoBrowser> {
  const withExtension = options.withExtension ?? true;
  if (withExtension && !existsSync(join(EXTENSION_DIR, 'manifest.json'))) throw new Error('dist/chromium is missing: run npm run build first');
  const userDataDir = await mkdtemp(join(tmpdir(), 'kyso-profile-'));
  if (withExtension && (options.registerHost ?? true)) await registerNativeHost(userDataDir, options.env);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: options.headless ?? true,
    args: [...chromiumArgs(withExtension ? EXTENSION_DIR : undefined), ...(options.extraArgs ?? [])],
    env: { ...process.env as Record<string, string>, ...options.env },
  });
  let serviceWorker: Worker | undefined;
  if (withExtension) {
    serviceWorker = context.serviceWorkers()[0] ?? await context.waitForEvent('serviceworker', { timeout: 15_000 });
  }
  const extensionId = serviceWorker ? new URL(serviceWorker.url()).host : undefined;
  return {
    context, userDataDir, serviceWorker, extensionId,
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

/**
 * A self-signed certificate for a made-up https portal (the browser is told to map the name to 127.0.0.1 and to
 * accept the certificate). An https origin is what real portals are; the access policy asks about unknown ones.
 */
export async function makeTestTlsIdentity(hostName: string): Promise<{ key: string; cert: string; chromiumArgs: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'kyso-tls-'));
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', `/CN=${hostName}`, '-addext', `subjectAltName=DNS:${hostName}`]);
  const { readFile } = await import('node:fs/promises');
  return {
    key: await readFile(join(dir, 'key.pem'), 'utf8'),
    cert: await readFile(join(dir, 'cert.pem'), 'utf8'),
    chromiumArgs: [`--host-resolver-rules=MAP ${hostName} 127.0.0.1`, '--ignore-certificate-errors'],
  };
}

/** Serve the demo portal at / and the SDK at /sdk/ (plus any extra routes) on http://localhost:<port>. */
export function startTestServer(extraRoutes: Record<string, string> = {}): Promise<StaticServer> {
  return startStaticServer({ routes: { '/': join(ROOT, 'demo'), '/sdk/': join(ROOT, 'dist/sdk'), ...extraRoutes } });
}

export function isConsentPage(page: Page): boolean {
  return page.url().startsWith('chrome-extension://') && page.url().includes(CONSENT_PATH);
}

/** Consent pages already handed out: a window that is still closing must not be mistaken for the next one. */
const seenConsentPages = new WeakSet<Page>();

/** The next consent window (one this helper has not returned before), once it is open (it may already be). */
export async function waitForConsentPage(context: BrowserContext, timeoutMs = 20_000): Promise<Page> {
  const fresh = (page: Page) => isConsentPage(page) && !page.isClosed() && !seenConsentPages.has(page);
  const page = context.pages().find(fresh) ?? await context.waitForEvent('page', { predicate: fresh, timeout: timeoutMs });
  seenConsentPages.add(page);
  // A window opened beside the lookups closes again when they fail (no token, a document refused): then there is
  // nothing to wait for, and the caller's request ends with that error.
  await page.waitForLoadState('domcontentloaded').catch(() => undefined);
  // The window may open before the background has the request's certificates (consent-broker.ts `pendingSign`)
  // and renders the request only with its registrable domain (consent.ts): wait until the request is on screen,
  // or the window has closed (a lookup failed), rather than read it at DOMContentLoaded.
  await page.waitForSelector('[data-testid=origin]:not(:empty)', { state: 'attached', timeout: timeoutMs }).catch(() => undefined);
  return page;
}

/** Resolves when the page closes (true) or after timeoutMs (false). */
export function pageClosed(page: Page, timeoutMs = 10_000): Promise<boolean> {
  if (page.isClosed()) return Promise.resolve(true);
  return new Promise((ok) => {
    const timer = setTimeout(() => ok(false), timeoutMs);
    page.once('close', () => { clearTimeout(timer); ok(true); });
  });
}

/**
 * Click that tolerates the window closing under it: the consent window closes as soon as Approve succeeds
 * (E2E-RECIPE: noWaitAfter, and "Target closed" is expected).
 */
export async function clickClosing(page: Page, selector: string): Promise<void> {
  try {
    await page.click(selector, { noWaitAfter: true, timeout: 10_000 });
  } catch (error) {
    if (!page.isClosed() && !/closed/i.test(String(error))) throw error;
  }
}

export interface ApproveOptions {
  /** Pick this certificate (data-certificate-id); default: the preselected one, else the first one offered. */
  readonly certificateId?: string;
  readonly pin: string;
  /** Answer the site question first when shown: 'once' (default), 'always' or 'block'. */
  readonly site?: 'once' | 'always' | 'block';
}

/**
 * The consent window ignores input for about a second after it shows, regains focus or changes step
 * (extension/ui/consent/input-arming.ts); wait until it accepts input, as a person's reaction time does.
 */
export async function waitForArmed(page: Page, timeoutMs = 10_000): Promise<void> {
  await page.waitForSelector('body[data-armed=true]', { state: 'attached', timeout: timeoutMs });
}

/** Act in the consent window like a person: allow the site when asked, pick the certificate, type the PIN, approve. */
export async function approveInConsent(page: Page, options: ApproveOptions): Promise<void> {
  const siteButton = page.locator('[data-testid=site-allow-once]');
  const certificate = page.locator('[data-testid=certificate-option]').first();
  await Promise.race([siteButton.waitFor({ timeout: 15_000 }), certificate.waitFor({ timeout: 15_000 })]);
  if (await siteButton.isVisible()) {
    await waitForArmed(page);
    await page.click(`[data-testid=site-allow-${options.site ?? 'once'}]`);
    if (options.site === 'block') return;
    await certificate.waitFor({ timeout: 15_000 });
  }
  // The named certificate, or else — several usable certificates and no expected signer: nothing is preselected
  // (certificate-preselection.ts) — the first one offered (the one that used to be preselected). A pick made while
  // the window redraws can be lost: check it took, and pick again (Approve stays off without one).
  const wanted = options.certificateId
    ? `[data-testid=certificate-option][data-certificate-id="${options.certificateId}"]`
    : '[data-testid=certificate-option]:has(input[type=radio]:not([disabled]))';
  const picked = () => page.locator(options.certificateId ? `${wanted} input[type=radio]:checked` : '[data-testid=certificate-option] input[type=radio]:checked').count();
  for (let attempt = 1; attempt <= 3 && await picked() === 0; attempt++) {
    if (attempt > 1) await page.waitForTimeout(300);
    await page.click(wanted);
  }
  await waitForArmed(page);
  await page.fill('[data-testid=pin]', options.pin);
  await clickClosing(page, '[data-testid=approve]');
}

/**
 * Answer the site question when asked, then wait for the certificate list: the consent window at its signing step,
 * before any PIN (as approveInConsent does, for tests that look at the step before acting).
 */
export async function reachSigningStep(page: Page): Promise<void> {
  const siteButton = page.locator('[data-testid=site-allow-once]');
  const certificate = page.locator('[data-testid=certificate-option]').first();
  await Promise.race([siteButton.waitFor({ timeout: 15_000 }), certificate.waitFor({ timeout: 15_000 })]);
  if (await siteButton.isVisible()) {
    await waitForArmed(page);
    await page.click('[data-testid=site-allow-once]');
    await certificate.waitFor({ timeout: 15_000 });
  }
}

// ── Firefox (puppeteer-core over WebDriver BiDi; E2E-RECIPE "Firefox ESR") ──────────────────────────────

export const FIREFOX_PATH = process.env.KYSO_FIREFOX ?? '/usr/bin/firefox-esr';
export const FIREFOX_EXTENSION_DIR = join(ROOT, 'dist/firefox');
/** Pinned moz-extension UUID, so the consent page's URL is known. */
export const FIREFOX_EXTENSION_UUID = '0b7d5a8e-6c1f-4e2a-9d3b-5f1e2c3d4a5b';

export interface KysoFirefox {
  readonly browser: import('puppeteer-core').Browser;
  /** The temporary HOME holding ~/.mozilla/native-messaging-hosts (nothing leaks between runs). */
  readonly home: string;
  close(): Promise<void>;
}

/**
 * Firefox ESR with dist/firefox installed as a temporary add-on and the host registered in a temporary HOME.
 * `openOptionsPage`: start Firefox with --remote-allow-system-access, without which its WebDriver BiDi agent
 * refuses to navigate a tab to moz-extension:// (options-page.ts openFirefoxOptionsPage). It widens only what
 * the test driver may do, not what the extension or a web page may.
 */
export async function launchKysoFirefox(options: {
  env?: Record<string, string>; openOptionsPage?: boolean;
  /** Host names resolved to 127.0.0.1 and served with a self-signed certificate (an https test site), e.g. an unlisted portal. */
  testHosts?: readonly string[];
  /**
   * The admin policy (Kyso's managed storage), written to ~/.mozilla/managed-storage before Firefox starts:
   * Firefox looks an extension's managed storage up once per run and keeps the answer (parent/ext-storage.js),
   * so a policy written after the extension first asked is never seen.
   */
  managedPolicy?: Record<string, unknown>;
} = {}): Promise<KysoFirefox> {
  if (!existsSync(join(FIREFOX_EXTENSION_DIR, 'manifest.json'))) throw new Error('dist/firefox is missing: run npm run build first');
  const { default: puppeteer } = await import('puppeteer-core');
  const home = await mkdtemp(join(tmpdir(), 'kyso-ffhome-'));
  const env = { ...process.env as Record<string, string>, ...options.env, HOME: home };
  await run(process.execPath, [join(ROOT, 'bin/kyso.mjs'), 'install', '--browser', 'firefox'], { env, timeout: 30_000 });
  if (options.managedPolicy) {
    const managedDir = join(home, '.mozilla', 'managed-storage');
    await mkdir(managedDir, { recursive: true });
    await writeFile(join(managedDir, 'kyso@kyso.vn.json'), JSON.stringify({ name: 'kyso@kyso.vn', description: 'Kyso test policy', type: 'storage', data: options.managedPolicy }));
  }
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: FIREFOX_PATH, headless: true, env,
    args: options.openOptionsPage ? ['--remote-allow-system-access'] : [],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ 'kyso@kyso.vn': FIREFOX_EXTENSION_UUID }),
      ...(options.testHosts?.length ? { 'network.dns.localDomains': options.testHosts.join(',') } : {}),
    },
    ...(options.testHosts?.length ? { acceptInsecureCerts: true } : {}),
  });
  await browser.installExtension(FIREFOX_EXTENSION_DIR);
  return {
    browser, home,
    async close() {
      await browser.close().catch(() => undefined);
      await rm(home, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

/**
 * The Firefox consent window. Over BiDi a popup may report about:blank as its URL, so each page is asked for
 * its own location (E2E-RECIPE).
 */
export async function waitForFirefoxConsentPage(browser: import('puppeteer-core').Browser, timeoutMs = 20_000): Promise<import('puppeteer-core').Page> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const page of await browser.pages()) {
      const href = await page.evaluate(() => location.href).catch(() => '');
      if (href.includes(CONSENT_PATH) && !seenFirefoxPages.has(page)) {
        seenFirefoxPages.add(page);
        // As waitForConsentPage: the window renders the request only once its state and the registrable domain are
        // there (it may open before the lookups are done); wait for that, or for the window to close.
        while (Date.now() < deadline) {
          const shown = await page.evaluate(() => !!document.querySelector('[data-testid=origin]')?.textContent).catch(() => true);
          if (shown) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return page;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no Kyso consent window in Firefox');
}
const seenFirefoxPages = new WeakSet<object>();

/**
 * Pick a certificate, type the PIN and approve in the Firefox consent window, checking that each step took.
 * Puppeteer, unlike Playwright, does not wait for an element to be ready: the window ignores input until it is
 * armed (its first second, and again for a second after it loses and regains focus), and it redraws when it
 * polls the token list, which can drop a key being typed. A step that did not take is done again; a window that
 * is still open 60 s after Approve fails the test with its own error line instead of a silent test timeout.
 */
export async function approveInFirefoxConsent(consent: import('puppeteer-core').Page, choice: { certificateId: string; pin: string }): Promise<void> {
  const option = `[data-testid=certificate-option][data-certificate-id="${choice.certificateId}"]`;
  await consent.waitForSelector('[data-testid=pin]');
  await consent.waitForSelector(option);
  for (let attempt = 1; ; attempt++) {
    await consent.waitForSelector('body[data-armed=true]');
    // Puppeteer clicks the middle of the element once any part of it is in view; the decision bar is sticky at
    // the bottom of the window and can cover that middle (a CI run lost all five clicks that way). Centre the
    // option first; if a click still does not take, click the radio itself as keyboard users' Space would.
    await consent.$eval(option, (el) => el.scrollIntoView({ block: 'center' })).catch(() => undefined);
    if (attempt <= 2) await consent.click(option).catch(() => undefined);
    else await consent.$eval(`${option} input[type=radio]`, (el) => (el as HTMLInputElement).click()).catch(() => undefined);
    const picked = await consent.$eval(`${option} input[type=radio]`, (el) => (el as HTMLInputElement).checked).catch(() => false);
    if (picked) break;
    if (attempt === 5) throw new Error(`the certificate ${choice.certificateId} could not be picked in the consent window`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  await consent.waitForSelector('body[data-armed=true]');
  await consent.type('[data-testid=pin]', choice.pin);
  const typed = await consent.$eval('[data-testid=pin]', (el) => (el as HTMLInputElement).value);
  if (typed !== choice.pin) {
    // The window reads the field on submit: put the PIN there as the person would see it typed.
    await consent.$eval('[data-testid=pin]', (el, pin) => {
      const field = el as HTMLInputElement;
      field.value = pin;
      field.dispatchEvent(new Event('input', { bubbles: true }));
    }, choice.pin);
  }
  await consent.waitForSelector('body[data-armed=true]');
  await consent.waitForSelector('[data-testid=approve]:not([disabled])', { timeout: 15_000 });
  await consent.click('[data-testid=approve]').catch(() => undefined); // the window closes under the click
  let state: unknown;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const now = await consent.evaluate(() => {
      const approve = document.querySelector<HTMLButtonElement>('[data-testid=approve]');
      return {
        error: document.querySelector('[data-testid=error]')?.textContent ?? '',
        approve: approve?.textContent ?? '',
        // Still offered, armed and nothing said: the click fell in a moment the window was disarmed.
        clickAgain: !!approve && !approve.disabled && document.body.dataset['armed'] === 'true' && !document.querySelector('[data-testid=error]')?.textContent,
      };
    }).catch(() => undefined);
    state = now;
    if (now === undefined) return;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if (now.clickAgain) await consent.click('[data-testid=approve]').catch(() => undefined);
  }
  throw new Error(`the consent window is still open 60 s after Approve: ${JSON.stringify(state)}`);
}

/** Open the demo portal in a new tab and wait until it reports Kyso ready (extension, host and a token). */
export async function openDemoPortal(context: BrowserContext, serverUrl: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${serverUrl}/`);
  await page.waitForSelector('[data-testid=status][data-state=ready]', { timeout: 20_000 });
  return page;
}
