/**
 * Attack class: a subframe whose top-level page the browser does not tell us (tab URL missing — no host
 * permission for the tab, a prerendered or discarded tab — or unparseable). Before the fix such a frame was
 * treated as if it were the top page: only the FRAME's origin was checked, so an allowed portal framed by any
 * site (clickjacking, a hostile aggregator) passed the two-origin rule. Now: unknown top → denied with a typed
 * ORIGIN_NOT_ALLOWED, nothing routed.
 *
 * Unit level, with a SIMULATED port sender (the browser's runtime.MessageSender cannot be made to omit tab.url
 * on demand in a real browser run).
 */
import { describe, expect, it } from 'vitest';
import { acceptPagePort, originsOf, type PagePort, type PortSender } from '../../extension/background/page-connections.js';
import { PAGE_PORT_NAME } from '../../extension/messaging/internal-messages.js';

const PORTAL = 'https://dichvucong.example.vn';

/** A port as the browser hands it to the background, from `sender`; returns what was posted and what was routed. */
function connect(sender: PortSender) {
  const posted: Array<{ type: string; error?: { code: string; details?: Record<string, unknown> } }> = [];
  let onMessage: (m: unknown) => void = () => undefined;
  const port: PagePort = {
    name: PAGE_PORT_NAME, sender,
    postMessage: (m) => posted.push(m as never),
    onMessage: { addListener: (l) => { onMessage = l; } },
    onDisconnect: { addListener: () => undefined },
  };
  const routed: string[] = [];
  acceptPagePort(port, async (request) => { routed.push(request.type); return { ok: true }; });
  const send = async (type = 'kyso.signHash') => {
    onMessage({ type: 'page.request', request: { v: 1, id: `req-${routed.length}-${posted.length}`, type, payload: type === 'kyso.getStatus' ? {} : { hash: Buffer.alloc(32).toString('base64'), hashAlgorithm: 'SHA-256' } } });
    await new Promise((r) => setTimeout(r, 5));
  };
  return { posted, routed, send };
}

const subframeSenders: Record<string, PortSender> = {
  'no tab at all': { origin: PORTAL, url: `${PORTAL}/ky`, frameId: 7 },
  'tab without url (no permission for the tab)': { origin: PORTAL, url: `${PORTAL}/ky`, frameId: 7, tab: {} },
  'tab url empty': { origin: PORTAL, url: `${PORTAL}/ky`, frameId: 7, tab: { url: '' } },
  'tab url unparseable': { origin: PORTAL, url: `${PORTAL}/ky`, frameId: 7, tab: { url: 'not a url' } },
  'frameId missing and no tab url': { origin: PORTAL, url: `${PORTAL}/ky`, tab: {} },
};

describe('frames with an unknown top page (simulated sender)', () => {
  for (const [name, sender] of Object.entries(subframeSenders)) {
    it(`subframe, ${name}: originsOf does not treat it as the top page`, () => {
      const { topOrigin, topUnknown } = originsOf(sender);
      expect(topUnknown).toBe(true);
      expect(topOrigin).not.toBe(PORTAL);
    });

    it(`subframe, ${name}: every request gets ORIGIN_NOT_ALLOWED and nothing is routed`, async () => {
      const { posted, routed, send } = connect(sender);
      await send('kyso.signHash');
      await send('kyso.getStatus');
      expect(routed).toEqual([]);
      expect(posted).toHaveLength(2);
      for (const reply of posted) {
        expect(reply.type).toBe('kyso.error');
        expect(reply.error?.code).toBe('ORIGIN_NOT_ALLOWED');
        expect(reply.error?.details?.reason).toBe('unknown-top-origin');
      }
    });
  }

  it('the top frame itself (frameId 0) needs no tab url: its own origin is the top origin', async () => {
    expect(originsOf({ origin: PORTAL, frameId: 0 })).toEqual({ frameOrigin: PORTAL, topOrigin: PORTAL });
    const { routed, send } = connect({ origin: PORTAL, frameId: 0 });
    await send('kyso.getStatus');
    expect(routed).toEqual(['kyso.getStatus']);
  });

  it('a subframe whose top page is known is routed with both origins', async () => {
    expect(originsOf({ origin: PORTAL, frameId: 3, tab: { url: 'https://host.example.vn/page' } }))
      .toEqual({ frameOrigin: PORTAL, topOrigin: 'https://host.example.vn' });
    const { routed, send } = connect({ origin: PORTAL, frameId: 3, tab: { url: 'https://host.example.vn/page' } });
    await send('kyso.getStatus');
    expect(routed).toEqual(['kyso.getStatus']);
  });
});
