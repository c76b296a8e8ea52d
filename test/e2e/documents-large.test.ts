/**
 * A large document through the browser: 100 MiB crosses page → extension → host in 134 chunks with 4 in flight
 * (they overtake each other in the SDK and in the router; the background puts them back in order), and the
 * detached CMS verifies over the original file with openssl. Logs the time (slow on purpose: run alone).
 */
import { afterAll, beforeAll, it, expect } from 'vitest';
import { randomBytes, createHash } from 'node:crypto';
import { writeFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { approveInConsent, launchKysoBrowser, startTestServer, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import type { StaticServer } from '../../demo/serve.mjs';
let token: DemoToken; let browser: KysoBrowser; let server: StaticServer; let dir: string;
beforeAll(async () => {
  token = await createDemoToken(); dir = await mkdtemp(join(tmpdir(), 'kyso-measure-'));
  await writeFile(join(dir, 'big.bin'), randomBytes(100 * 1024 * 1024));
  browser = await launchKysoBrowser({ env: token.env }); server = await startTestServer({ '/files/': dir });
}, 120000);
afterAll(async () => { await browser?.close(); await server?.close(); });
it('100 MiB detached CMS over data uploaded in chunks: openssl cms -verify over the original file', async () => {
  const page = await browser.context.newPage(); await page.goto(`${server.url}/`);
  const t0 = Date.now();
  const pending = page.evaluate(`(async () => { const sdk = await import('/sdk/kyso.js'); const b = await (await fetch('/files/big.bin')).blob();
    const t = performance.now(); const r = await sdk.signCms({ data: b }); return { cms: r.cms, ms: performance.now() - t }; })()`) as Promise<any>;
  const consent = await waitForConsentPage(browser.context, 120000);
  const tConsent = Date.now() - t0;
  await approveInConsent(consent, { pin: token.userPin, certificateId: token.cert('org-rsa').certificateId });
  const r = await pending;
  console.error(`100 MiB through the browser: until consent window ${tConsent} ms; total in page ${Math.round(r.ms)} ms`);
  const caFile = join(dir, 'ca.pem'); await writeFile(caFile, (await readFile(token.rootPem, 'utf8')) + (await readFile(token.intermediatePem, 'utf8')));
  const v = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-content', join(dir, 'big.bin'), '-CAfile', caFile, '-purpose', 'any', '-out', '/dev/null'], { input: Buffer.from(r.cms, 'base64') });
  expect(v.status, v.stderr.toString()).toBe(0);
}, 300000);
