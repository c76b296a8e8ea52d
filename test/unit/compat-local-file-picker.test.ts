/**
 * The "choose a local file" window's background side (extension/background/compat/local-file-picker.ts): who may
 * answer, in what order, how much, and what ends the request. Windows are simulated (ids only); the e2e tier
 * (compat-vgca-extras.test.ts, compat-firefox.test.ts) drives the real window.
 */
import { describe, expect, it } from 'vitest';
import { createLocalFilePicker } from '../../extension/background/compat/local-file-picker.js';
import { bytesToBase64 } from '../../shared/domain/base64.js';

const BASE = 'chrome-extension://kyso/';
const PAGE = `${BASE}compat/local-file/local-file.html`;
const ask = { origin: 'https://p.vn', kind: 'Ký phê duyệt', uploadTo: 'https://p.vn/u' };
const pdf = new TextEncoder().encode('%PDF-1.7\n% a small test file\n%%EOF\n');

function setup(maxBytes?: number) {
  const opened: string[] = [];
  const removed: number[] = [];
  const picker = createLocalFilePicker({
    createWindow: async (url) => { opened.push(url); return { id: 7 }; },
    removeWindow: async (id) => { removed.push(id); },
    getURL: (path) => `${BASE}${path}`,
    ...(maxBytes ? { maxBytes } : {}),
  });
  const session = async () => { await Promise.resolve(); await Promise.resolve(); return new URL(opened.at(-1)!).searchParams.get('session')!; };
  return { picker, opened, removed, session };
}

const chunk = (sessionId: string, bytes: Uint8Array, offset: number, size: number, fileName = 'To trinh.pdf') =>
  ({ kind: 'compat.localFile.chunk', sessionId, fileName, size, offset, data: bytesToBase64(bytes) });

describe('local file picker', () => {
  it('the window gets who asks and where the file goes; chunks in order make the file; the window closes', async () => {
    const { picker, removed, session } = setup();
    const chosen = picker.choose(ask, new AbortController().signal);
    const id = await session();
    expect(await picker.handleMessage({ kind: 'compat.localFile.getState', sessionId: id }, PAGE)).toMatchObject({ outcome: 'state', state: ask });
    expect(await picker.handleMessage(chunk(id, pdf.subarray(0, 10), 0, pdf.length), PAGE)).toEqual({ outcome: 'more' });
    expect(await picker.handleMessage(chunk(id, pdf.subarray(10), 10, pdf.length), PAGE)).toEqual({ outcome: 'closed' });
    const file = await chosen;
    expect(file.fileName).toBe('To trinh.pdf');
    expect(file.bytes).toEqual(pdf);
    expect(removed).toEqual([7]);
  });

  it('messages from any other page (a content script, the consent window) are not answered', async () => {
    const { picker, session } = setup();
    void picker.choose(ask, new AbortController().signal).catch(() => undefined);
    const id = await session();
    expect(picker.handleMessage({ kind: 'compat.localFile.getState', sessionId: id }, 'https://p.vn/portal.html')).toBeUndefined();
    expect(picker.handleMessage({ kind: 'compat.localFile.getState', sessionId: id }, `${BASE}ui/consent/consent.html`)).toBeUndefined();
    expect(picker.handleMessage({ kind: 'compat.localFile.getState', sessionId: id }, undefined)).toBeUndefined();
  });

  it('a wrong session id, a chunk out of order, a file over the limit or not a PDF ends the request with a typed error', async () => {
    {
      const { picker, session } = setup();
      const chosen = picker.choose(ask, new AbortController().signal);
      const id = await session();
      expect(await picker.handleMessage({ kind: 'compat.localFile.getState', sessionId: 'wrong-session-id' }, PAGE)).toEqual({ outcome: 'closed' });
      await picker.handleMessage(chunk(id, pdf.subarray(10), 10, pdf.length), PAGE);
      await expect(chosen).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    {
      const { picker, session } = setup(16);
      const chosen = picker.choose(ask, new AbortController().signal);
      await picker.handleMessage(chunk(await session(), pdf.subarray(0, 10), 0, pdf.length), PAGE);
      await expect(chosen).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    }
    {
      const { picker, session } = setup();
      const chosen = picker.choose(ask, new AbortController().signal);
      const text = new TextEncoder().encode('not a pdf at all');
      await picker.handleMessage(chunk(await session(), text, 0, text.length), PAGE);
      await expect(chosen).rejects.toMatchObject({ code: 'UNSUPPORTED_DOCUMENT' });
    }
  });

  it('Cancel, closing the window, or the page going away end it; one window at a time', async () => {
    const { picker, removed, session } = setup();
    const first = picker.choose(ask, new AbortController().signal);
    const id = await session();
    await expect(picker.choose(ask, new AbortController().signal)).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    await picker.handleMessage({ kind: 'compat.localFile.cancel', sessionId: id }, PAGE);
    await expect(first).rejects.toMatchObject({ code: 'USER_CANCELLED' });
    expect(removed).toEqual([7]);

    const second = picker.choose(ask, new AbortController().signal);
    await session();
    picker.handleWindowRemoved(7);
    await expect(second).rejects.toMatchObject({ code: 'USER_CANCELLED' });

    const page = new AbortController();
    const third = picker.choose(ask, page.signal);
    await session();
    page.abort();
    await expect(third).rejects.toMatchObject({ code: 'REQUEST_SUPERSEDED' });
  });
});
