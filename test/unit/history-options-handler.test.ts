/**
 * The background's options-only history handler: answers the extension's own options page, refuses any other
 * sender URL (a content script reports its web page's URL; another extension page is not the options page)
 * without asking the host, and ignores messages that are not its own.
 */
import { describe, expect, it } from 'vitest';
import { handleOptionsHistoryMessage } from '../../extension/background/history/options-history.js';

const BASE = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/';

function deps() {
  const asked: unknown[] = [];
  return {
    asked,
    host: { request: async (type: string, payload: unknown) => { asked.push([type, payload]); return { records: [], omitted: 0, chain: { ok: true, problems: [] } }; } } as never,
    getURL: (path: string) => `${BASE}${path}`,
  };
}

describe('options.history in the background', () => {
  it('answers the options page with host.history', async () => {
    const d = deps();
    const reply = await handleOptionsHistoryMessage(d, { kind: 'options.history', query: { origin: 'https://a.gov.vn' } }, `${BASE}ui/options/options.html`);
    expect(reply).toEqual({ ok: true, result: { records: [], omitted: 0, chain: { ok: true, problems: [] } } });
    expect(d.asked).toEqual([['host.history', { origin: 'https://a.gov.vn' }]]);
  });

  it.each([
    ['a web page (content script sender)', 'https://thuedientu.gdt.gov.vn/ui/options/options.html'],
    ['the consent window', `${BASE}ui/consent/consent.html`],
    ['a look-alike path', `${BASE}ui/options/options.html.evil`],
    ['no URL', undefined],
  ])('refuses %s without asking the host', async (_name, url) => {
    const d = deps();
    const reply = await handleOptionsHistoryMessage(d, { kind: 'options.history', query: {} }, url);
    expect(reply).toMatchObject({ ok: false, error: { code: 'OPERATION_NOT_ALLOWED' } });
    expect(d.asked).toEqual([]);
  });

  it('refuses a malformed query and ignores other messages', async () => {
    const d = deps();
    expect(await handleOptionsHistoryMessage(d, { kind: 'options.history', query: { limit: -1 } }, `${BASE}ui/options/options.html`)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(handleOptionsHistoryMessage(d, { kind: 'consent.getState' }, `${BASE}ui/options/options.html`)).toBeUndefined();
    expect(d.asked).toEqual([]);
  });
});
