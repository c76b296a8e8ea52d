/**
 * What the plugin-compatibility e2e tests (compat-vgca, compat-vgca-extras, compat-vnpt, compat-firefox) start
 * from: the demo token with a work folder and an NSS database trusting its CA (for pdfsig), the unlisted https
 * portal that must see no service (a made-up name the browser maps to 127.0.0.1, self-signed), and a portal page
 * opened once Kyso's shim is in it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startMockPortal, type MockPortal } from '../fixtures/compat/mock-portal.js';
import { nssDbWith } from '../fixtures/pdf/pdf-test-tools.js';
import { makeTestTlsIdentity } from './browser.js';
import { createDemoToken, type DemoToken } from './demo-token.js';

export interface CompatSigning {
  readonly token: DemoToken;
  /** A fresh temp folder (prefix `tempPrefix`) for the test's files. */
  readonly dir: string;
  /** NSS database trusting the token's root and intermediate: pdfsig's trust store. */
  readonly nssDir: string;
}

export async function prepareCompatSigning(tempPrefix: string): Promise<CompatSigning> {
  const token = await createDemoToken();
  const dir = await mkdtemp(join(tmpdir(), tempPrefix));
  const nssDir = await nssDbWith([token.rootPem, token.intermediatePem]);
  return { token, dir, nssDir };
}

export interface UnlistedPortal {
  readonly portal: MockPortal;
  /** Chromium flags that map the name to 127.0.0.1 and accept the self-signed certificate. */
  readonly chromiumArgs: readonly string[];
}

/** The mock portal at https://<hostName>:<port>, self-signed, serving `files`; never on any allowlist. */
export async function startUnlistedPortal(hostName: string, files: Record<string, Uint8Array>): Promise<UnlistedPortal> {
  const tls = await makeTestTlsIdentity(hostName);
  const portal = await startMockPortal({ files, tls: { key: tls.key, cert: tls.cert }, publicHost: hostName });
  return { portal, chromiumArgs: tls.chromiumArgs };
}

/**
 * `url` in a new tab, once the shim has replaced WebSocket in it. The shim is installed right after document start
 * (one round trip to the background, longer while the browser starts); a portal calls on the person's click, so
 * the tests wait until it is there. For a site that gets none (`shimExpected` false), wait 2 s and go on.
 */
export async function openShimmedPage(context: BrowserContext, url: string, shimExpected = true): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  const installed = page.waitForFunction(() => !Function.prototype.toString.call(WebSocket).includes('[native code]'), undefined, { timeout: shimExpected ? 15_000 : 2000 });
  if (shimExpected) await installed; else await installed.catch(() => undefined);
  return page;
}

/** Call a vgcaplugin.js function as the mock portal's own code does (window.callVgca); the callback's JSON text. */
export function callVgca(page: Page, fn: string, args: unknown[]): Promise<string> {
  return page.evaluate(([f, a]) => (window as unknown as { callVgca(f: string, a: unknown[]): Promise<string> }).callVgca(f as string, a as unknown[]), [fn, args] as const);
}
