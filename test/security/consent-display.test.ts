/**
 * Attack class: a misleading consent window. The page controls words the window shows (its description, the
 * file names it passes) and the name it is served from; it picks them to make the person believe something else
 * is signed or someone else asks:
 * - a look-alike host (`dichvucong.gov.vn.<attacker>.com`): the window must show the registrable domain big;
 * - bidi overrides (U+202E "invoice‮fdp.exe"), isolates, zero-width and control characters in a file name or
 *   description reorder or hide what is drawn [Unicode TR #9; CVE-2021-42574]: they are stripped;
 * - the page's description presented as Kyso's statement of "what is signed": it must be marked as the site's
 *   words, and a bare signHash must say the value cannot be read (it could be any document or a sign-in).
 * Real Chromium with the built extension, real host, real SoftHSM2 token. Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import {
  ROOT, launchKysoBrowser, makeTestTlsIdentity, pageClosed, startTestServer, waitForArmed, waitForConsentPage, type KysoBrowser,
} from '../helpers/browser.js';
import { enableSignHashInOptions } from '../helpers/options-page.js';
import { startStaticServer, type StaticServer } from '../../demo/serve.mjs';

const LOOK_ALIKE = 'dichvucong.gov.vn.kyso-login.com';
/** Bidi override, isolate, marks, zero-width, BOM and controls: none may reach the screen. */
const HIDDEN = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u200B-\u200D\u2060\uFEFF\u0000-\u001F\u007F-\u009F]/;

let token: DemoToken;
let browser: KysoBrowser;
let lookAlike: StaticServer;
let http: StaticServer;

beforeAll(async () => {
  token = await createDemoToken();
  const pages = await mkdtemp(join(tmpdir(), 'kyso-display-'));
  await writeFile(join(pages, 'blank.html'), '<!doctype html><meta charset="utf-8"><title>Dịch vụ công</title><p>Cổng dịch vụ công</p>');
  const tls = await makeTestTlsIdentity(LOOK_ALIKE);
  lookAlike = await startStaticServer({ routes: { '/': pages, '/sdk/': join(ROOT, 'dist/sdk') }, tls, publicHost: LOOK_ALIKE });
  http = await startTestServer();
  browser = await launchKysoBrowser({ env: token.env, extraArgs: tls.chromiumArgs });
  // signHash is opt-in per site (docs/security.md): the person enables it on the options page, the real route.
  await enableSignHashInOptions(browser, new URL(lookAlike.url).origin);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([lookAlike?.close(), http?.close()]);
});

function startSdkCall(page: Page, call: string): Promise<{ code?: string }> {
  return page.evaluate(`(async () => {
    const sdk = await import('/sdk/kyso.js');
    try { await ${call}; return { code: undefined }; } catch (error) { return { code: error.code ?? String(error) }; }
  })()`) as Promise<{ code?: string }>;
}

async function cancel(consent: Page): Promise<void> {
  await consent.keyboard.press('Escape').catch(() => undefined);
  expect(await pageClosed(consent)).toBe(true);
}

describe('the consent window shows who asks and what is signed truthfully', () => {
  it('a look-alike subdomain shows its registrable domain big; the description is the site\'s words, cleaned; signHash says the value cannot be read', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${lookAlike.url}/blank.html`);
    const hash = createHash('sha256').update('anything').digest('base64');
    // "Tờ khai thuế<RLO>exe.fdp<PDF>" would draw reversed; a newline and a zero-width space try to fake a layout.
    const description = 'Tờ khai thuế \u202Eexe.fdp\u202C\u200B\nKyso đã kiểm tra: an toàn\u0007';
    const outcome = startSdkCall(page, `sdk.signHash({ hash: '${hash}', hashAlgorithm: 'SHA-256', description: ${JSON.stringify(description)} })`);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=site-question]');
    expect(await consent.textContent('[data-testid=registrable-domain]')).toBe('kyso-login.com');
    expect(await consent.textContent('[data-testid=origin]')).toBe(lookAlike.url);
    // The registrable domain is drawn larger than the full origin (it is what the eye lands on).
    const sizes = await consent.evaluate(() => ['registrable-domain', 'origin'].map((id) => parseFloat(getComputedStyle(document.querySelector(`[data-testid=${id}]`)!).fontSize)));
    expect(sizes[0]).toBeGreaterThan(sizes[1]!);

    await waitForArmed(consent);
    await consent.click('[data-testid=site-allow-once]');
    await consent.waitForSelector('[data-testid=description]');
    const shown = await consent.textContent('[data-testid=description]');
    expect(shown).not.toMatch(HIDDEN);
    expect(shown).toBe('Tờ khai thuế exe.fdp Kyso đã kiểm tra: an toàn');
    // Inside the box marked as the site's words, never under a "what is signed" label.
    expect(await consent.locator('[data-testid=site-words] [data-testid=description]').count()).toBe(1);
    expect(await consent.textContent('[data-testid=site-words]')).toContain('Lời của trang web');
    expect(await consent.textContent('body')).not.toContain('Nội dung ký');
    const warning = await consent.textContent('[data-testid=hash-warning]');
    expect(warning).toContain('không thể đọc');
    expect(warning).toContain('bất kỳ tài liệu nào');
    expect(warning).toContain('đăng nhập');
    // The same in English.
    await consent.click('[data-testid=lang-toggle]');
    expect(await consent.textContent('[data-testid=hash-warning]')).toMatch(/cannot read.*any document.*sign-in/);
    expect(await consent.textContent('[data-testid=site-words]')).toContain("The site's own words");
    await cancel(consent);
    expect((await outcome).code).toBe('USER_CANCELLED');
    await page.close();
  });

  it('a file name with a bidi override and zero-width characters is shown stripped, in stored order', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${http.url}/`);
    const fileName = 'Hợp đồng \u202Efdp.exe\u2066\u200B\u2069';
    const outcome = startSdkCall(page, `sdk.signCms({ data: new Blob(['Nội dung hợp đồng số 5']), fileName: ${JSON.stringify(fileName)}, description: 'Hợp đồng\\u202E số 5' })`);
    const consent = await waitForConsentPage(browser.context);
    await consent.waitForSelector('[data-testid=document-name]');
    const name = await consent.textContent('[data-testid=document-name]');
    expect(name).not.toMatch(HIDDEN);
    expect(name).toContain('Hợp đồng fdp.exe');
    expect(await consent.textContent('[data-testid=site-words] [data-testid=description]')).toBe('Hợp đồng số 5');
    // No signHash warning for a document Kyso shows itself.
    expect(await consent.locator('[data-testid=hash-warning]').count()).toBe(0);
    await waitForArmed(consent);
    await cancel(consent);
    expect((await outcome).code).toBe('USER_CANCELLED');
    await page.close();
  });
});

describe('the cleaning and the registrable domain, variant by variant (pure functions the window uses)', () => {
  it('every bidi control, zero-width and format character, C0/C1 control and line separator is removed or made a space', async () => {
    const { displayText } = await import('../../shared/domain/display-text.js');
    const variants: [string, string][] = [
      ['a\u202Eb', 'ab'], ['a\u202Db', 'ab'], ['a\u202Ab\u202C', 'ab'], ['a\u202Bb', 'ab'], // embeddings and overrides
      ['a\u2066b\u2069', 'ab'], ['a\u2067b', 'ab'], ['a\u2068b', 'ab'], // isolates
      ['a\u200Eb\u200F', 'ab'], ['a\u061Cb', 'ab'], // marks
      ['a\u200Bb\u200C\u200D', 'ab'], ['a\u2060b', 'ab'], ['\uFEFFab', 'ab'], ['a\u00ADb', 'ab'], // zero-width, BOM, soft hyphen
      ['a\nb', 'a b'], ['a\r\n\tb', 'a b'], ['a\u0000b', 'a b'], ['a\u001Bb', 'a b'], ['a\u0085b', 'a b'], ['a\u2028b\u2029c', 'a b c'],
      ['  Tờ   khai  ', 'Tờ khai'], ['Hợp đồng số 5', 'Hợp đồng số 5'],
    ];
    for (const [input, shown] of variants) expect(displayText(input), JSON.stringify(input)).toBe(shown);
  });

  it('the registrable domain comes from the Public Suffix List (ICANN and private sections); IPs and localhost stay whole', async () => {
    const { siteIdentity } = await import('../../extension/ui/consent/site-identity.js');
    const cases: [string, string][] = [
      ['https://dichvucong.gov.vn.kyso-login.com', 'kyso-login.com'],
      ['https://thuedientu.gdt.gov.vn', 'gdt.gov.vn'],
      ['https://a.b.com.vn', 'b.com.vn'],
      ['https://portal.example.co.uk', 'example.co.uk'],
      ['https://attacker.github.io', 'attacker.github.io'],
      ['https://xn--dchvcng-x0a0689dsha.vn', 'xn--dchvcng-x0a0689dsha.vn'], // dịchvụcông.vn, kept in punycode
      ['http://localhost:8080', 'localhost'],
      ['https://127.0.0.1:8443', '127.0.0.1'],
      ['https://[::1]', '[::1]'],
    ];
    for (const [origin, domain] of cases) expect(siteIdentity(origin).registrableDomain, origin).toBe(domain);
  });
});
