/**
 * The set-up most browser tests repeat, made once per test file: the demo SoftHSM2 token, headless Chromium with
 * the built extension and the native host it starts seeing that token, the demo portal's test server, and signHash
 * turned on for that portal's origin. signHash is opt-in per origin (README "Admins"): it is turned on the way a
 * person does it, on the options page.
 *
 * Call portalFixture() at the top level of a test file (or of a describe): it registers its own beforeAll and
 * afterAll. Read its parts inside tests and hooks, not while the file is collected.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Page } from 'playwright-core';
import { createDemoToken, type DemoToken } from './demo-token.js';
import { launchKysoBrowser, openDemoPortal, startTestServer, type KysoBrowser } from './browser.js';
import { enableSignHashInOptions } from './options-page.js';
import { buildQuirksModule, quirksSetup, type Quirk, type QuirksSetup } from './quirks-token.js';
import type { StaticServer } from '../../demo/serve.mjs';

export interface PortalFixtureOptions {
  /**
   * Show the token to the host through the quirks module (test/fixtures/pkcs11-quirks) with these quirks; the
   * fixture's `quirks` is then that module's set-up, released before the browser closes.
   */
  readonly quirks?: readonly Quirk[];
  /** The environment of the browser, and so of the host it starts (default: the token's, or the quirks module's). */
  readonly env?: (token: DemoToken, quirks: QuirksSetup | undefined) => Record<string, string>;
  /** Turn signHash on for the portal's origin on the options page (default true). */
  readonly signHash?: boolean;
  /** Run once the browser and the server are closed (e.g. remove a folder `env` made). */
  readonly cleanup?: () => void;
}

export interface PortalFixture {
  readonly token: DemoToken;
  readonly browser: KysoBrowser;
  readonly server: StaticServer;
  /** The quirks module's set-up (only with the `quirks` option). */
  readonly quirks: QuirksSetup;
  /** The demo portal in a new tab of the fixture's browser, once it reports Kyso ready. */
  openPortal(): Promise<Page>;
}

export function portalFixture(options: PortalFixtureOptions = {}): PortalFixture {
  let token: DemoToken | undefined;
  let quirks: QuirksSetup | undefined;
  let browser: KysoBrowser | undefined;
  let server: StaticServer | undefined;

  beforeAll(async () => {
    token = await createDemoToken();
    if (options.quirks) quirks = quirksSetup(await buildQuirksModule(), token, options.quirks);
    const env = options.env ? options.env(token, quirks) : quirks ? quirks.env as Record<string, string> : token.env;
    browser = await launchKysoBrowser({ env });
    server = await startTestServer();
    if (options.signHash ?? true) await enableSignHashInOptions(browser, server.url);
  }, 180_000); // the longest any file that now shares this set-up gave it (load-tabs; the others 120 s)

  afterAll(async () => {
    // Let a call hung in the quirks module return first, so the host the browser started can be closed.
    quirks?.release();
    await browser?.close();
    await server?.close();
    options.cleanup?.();
  });

  const ready = <T>(part: T | undefined, name: string): T => {
    if (part === undefined) throw new Error(`portalFixture: ${name} read before its beforeAll ran (or after it failed)`);
    return part;
  };
  return {
    get token() { return ready(token, 'token'); },
    get browser() { return ready(browser, 'browser'); },
    get server() { return ready(server, 'server'); },
    get quirks() { return ready(quirks, 'quirks (no `quirks` option given?)'); },
    openPortal() { return openDemoPortal(ready(browser, 'browser').context, ready(server, 'server').url); },
  };
}
