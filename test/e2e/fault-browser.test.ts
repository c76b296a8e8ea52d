/**
 * Issue 15 §2, the faults that need their own browser: the browser closed mid-upload and mid-download (nothing
 * left in the temp folder after the next host start), hung and crashing drivers (test/fixtures/pkcs11-faulty/
 * faulty-module.c: C_Initialize never returns / abort()) seen from the page, and a wrong clock (a certificate
 * whose notBefore is tomorrow: a clear validity error before any PIN is asked). Real headless Chromium, the
 * built extension and host, the real SoftHSM2 token. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { approveInConsent, launchKysoBrowser, ROOT, startTestServer, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { theHost } from '../helpers/browser-faults.js';
import { startInPage } from '../helpers/page-sdk.js';
import { addCertificateValidFromTomorrow, type FutureCertificate } from '../helpers/future-certificate.js';
import { spawnHost } from '../helpers/host-process.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import type { StaticServer } from '../../demo/serve.mjs';

const run = promisify(execFile);
const FAULTY_SOURCE = resolve(import.meta.dirname, '../fixtures/pkcs11-faulty/faulty-module.c');

let token: DemoToken;
let future: FutureCertificate;
let server: StaticServer;
let dir: string;
const driver = { hang: '', abort: '' };

beforeAll(async () => {
  if (spawnSync('cc', ['--version']).error) throw new Error('these tests build small PKCS#11 modules with cc: apt-get install -y gcc');
  token = await createDemoToken();
  future = await addCertificateValidFromTomorrow(token);
  dir = await mkdtemp(join(tmpdir(), 'kyso-fault-browser-'));
  driver.hang = join(dir, 'libkyso-fault-init-hangs.so');
  driver.abort = join(dir, 'libkyso-fault-init-aborts.so');
  await run('cc', ['-shared', '-fPIC', '-O1', '-DFAULT_INIT_HANGS', '-o', driver.hang, FAULTY_SOURCE]);
  await run('cc', ['-shared', '-fPIC', '-O1', '-DFAULT_INIT_ABORTS', '-o', driver.abort, FAULTY_SOURCE]);
  await writeFile(join(dir, 'large.bin'), randomBytes(40 * 1024 * 1024));
  server = await startTestServer({ '/files/': dir });
}, 180_000);

afterAll(async () => { await server?.close(); });

/** A browser whose host keeps its uploads under a runtime folder of this test's own. */
async function browserWith(env: Record<string, string>): Promise<{ browser: KysoBrowser; runtime: string }> {
  const runtime = await mkdtemp(join(tmpdir(), 'kyso-fault-browser-runtime-'));
  const browser = await launchKysoBrowser({ env: { ...env, XDG_RUNTIME_DIR: runtime, KYSO_STATE_DIR: join(runtime, 'state') } });
  return { browser, runtime };
}

const documentFolders = async (runtime: string) => {
  const userDir = join(runtime, `kyso-${process.getuid!()}`);
  return existsSync(userDir) ? (await readdir(userDir)).filter((n) => n.startsWith('docs-')) : [];
};

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await probe());) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The next host start (the built host, as the browser would start it) leaves no document folder behind. */
async function nextHostStartLeavesNothing(runtime: string): Promise<void> {
  const host = spawnHost(join(ROOT, 'dist/host/kyso-host.mjs'), { env: { ...token.env, XDG_RUNTIME_DIR: runtime } });
  try {
    const hello = await host.request('host.hello', { extensionVersion: '0.1.0' });
    expect(hello.type).toBe('host.result');
    expect(await documentFolders(runtime)).toEqual([]);
  } finally {
    await host.close();
  }
}

describe('the browser closed in the middle of a document', () => {
  it('closed mid-upload: nothing is left in the temp folder after the next host start', async () => {
    const { browser, runtime } = await browserWith(token.env);
    try {
      const page = await browser.context.newPage();
      await page.goto(`${server.url}/`);
      void startInPage(page, `await sdk.signCms({ data: await file('large.bin') });`).catch(() => undefined);
      const pid = await theHost(runtime);
      await waitUntil('the upload to reach the disk', async () => (await documentFolders(runtime)).some((n) => n.startsWith(`docs-${pid}-`)));
    } finally {
      await browser.close();
    }
    await nextHostStartLeavesNothing(runtime);
    await rm(runtime, { recursive: true, force: true });
  }, 180_000);

  it('closed mid-download of a signed result: nothing is left in the temp folder after the next host start', async () => {
    const { browser, runtime } = await browserWith(token.env);
    try {
      const page = await browser.context.newPage();
      await page.goto(`${server.url}/`);
      const pending = startInPage(page, `await sdk.signCms({ data: await file('large.bin'), attached: true });`);
      pending.catch(() => undefined);
      const consent = await Promise.race([waitForConsentPage(browser.context, 120_000), pending.then((r) => { throw new Error(`no consent window: ${JSON.stringify(r)}`); })]);
      const pid = await theHost(runtime);
      const folder = (await documentFolders(runtime)).find((n) => n.startsWith(`docs-${pid}-`))!;
      await approveInConsent(consent, { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
      const userDir = join(runtime, `kyso-${process.getuid!()}`);
      await waitUntil('the download to start', async () => {
        const names = await readdir(join(userDir, folder)).catch(() => [] as string[]);
        return names.some((n) => n.endsWith('.out')) && !names.some((n) => n.endsWith('.in'));
      });
    } finally {
      await browser.close();
    }
    await nextHostStartLeavesNothing(runtime);
    await rm(runtime, { recursive: true, force: true });
  }, 180_000);
});

describe('hung and crashing drivers seen from the page', () => {
  /** Drivers from an admin config file (the browser starts the host with its own environment). */
  async function driversConfig(paths: string[]): Promise<string> {
    const file = join(dir, `config-${paths.length}.json`);
    await writeFile(file, JSON.stringify({ pkcs11Modules: paths }));
    return file;
  }

  it('only a hung and a crashing driver: the page gets PKCS11_MODULE_NOT_FOUND within the probe bound, the next request at once, from the same host', async () => {
    const { SOFTHSM2_CONF, KYSO_DATA_DIR } = token.env;
    const { browser, runtime } = await browserWith({ SOFTHSM2_CONF, KYSO_DATA_DIR, KYSO_CONFIG: await driversConfig([driver.hang, driver.abort]) });
    try {
      await enableSignHashInOptions(browser, server.url);
      const page = await browser.context.newPage();
      await page.goto(`${server.url}/`);
      const hash = Buffer.alloc(32, 9).toString('base64');
      const started = Date.now();
      const first = await startInPage(page, `return await sdk.signHash({ hash: '${hash}', hashAlgorithm: 'SHA-256' });`);
      const firstMs = Date.now() - started;
      expect(first.error, JSON.stringify(first)).toBe('PKCS11_MODULE_NOT_FOUND');
      const pid = await theHost(runtime);
      const again = Date.now();
      const second = await startInPage(page, `return await sdk.signHash({ hash: '${hash}', hashAlgorithm: 'SHA-256' });`);
      const secondMs = Date.now() - again;
      expect(second.error).toBe('PKCS11_MODULE_NOT_FOUND');
      expect(await theHost(runtime)).toBe(pid);
      console.error(`faulty drivers only: first answer ${firstMs} ms (both probed, 5 s bound each), next ${secondMs} ms (verdicts remembered)`);
      expect(firstMs).toBeLessThan(20_000);
      expect(secondMs).toBeLessThan(5000);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('a hung and a crashing driver next to the token: the page signs; a not-yet-valid certificate (clock wrong) is refused before any PIN', async () => {
    const { SOFTHSM2_CONF, KYSO_DATA_DIR } = token.env;
    const { browser, runtime } = await browserWith({ SOFTHSM2_CONF, KYSO_DATA_DIR, KYSO_CONFIG: await driversConfig([driver.hang, driver.abort, token.module]) });
    try {
      await enableSignHashInOptions(browser, server.url);
      const page = await browser.context.newPage();
      await page.goto(`${server.url}/`);
      const hash = Buffer.alloc(32, 7).toString('base64');
      const pending = startInPage(page, `return await sdk.signHash({ hash: '${hash}', hashAlgorithm: 'SHA-256', certificateId: '${token.cert('org-rsa').certificateId}' });`);
      const consent = await Promise.race([waitForConsentPage(browser.context, 30_000), pending.then((r) => { throw new Error(`no consent window: ${JSON.stringify(r)}`); })]);
      await approveInConsent(consent, { pin: token.userPin });
      const signed = await pending;
      expect(signed.error, JSON.stringify(signed)).toBeUndefined();
      expect(typeof signed.signature).toBe('string');

      // The clock is a day behind the certificate: it is listed as not yet valid, and a request for it is refused
      // with the reason before any window asks for a PIN.
      const listed = await startInPage(page, 'return await sdk.listCertificates();');
      const shown = (listed as Array<{ id: string; unusableReasons: string[] }>).find((c) => c.id === future.certificateId);
      expect(shown?.unusableReasons).toContain('notYetValid');
      const pagesBefore = browser.context.pages().length;
      const refused = await startInPage(page, `return await sdk.signHash({ hash: '${hash}', hashAlgorithm: 'SHA-256', certificateId: '${future.certificateId}' });`);
      expect(refused.error, JSON.stringify(refused)).toBe('CERTIFICATE_NOT_USABLE');
      expect(JSON.stringify(refused.details)).toContain('notYetValid');
      expect(browser.context.pages().length).toBe(pagesBefore);
      expect(await theHost(runtime)).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
