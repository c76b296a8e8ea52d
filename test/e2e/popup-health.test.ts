/**
 * The toolbar popup's health view in real Chromium with the built extension, the native host and a SoftHSM2
 * demo token: host found and its version, the token, certificates usable / expiring, policy; and the
 * "Sao chép báo cáo / Copy report" button copies the help-desk block (holder names and identifiers, no PIN).
 * Requires `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { launchKysoBrowser, type KysoBrowser } from '../helpers/browser.js';

let token: DemoToken;
let browser: KysoBrowser;

beforeAll(async () => {
  token = await createDemoToken();
  browser = await launchKysoBrowser({ env: { ...token.env, KYSO_TRUST_DIR: '' } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('toolbar popup: health at a glance', () => {
  it('shows the host version, the token, certificates and policy; "copy report" copies the block with holders and no PIN', async () => {
    const popup = await browser.context.newPage();
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `chrome-extension://${browser.extensionId}` }).catch(() => undefined);
    await popup.goto(`chrome-extension://${browser.extensionId}/ui/popup/popup.html?lang=vi`); // headless Chromium is en-US; the help desk reads Vietnamese
    await popup.locator('[data-testid=popup-health-host][data-status=ok]').waitFor({ timeout: 30_000 });
    expect(await popup.locator('[data-testid=popup-health-host]').innerText()).toMatch(/^Kyso \d+\.\d+\.\d+/);
    expect(await popup.locator('[data-testid=popup-health-tokens]').innerText()).toBe(token.tokenLabel);
    // The demo token: three valid certificates with keys and one expired one.
    expect(await popup.locator('[data-testid=popup-health-certificates]').innerText()).toBe('3/4 dùng được / usable');
    expect(await popup.locator('[data-testid=popup-health-expiring]').innerText()).toBe('0');
    expect(await popup.locator('[data-testid=popup-health-policy]').innerText()).toBe('Không có / None');
    // The plugin-compatibility part of the popup is still there (a chrome-extension: tab is not a web page).
    expect(await popup.locator('[data-testid=popup-state]').getAttribute('data-state')).toBe('not-a-site');

    await popup.locator('[data-testid=popup-report][data-report=ready]').waitFor({ state: 'attached' });
    const report = await popup.locator('[data-testid=popup-report]').inputValue();
    expect(report.split('\n')[0]).toBe('===== KYSO — BÁO CÁO GỬI BỘ PHẬN HỖ TRỢ =====');
    expect(report).toMatch(/✓ host Kyso \d+\.\d+\.\d+ đã trả lời/);
    expect(report).toContain(`✓ token: ${token.tokenLabel}`);
    expect(report).toContain('✓ chứng thư số: Công ty TNHH Kyso Thử Nghiệm [MST:0101234567], hiệu lực đến ');
    expect(report).toMatch(/! chứng thư số: Lê Văn Cũ \[CCCD:001088000009\] ĐÃ HẾT HẠN ngày \d{4}-\d{2}-\d{2}/);
    // 123456 also sits inside MST:0101234567: a PIN never stands on its own.
    for (const pin of [token.userPin, token.soPin]) expect(report).not.toMatch(new RegExp(`(^|[^0-9])${pin}([^0-9]|$)`));
    expect(report).not.toMatch(/PIN:?\s*\d/);

    await popup.click('[data-testid=popup-copy-report]');
    await popup.locator('[data-testid=popup-copy-status][data-copied=true]').waitFor({ timeout: 5000 });
    // Read the clipboard back the way a person does: paste it somewhere (here a fresh textarea in the page).
    await popup.evaluate(() => { const t = document.createElement('textarea'); t.id = 'paste-here'; document.body.append(t); t.focus(); });
    await popup.keyboard.press('Control+V');
    expect(await popup.locator('#paste-here').inputValue()).toBe(report);
  }, 120_000);

  it('in an English browser the report is in English', async () => {
    const popup = await browser.context.newPage();
    await popup.goto(`chrome-extension://${browser.extensionId}/ui/popup/popup.html`);
    expect(await popup.evaluate(() => navigator.language)).toMatch(/^en/);
    await popup.locator('[data-testid=popup-report][data-report=ready]').waitFor({ state: 'attached', timeout: 30_000 });
    const report = await popup.locator('[data-testid=popup-report]').inputValue();
    expect(report.split('\n')[0]).toBe('===== KYSO — HELP DESK REPORT =====');
    expect(report).toContain('✓ certificate: Công ty TNHH Kyso Thử Nghiệm [MST:0101234567], valid until ');
  }, 60_000);
});

describe('toolbar popup: no host registered', () => {
  it('says the host is not found, with the error code, and the report says to run kyso doctor', async () => {
    const bare = await launchKysoBrowser({ env: { ...token.env }, registerHost: false });
    try {
      const popup = await bare.context.newPage();
      await popup.goto(`chrome-extension://${bare.extensionId}/ui/popup/popup.html?lang=vi`);
      await popup.locator('[data-testid=popup-health-host][data-status=fail]').waitFor({ timeout: 30_000 });
      expect(await popup.locator('[data-testid=popup-health-host]').innerText()).toMatch(/^HOST_NOT_INSTALLED — /);
      const report = await popup.locator('[data-testid=popup-report]').inputValue();
      expect(report).toMatch(/✗ không tìm thấy host Kyso: HOST_NOT_INSTALLED/);
      expect(report).toContain('→ chạy "kyso doctor" trên máy này');
    } finally {
      await bare.close();
    }
  }, 60_000);
});
