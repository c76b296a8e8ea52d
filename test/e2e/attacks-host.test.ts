/**
 * Attack suite, host hop — simulated compromised host: the extension in real Chromium talks to a FAKE native
 * host (test/fixtures/hostile/fake-host.mjs, registered as vn.kyso.host for this profile) that answers with
 * wrong ids, wrong shapes, garbage and an over-1-MiB frame. A real host cannot be made to do this on demand.
 * Each case ends with a typed error (or the honest answer) at the page, no consent window, and the extension
 * answering the next request. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { CHROMIUM_EXTENSION_ID } from '../../native-host/config.js';
import { HOST_QUICK_REQUEST_TIMEOUT_MS } from '../../shared/limits.js';
import { clickClosing, isConsentPage, launchKysoBrowser, pageClosed, ROOT, startTestServer, waitForArmed, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import { createSoftwarePki } from '../helpers/software-signer.js';
import { describeCertificate } from '../../shared/certificates/describe-certificate.js';
import type { StaticServer } from '../../demo/serve.mjs';

let browser: KysoBrowser;
let server: StaticServer;
let page: Page;
let modeFile: string;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kyso-fake-host-'));
  modeFile = join(dir, 'mode');
  await writeFile(modeFile, 'honest');
  // Certificates the simulated final-try/locked token holds: a real certificate described by Kyso's own code.
  const certsFile = join(dir, 'certificates.json');
  const pki = createSoftwarePki();
  await writeFile(certsFile, JSON.stringify([await describeCertificate(pki.rsa.signer.certificate, {
    hasPrivateKey: true, token: { id: 'fake-token-0001', label: 'Simulated token', serialNumber: '666', manufacturer: 'evil', model: 'evil' },
  })]));
  browser = await launchKysoBrowser({ registerHost: false, env: { KYSO_FAKE_HOST_MODE_FILE: modeFile, KYSO_FAKE_HOST_CERTS_FILE: certsFile } });
  // Chromium looks the manifest up at connectNative time, so registering after launch is enough.
  const launcher = join(dir, 'fake-host.sh');
  await writeFile(launcher, `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'test/fixtures/hostile/fake-host.mjs')}" "$@"\n`);
  await chmod(launcher, 0o755);
  await mkdir(join(browser.userDataDir, 'NativeMessagingHosts'), { recursive: true });
  await writeFile(join(browser.userDataDir, 'NativeMessagingHosts', 'vn.kyso.host.json'), JSON.stringify({
    name: 'vn.kyso.host', description: 'TEST ONLY fake host', path: launcher, type: 'stdio', allowed_origins: [`chrome-extension://${CHROMIUM_EXTENSION_ID}/`],
  }));
  server = await startTestServer();
  // signHash is opt-in per origin (README "Admins"): enabled here the way a person does it, on the options page.
  await enableSignHashInOptions(browser, server.url);
  page = await browser.context.newPage();
  await page.goto(`${server.url}/`);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Call the SDK in the page; returns the result or the error code, and how long it took. */
function call(expression: string): Promise<{ code: string; value?: unknown; ms: number }> {
  return page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    const t = performance.now();
    try { const value = await ${expression}; return { code: 'resolved', value, ms: performance.now() - t }; }
    catch (error) { return { code: error.code ?? String(error), ms: performance.now() - t }; }
  })()`);
}

const noConsentWindow = () => !browser.context.pages().some((p) => isConsentPage(p) && !p.isClosed());
const SIGN = `sdk.signHash({ hash: sdk.toBase64(new Uint8Array(32).fill(1)), hashAlgorithm: 'SHA-256' })`;

describe('simulated compromised host', () => {
  it('a tempting reply under another id is ignored: the page sees only the answer to its own request', async () => {
    await writeFile(modeFile, 'wrong-id');
    const status = await call('sdk.getStatus()');
    expect(status.code).toBe('resolved');
    expect(status.value).toMatchObject({ host: { installed: true, version: '0.0.0-fake' }, tokens: [] });
    expect(JSON.stringify(status.value)).not.toContain('FORGED');
  });

  it('a result of the wrong shape is PROTOCOL_ERROR at the page, and signing stops before any window', async () => {
    await writeFile(modeFile, 'wrong-shape');
    expect((await call('sdk.listCertificates()')).code).toBe('PROTOCOL_ERROR');
    expect((await call(SIGN)).code).toBe('PROTOCOL_ERROR');
    expect(noConsentWindow()).toBe(true);
  });

  it('a single frame over 1 MiB drops the host with a typed error at once; the next request reconnects', async () => {
    await writeFile(modeFile, 'oversize');
    const failed = await call('sdk.listCertificates()');
    expect(['HOST_DISCONNECTED', 'PROTOCOL_ERROR', 'FRAME_TOO_LARGE']).toContain(failed.code);
    expect(failed.ms).toBeLessThan(10_000);
    expect(noConsentWindow()).toBe(true);
    await writeFile(modeFile, 'honest');
    expect(await call('sdk.listCertificates()')).toMatchObject({ code: 'resolved', value: [] });
  });

  // Measured: Chromium 156 silently drops a host frame that is not JSON (no disconnect, no error event), so the
  // extension cannot tell; the request ends with TIMEOUT at HOST_QUICK_REQUEST_TIMEOUT_MS (30 s), not a hang.
  it('a frame that is not JSON is dropped by Chromium: the request ends with TIMEOUT (30 s), the next request works', async () => {
    await writeFile(modeFile, 'garbage');
    const failed = await call('sdk.listCertificates()');
    expect(failed.code).toBe('TIMEOUT');
    expect(failed.ms).toBeLessThan(HOST_QUICK_REQUEST_TIMEOUT_MS + 5_000);
    expect(noConsentWindow()).toBe(true);
    await writeFile(modeFile, 'honest');
    expect(await call('sdk.listCertificates()')).toMatchObject({ code: 'resolved', value: [] });
  }, HOST_QUICK_REQUEST_TIMEOUT_MS + 30_000);

  it('simulated token at its final PIN try, then locked: Approve waits for confirm-last-try; after the wrong last try the window shows the lock, no PIN field, Approve disabled', async () => {
    await writeFile(modeFile, 'final-try');
    const outcome = call(SIGN);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=confirm-last-try]');
    await waitForArmed(consent); // decisions are ignored for the window's first second
    expect(await consent.textContent('[data-testid=final-try-warning]')).toMatch(/lần thử PIN cuối cùng.*bị khoá/);
    expect(await consent.isDisabled('[data-testid=approve]')).toBe(true);
    await consent.fill('[data-testid=pin]', '123456');
    expect(await consent.isDisabled('[data-testid=approve]')).toBe(true);
    await consent.check('[data-testid=confirm-last-try]');
    expect(await consent.isDisabled('[data-testid=approve]')).toBe(false);
    expect(await consent.inputValue('[data-testid=pin]')).toBe('123456'); // kept across the re-render
    // The last try is wrong and locks the token: the host says PIN_INCORRECT, fresh token state says locked.
    await writeFile(modeFile, 'locked');
    await consent.click('[data-testid=approve]');
    await consent.waitForSelector('[data-testid=pin-locked]');
    expect(await consent.locator('[data-testid=pin]').count()).toBe(0);
    expect(await consent.locator('[data-testid=confirm-last-try]').count()).toBe(0);
    expect(await consent.isDisabled('[data-testid=approve]')).toBe(true);
    expect(await consent.isVisible('[data-testid=error]')).toBe(true);
    await clickClosing(consent, '[data-testid=cancel]');
    expect(await pageClosed(consent)).toBe(true);
    expect((await outcome).code).toBe('USER_CANCELLED');
    await writeFile(modeFile, 'honest');
  });
});
