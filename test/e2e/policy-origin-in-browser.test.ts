/**
 * shared/domain/origin.ts leans on the platform's URL parser, and parsers differ: Chromium escapes `*` in a
 * host to `%2A` where Node keeps it (that difference once made every `https://*.gov.vn` policy entry
 * invalid in the browser). This test bundles origin.ts, runs it inside real Chromium, and requires the same
 * answers as in Node for a wide list of inputs; test/unit/origin.test.ts pins what those answers must be.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import type { Page } from 'playwright-core';
import * as origin from '../../shared/domain/origin.js';
import { launchKysoBrowser, ROOT, type KysoBrowser } from '../helpers/browser.js';

const REQUESTERS = [
  'https://DichVuCong.GOV.vn', 'https://dichvucong.gov.vn:443', 'http://localhost:80', 'https://portal.gov.vn:8443',
  'https://portal.gov.vn/path?q=1#f', 'https://portal.gov.vn.', 'https://portal.gov.vn..', 'https://a..b.gov.vn',
  'https://[::1]:3000', 'https://user:pw@portal.gov.vn/', 'https://Thuế.gov.vn', 'https://cổng.thuế.gov.vn:8443',
  'https://xn--a.gov.vn', 'https://0x7f.1', 'https://a b.vn', 'https://ex!ample.vn', 'https://a_b.gov.vn',
  'null', '', 'blob:https://portal.gov.vn/1', 'data:text/html,x', 'file:///x', 'about:blank', 'javascript:1',
  'chrome-extension://abc/', 'portal.gov.vn', 'https://', 'http://127.0.0.1:8080', 'https://x.vn%2e',
];
const ENTRIES = [
  'https://*.gov.vn', 'https://*.GOV.vn:443/', 'https://*.gov.vn:8443', 'https://*.thuế.gov.vn', 'https://*.BÜCHER.vn',
  '  https://DichVuCong.gov.vn/  ', 'https://dichvucong.gov.vn.', 'http://localhost:5173', 'http://127.0.0.1:8080',
  'https://user@x.gov.vn', 'https://x.gov.vn/ky-so', 'https://x.gov.vn//', 'https://x.gov.vn\\x', 'https://x.gov.vn?',
  'https://x.gov.vn#', 'http://x.gov.vn', 'http://*.gov.vn', 'https://*.vn', 'https://*', 'https://*.*.gov.vn',
  'https://a.*.gov.vn', 'https://*gov.vn', 'https://*.1.2.3.4', 'https://*.[::1]', '*://x.gov.vn', 'https://a..gov.vn',
  'https://%2A.gov.vn', 'https://kyso-wildcard-label.gov.vn', 'blob:https://x.gov.vn/1', 'null', '',
];
const DISPLAYED = ['https://thuedientu.gdt.gov.vn', 'https://cổng.thuế.gov.vn:8443', 'https://portal.hanoi.vn', 'https://127.0.0.1:8080', 'https://xn--a.gov.vn'];

interface Answers { requesters: unknown[]; entries: unknown[]; displayed: unknown[] }

/** The same computation, as a string of code, for Node and for the page (where the module is `kysoOrigin`). */
function answers(o: typeof origin): Answers {
  return {
    requesters: REQUESTERS.map((s) => o.parseRequesterOrigin(s)),
    entries: ENTRIES.map((s) => o.parseOriginEntry(s)),
    displayed: DISPLAYED.map((s) => {
      const parsed = o.parseRequesterOrigin(s);
      return parsed.ok ? o.describeOriginForDisplay(parsed.value) : parsed.problem;
    }),
  };
}

let browser: KysoBrowser;
let page: Page;
let bundle: string;

beforeAll(async () => {
  const outDir = await mkdtemp(join(tmpdir(), 'kyso-origin-bundle-'));
  await build({
    configFile: false, logLevel: 'warn', root: ROOT, publicDir: false,
    build: { outDir, emptyOutDir: true, minify: false, lib: { entry: join(ROOT, 'shared/domain/origin.ts'), name: 'kysoOrigin', formats: ['iife'], fileName: () => 'origin.js' } },
  });
  bundle = await readFile(join(outDir, 'origin.js'), 'utf8');
  await rm(outDir, { recursive: true, force: true });
  browser = await launchKysoBrowser({ withExtension: false });
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
});

describe('origin parsing gives the same answers in Chromium as in Node', () => {
  it('for requesters, allowlist entries and display', async () => {
    await page.addScriptTag({ content: bundle });
    const inBrowser = await page.evaluate(
      `(${answers.toString()})(kysoOrigin)`
        .replace('REQUESTERS', JSON.stringify(REQUESTERS))
        .replace('ENTRIES', JSON.stringify(ENTRIES))
        .replace('DISPLAYED', JSON.stringify(DISPLAYED)),
    ) as Answers;
    const inNode = answers(origin);
    // Every disagreement, named by its input (a JSON round trip drops `undefined` ports on both sides alike).
    // Where one parser throws and the other hands us a host we then refuse, the reason differs ('not-a-url'
    // vs 'bad-host'); what must agree is whether the input is refused and, if not, the exact result.
    const canonical = (a: unknown) => JSON.stringify(a).replace('"problem":"bad-host"', '"problem":"not-a-url"').replace('"bad-host"', '"not-a-url"');
    const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);
    const differences = [
      ...REQUESTERS.filter((_, i) => !same(inBrowser.requesters[i], inNode.requesters[i])).map((s) => `requester ${s}: ${JSON.stringify(inBrowser.requesters[REQUESTERS.indexOf(s)])} vs ${JSON.stringify(inNode.requesters[REQUESTERS.indexOf(s)])}`),
      ...ENTRIES.filter((_, i) => !same(inBrowser.entries[i], inNode.entries[i])).map((s) => `entry ${s}: ${JSON.stringify(inBrowser.entries[ENTRIES.indexOf(s)])} vs ${JSON.stringify(inNode.entries[ENTRIES.indexOf(s)])}`),
      ...DISPLAYED.filter((_, i) => !same(inBrowser.displayed[i], inNode.displayed[i])).map((s) => `display ${s}: ${JSON.stringify(inBrowser.displayed[DISPLAYED.indexOf(s)])} vs ${JSON.stringify(inNode.displayed[DISPLAYED.indexOf(s)])}`),
    ];
    expect(differences).toEqual([]);
    // And the case that once broke: a pattern is a pattern in the browser.
    expect(inBrowser.entries[0]).toMatchObject({ ok: true, value: { kind: 'pattern', hostSuffix: 'gov.vn' } });
  });
});
