/**
 * "Lịch sử ký / Signing history" on the options page, end to end: a signature made through the demo portal
 * (SDK → extension → host → SoftHSM2) is listed with its site, next to a record from another site already in
 * the history; the site filter and the search narrow the list; the CSV export holds the rows shown. A web page
 * cannot read the history: the history operation sent through the page channel is refused, and the page has no
 * runtime messaging to reach the background's options-only handler. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { approveInConsent, launchKysoBrowser, openDemoPortal, startTestServer, waitForConsentPage, type KysoBrowser } from '../helpers/browser.js';
import { enableSignHashInOptions, openOptionsPage } from '../helpers/options-page.js';
import { appendSigningRecord } from '../../native-host/history/history-writer.js';
import type { StaticServer } from '../../demo/serve.mjs';

const OTHER_SITE = 'https://dichvucong.gov.vn';
const NOTE = Buffer.from('Tờ trình số 12/TTr — lịch sử ký', 'utf8');

let token: DemoToken;
let browser: KysoBrowser;
let server: StaticServer;
let dataDir: string;

beforeAll(async () => {
  token = await createDemoToken();
  dataDir = await mkdtemp(join(tmpdir(), 'kyso-history-e2e-'));
  // A record from another site, written by the same writer the host uses (as if signed there last week).
  await appendSigningRecord(dataDir, {
    v: 1, time: '2026-11-20T02:00:00.000Z', origin: OTHER_SITE, operation: 'signDigest', pageOperation: 'kyso.signHash', description: '=HYPERLINK("x") Hồ sơ 123',
    items: [{ kind: 'digest', hashAlgorithm: 'SHA-256', digest: 'ab'.repeat(32) }], result: 'error', error: 'PIN_INCORRECT',
  });
  browser = await launchKysoBrowser({ env: { ...token.env, KYSO_DATA_DIR: dataDir } });
  const files = await mkdtemp(join(tmpdir(), 'kyso-history-files-'));
  await writeFile(join(files, 'to-trinh.txt'), NOTE);
  await writeFile(join(files, 'hong.pdf'), '%PDF-1.7\nnot a real PDF body\n%%EOF\n');
  server = await startTestServer({ '/files/': files });
  await enableSignHashInOptions(browser, server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function rawPost(page: Page, request: unknown): Promise<Array<{ type: string; error?: { code: string } }>> {
  return page.evaluate(`new Promise((resolve) => {
    const replies = [];
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => { replies.push(event.data); if (event.data.type !== 'kyso.ack') resolve(replies); };
    window.postMessage({ channel: 'kyso/page-request', request: ${JSON.stringify(request)} }, location.origin, [channel.port2]);
    setTimeout(() => resolve(replies), 5000);
  })`);
}

const rows = (page: Page) => page.locator('[data-testid=history-row]');

describe('options page: signing history', () => {
  let text: string;

  it('lists a signature made on the portal with its site, description and digest, next to the other site\'s record', async () => {
    const portal = await openDemoPortal(browser.context, server.url);
    text = `Tờ khai thuế 01/GTGT — lịch sử — ${Date.now()}`;
    await portal.fill('[data-testid=document-text]', text);
    await portal.click('[data-testid=sign]');
    const consent = await waitForConsentPage(browser.context);
    await approveInConsent(consent, { certificateId: token.cert('org-rsa').certificateId, pin: token.userPin });
    await portal.waitForSelector('[data-testid=verified]:visible', { timeout: 30_000 });
    await portal.close();

    const options = await openOptionsPage(browser);
    await options.waitForSelector(`[data-testid=history-row][data-origin="${server.url}"]`);
    expect(await rows(options).count()).toBe(2);
    const mine = options.locator(`[data-testid=history-row][data-origin="${server.url}"]`);
    const digestHex = createHash('sha256').update(text, 'utf8').digest('hex');
    expect(await mine.textContent()).toContain(digestHex);
    expect(await mine.textContent()).toContain('MST:0101234567');
    expect(await mine.textContent()).toContain('Tờ khai thuế 01/GTGT'); // the portal's description
    expect(await options.getAttribute('[data-testid=history-chain]', 'data-ok')).toBe('true');
    await options.close();
  });

  it('lists a document batch with its file names, SHA-256 and the partial result (one PDF was broken)', async () => {
    const portal = await openDemoPortal(browser.context, server.url);
    const pending = portal.evaluate(`(async () => {
      const sdk = await import('/sdk/kyso.js');
      const file = async (name) => await (await fetch('/files/' + name)).blob();
      try {
        const r = await sdk.signBatch({ description: 'Hồ sơ lịch sử', documents: [
          { kind: 'cms', document: await file('to-trinh.txt'), fileName: 'to-trinh.txt' },
          { kind: 'pdf', document: await file('hong.pdf'), fileName: 'hong.pdf' },
        ] });
        return r.results.map((x) => x.ok);
      } catch (error) { return error.code ?? String(error); }
    })()`);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=batch-item]');
    await approveInConsent(consent, { certificateId: token.cert('org-rsa').certificateId, pin: token.userPin });
    expect(await pending).toEqual([true, false]);
    await portal.close();

    const options = await openOptionsPage(browser);
    const row = options.locator('[data-testid=history-row]', { hasText: 'Hồ sơ lịch sử' });
    await row.waitFor();
    const shown = await row.textContent();
    expect(shown).toContain(`to-trinh.txt: ${createHash('sha256').update(NOTE).digest('hex')}`);
    expect(shown).toContain('hong.pdf');
    expect(shown).toMatch(/Ký một phần|Partly signed/);
    await options.close();
  });

  it('filters by site and by search words', async () => {
    const options = await openOptionsPage(browser);
    await options.waitForSelector('[data-testid=history-row]');
    await options.selectOption('[data-testid=history-site-filter]', OTHER_SITE);
    expect(await rows(options).count()).toBe(1);
    expect(await rows(options).first().getAttribute('data-origin')).toBe(OTHER_SITE);
    await options.selectOption('[data-testid=history-site-filter]', server.url);
    expect(await rows(options).count()).toBe(2);
    await options.selectOption('[data-testid=history-site-filter]', '');
    await options.fill('[data-testid=history-search]', 'pin_incorrect');
    expect(await rows(options).count()).toBe(1);
    await options.fill('[data-testid=history-search]', 'localhost 01/gtgt');
    expect(await rows(options).count()).toBe(1);
    expect(await rows(options).first().getAttribute('data-origin')).toBe(server.url);
    await options.close();
  });

  it('exports the rows shown as CSV (formula-looking cells neutralised)', async () => {
    const options = await openOptionsPage(browser);
    await options.waitForSelector('[data-testid=history-row]');
    const [download] = await Promise.all([options.waitForEvent('download'), options.click('[data-testid=history-export]')]);
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toMatch(/^seq,time,origin,/);
    expect(lines).toHaveLength(4);
    expect(csv).toContain(server.url);
    expect(csv).toContain(createHash('sha256').update(text, 'utf8').digest('hex'));
    expect(csv).toContain(`${OTHER_SITE},`);
    expect(csv).toContain(`"'=HYPERLINK(""x"") Hồ sơ 123"`);
    await options.close();
  });

  it('a web page cannot read the history: the page channel refuses the operation, runtime messaging is absent', async () => {
    const portal = await openDemoPortal(browser.context, server.url);
    for (const type of ['kyso.history', 'host.history']) {
      const replies = await rawPost(portal, { v: 1, id: `h-${type}`, type, payload: {} });
      const last = replies.at(-1);
      expect(last?.type).toBe('kyso.error');
      expect(last?.error?.code).toBe('BAD_REQUEST');
    }
    expect(await portal.evaluate('typeof globalThis.chrome?.runtime?.sendMessage')).toBe('undefined');
    await portal.close();
  });
});
