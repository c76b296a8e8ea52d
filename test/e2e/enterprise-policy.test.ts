/**
 * `kyso policy --format chromium-json` for real: the file it writes, dropped into Chromium's managed policy folder
 * (/etc/chromium/policies/managed/, the admin's route on Linux), is read by a real Chromium, reaches the
 * extension through storage.managed, and Kyso's options page shows exactly what the command was given.
 *
 * The file applies to every Chromium started while it exists, so it names only made-up origins no other test
 * uses, and it is removed in afterAll. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { domainToASCII } from 'node:url';
import { CHROMIUM_EXTENSION_ID } from '../../native-host/config.js';
import { launchKysoBrowser, type KysoBrowser } from '../helpers/browser.js';
import { runKyso } from '../helpers/kyso-cli.js';

const POLICY_FILE = '/etc/chromium/policies/managed/kyso-test-enterprise-policy.json';
const ALLOWED = ['https://*.kyso-enterprise-test.gov.vn', 'https://Cổng.kyso-enterprise-test.vn'];
const BLOCKED = 'https://old.kyso-enterprise-test.gov.vn';

let browser: KysoBrowser;

beforeAll(async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'kyso-enterprise-policy-'));
  const result = await runKyso([
    'policy', '--allow', ALLOWED[0]!, '--allow', ALLOWED[1]!, '--block', BLOCKED, '--no-user-origins',
    '--operations', `${ALLOWED[0]}=signPdf,listCertificates`, '--format', 'chromium-json', '-o', outDir,
  ]);
  if (result.code !== 0) throw new Error(`kyso policy failed: ${result.stderr}`);
  mkdirSync('/etc/chromium/policies/managed', { recursive: true });
  copyFileSync(join(outDir, 'kyso-chromium-policy.json'), POLICY_FILE);
  rmSync(outDir, { recursive: true, force: true });
  // Chromium reads the folder at start; the file stays until afterAll (removing it drops the policy).
  browser = await launchKysoBrowser({ registerHost: false });
}, 120_000);

afterAll(async () => {
  rmSync(POLICY_FILE, { force: true });
  await browser?.close();
});

describe('kyso policy → Chromium managed policy → Kyso options page', () => {
  it('the options page shows the allowlist, blocklist, operations and allowUserOrigins the command was given', async () => {
    expect(browser.extensionId).toBe(CHROMIUM_EXTENSION_ID);
    const page = await browser.context.newPage();
    await page.goto(`chrome-extension://${CHROMIUM_EXTENSION_ID}/ui/options/options.html`);
    await page.waitForSelector('[data-testid=policy-allow-user-origins]', { timeout: 20_000 });
    const allowed = await page.locator('[data-testid=policy-allowed-origin]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['origin']));
    expect(allowed).toEqual(['https://*.kyso-enterprise-test.gov.vn', `https://${domainToASCII('cổng.kyso-enterprise-test.vn')}`]);
    const blocked = await page.locator('[data-testid=policy-blocked-origin]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['origin']));
    expect(blocked).toEqual([BLOCKED]);
    expect(await page.locator('[data-testid=policy-operations]').allTextContents()).toEqual(['https://*.kyso-enterprise-test.gov.vn: signPdf, listCertificates']);
    expect(await page.getAttribute('[data-testid=policy-allow-user-origins]', 'data-value')).toBe('false');
    expect(await page.locator('[data-testid=policy-problem]').count()).toBe(0);
    await page.close();
  });

});
