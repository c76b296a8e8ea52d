/**
 * Enterprise rollout on Linux, for real (issue 10 §3): the .deb installed with dpkg (host executable + system-wide
 * host manifests), a managed Chromium policy written by the INSTALLED `kyso policy` that force-installs the
 * extension from a loopback update.xml (the .crx served by this test) and allows the test portal, then a FRESH
 * Chromium profile started with no --load-extension and no `kyso install`: it gets the extension from policy
 * and signs on the allowed page with the SoftHSM2 token. openssl checks the signature.
 *
 * Isolation, because this machine is shared: the policy folder /etc/chromium/policies/managed is replaced, for
 * THIS Chromium only, by a bind mount in a private mount namespace (unshare -m), so no other browser on the
 * machine gets the force-install; the .deb is installed only for this file's duration and removed in afterAll
 * (root only; otherwise the test says why it did not run).
 * The .crx is signed with a key made here, so its extension ID is not the release ID: the test .deb admits that
 * ID in its manifests and the host is told through KYSO_ALLOWED_EXTENSIONS (README: re-signed builds).
 * Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { approveInConsent, CHROMIUM_PATH, ROOT, startTestServer, waitForConsentPage } from '../helpers/browser.js';
import type { StaticServer } from '../../demo/serve.mjs';

const root = process.getuid?.() === 0;
const alreadyInstalled = spawnSync('dpkg-query', ['-W', '-f', '${Status}', 'kyso'], { encoding: 'utf8' }).stdout.includes('installed');
const unshareWorks = root && spawnSync('unshare', ['-m', 'true']).status === 0;
const whyNot = !root ? 'not root (dpkg -i and a private mount namespace need root)'
  : alreadyInstalled ? 'a kyso package is already installed on this machine'
  : !unshareWorks ? 'unshare -m is not permitted here' : '';
if (whyNot) process.stderr.write(`enterprise-rollout: NOT run: ${whyNot}\n`);

let dir: string;
let token: DemoToken;
let portal: StaticServer;
let packages: StaticServer;
let extensionId: string;
let context: BrowserContext | undefined;
let installed = false;

beforeAll(async () => {
  if (whyNot) return;
  dir = await mkdtemp(join(tmpdir(), 'kyso-rollout-'));
  token = await createDemoToken();
  portal = await startTestServer();
  const out = join(dir, 'packages');
  mkdirSync(out);
  packages = await startTestServer({ '/ext/': out });
  const updateUrl = `http://127.0.0.1:${packages.port}/ext/update.xml`;

  const keyPath = join(dir, 'test-release-key.pem');
  writeFileSync(keyPath, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const lib = (name: string) => import(pathToFileURL(join(ROOT, `scripts/lib/package/${name}.mjs`)).href);
  const { packageExtension } = await lib('extension');
  const ext = await packageExtension({ version: '0.1.0', outDir: out, workDir: join(dir, 'work'), chromiumDir: join(ROOT, 'dist/chromium'), firefoxDir: join(ROOT, 'dist/firefox'), crxKeyPath: keyPath, updateUrl });
  extensionId = ext.extensionId;
  const { buildExecutable } = await lib('executable');
  const exe = await buildExecutable({ outDir: join(dir, 'linux-x64'), workDir: join(dir, 'work') });
  const { buildDeb } = await lib('deb');
  const { deb } = await buildDeb({ executable: exe.executable, addon: exe.addon, version: '0.1.0', outDir: dir, workDir: join(dir, 'work'), extraChromiumIds: [extensionId] });

  const install = spawnSync('dpkg', ['-i', deb], { encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`dpkg -i failed: ${install.stderr}`);
  installed = true;

  // The admin's one command, from the installed package (no Node on its PATH).
  const policyDir = join(dir, 'managed-policy');
  const policy = spawnSync('/usr/bin/kyso', ['policy', '--allow', portal.url, '--force-install', updateUrl, '--extension-id', extensionId, '--format', 'chromium-json', '-o', policyDir], { encoding: 'utf8', env: { PATH: '/nonexistent', HOME: dir } });
  if (policy.status !== 0) throw new Error(`kyso policy failed: ${policy.stderr}`);
  // Test harness only: Chromium refuses DevTools (so Playwright) on pages of POLICY-installed extensions unless
  // DeveloperToolsAvailability is 1 [Chrome Enterprise policy list]. Without it the consent window exists but the
  // test cannot act in it. A second file in the same folder; Chromium merges them.
  writeFileSync(join(policyDir, 'test-harness-devtools.json'), JSON.stringify({ DeveloperToolsAvailability: 1 }));
  chmodSync(policyDir, 0o755);

  // Chromium sees policyDir AS /etc/chromium/policies/managed, and nobody else does.
  mkdirSync('/etc/chromium/policies/managed', { recursive: true });
  const wrapper = join(dir, 'chromium-with-managed-policy.sh');
  writeFileSync(wrapper, `#!/bin/sh\nexec unshare -m sh -c 'mount --bind "$0" /etc/chromium/policies/managed && exec "$@"' '${policyDir}' '${CHROMIUM_PATH}' "$@"\n`, { mode: 0o755 });

  const profile = join(dir, 'fresh-profile');
  context = await chromium.launchPersistentContext(profile, {
    executablePath: wrapper,
    headless: true,
    // Playwright disables extensions and background networking (which stops the extension updater that fetches
    // force-installed extensions) by default; a managed desktop browser has both. No --load-extension anywhere.
    ignoreDefaultArgs: ['--disable-extensions', '--disable-background-networking'],
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync', '--disable-dev-shm-usage'],
    env: { ...process.env as Record<string, string>, ...token.env, KYSO_ALLOWED_EXTENSIONS: extensionId },
  });
}, 300_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  if (installed) {
    const removed = spawnSync('dpkg', ['-r', 'kyso'], { encoding: 'utf8' });
    if (removed.status !== 0) process.stderr.write(`enterprise-rollout: dpkg -r kyso FAILED: ${removed.stderr}\n`);
  }
  await portal?.close();
  await packages?.close();
  if (token) await rm(token.dir, { recursive: true, force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(Boolean(whyNot))('enterprise rollout: .deb + managed policy, fresh profile, nothing else', () => {
  it('the command line never passed --load-extension (the extension can only come from policy)', () => {
    expect(readFileSync(join(dir, 'chromium-with-managed-policy.sh'), 'utf8')).not.toContain('load-extension');
    expect(existsSync(join(dir, 'fresh-profile', 'NativeMessagingHosts', 'vn.kyso.host.json'))).toBe(false);
  });

  it('Chromium force-installs the extension from the loopback update.xml (chrome://extensions-internals lists it, from policy, enabled)', async () => {
    const page = await context!.newPage();
    const installed = async () => {
      await page.goto('chrome://extensions-internals');
      const list = JSON.parse(await page.locator('body').innerText()) as { id: string; location: string; registry_status: string; version: string }[];
      return list.find((e) => e.id === extensionId);
    };
    await expect.poll(installed, { timeout: 90_000, interval: 2_000 }).toMatchObject({ location: 'EXTERNAL_POLICY_DOWNLOAD', registry_status: 'ENABLED', version: '0.1.0' });
    await page.close();
  }, 120_000);

  it('an allowed page signs (CMS) through the installed host; openssl verifies the signature', async () => {
    const page = await context!.newPage();
    await page.goto(`${portal.url}/`);
    const content = 'Kyso: triển khai doanh nghiệp / enterprise rollout';
    const pending = page.evaluate(`(async () => {
      const sdk = await import('/sdk/kyso.js');
      try { const r = await sdk.signCms({ data: new Blob([${JSON.stringify(content)}]) }); return { cms: r.cms }; }
      catch (error) { return { code: error.code ?? String(error) }; }
    })()`) as Promise<{ cms?: string; code?: string }>;
    // If the request fails before any window opens (no host, refused caller…), say which error it was.
    const consent = await Promise.race([
      waitForConsentPage(context!, 60_000),
      pending.then((r) => { throw new Error(`the page got ${JSON.stringify(r).slice(0, 200)} before any consent window`); }),
    ]);
    // The site is in the admin's allowlist: no "allow this site?" question, straight to certificate and PIN.
    expect(await consent.locator('[data-testid=site-question]').count()).toBe(0);
    await approveInConsent(consent, { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
    const result = await pending;
    expect(result.code).toBeUndefined();
    const contentFile = join(dir, 'content.txt');
    writeFileSync(contentFile, content);
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, readFileSync(token.rootPem, 'utf8') + readFileSync(token.intermediatePem, 'utf8'));
    const verified = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-content', contentFile, '-CAfile', caFile, '-purpose', 'any', '-out', '/dev/null'], { input: Buffer.from(result.cms!, 'base64') });
    expect(verified.status, verified.stderr.toString()).toBe(0);
  }, 120_000);
});
