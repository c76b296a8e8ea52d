/**
 * kyso.getStatus warms the host for the first signing request (issue 14: first consent window on a fresh
 * browser): once the site is allowed, the background also asks the host for its certificate listing — the host's
 * slow first one — without waiting for it and without telling the page anything more. A site that is not allowed
 * (denied, or the person blocked it at the site question) causes no host request at all.
 */
import { describe, expect, it } from 'vitest';
import { createRouter, type RequestContext } from '../../extension/background/router.js';
import { ConsentBroker, CONSENT_PAGE_PATH } from '../../extension/background/consent/consent-broker.js';
import type { AccessDecision } from '../../extension/background/access/access-policy.js';
import type { ConsentReply } from '../../extension/messaging/internal-messages.js';

const EXT = 'chrome-extension://abddkodjbciaefbbillgfgplhpgfcokp/';
const ORIGIN = 'https://portal.example.vn';
const status = { v: 1, id: 'req-status', type: 'kyso.getStatus', payload: {} } as const;
const context = (): RequestContext => ({ frameOrigin: ORIGIN, topOrigin: ORIGIN, signal: new AbortController().signal });

function setup(decision: AccessDecision) {
  const hostCalls: string[] = [];
  const windows: string[] = [];
  const consent = new ConsentBroker({
    createWindow: async (url) => { windows.push(url); return { id: windows.length }; },
    removeWindow: async () => undefined,
    getURL: (path) => `${EXT}${path}`,
    rememberUserChoice: async () => undefined,
  });
  const host = {
    hello: async () => { hostCalls.push('host.hello'); return { hostVersion: '0.1.0', protocolVersion: 1, modules: [{ loaded: true }] }; },
    request: async (type: string) => {
      hostCalls.push(type);
      if (type === 'host.listTokens') return { tokens: [] };
      if (type === 'host.listCertificates') return { certificates: [] };
      throw new Error(type);
    },
  };
  const route = createRouter({ host: host as never, consent, decideAccess: async () => decision, extensionVersion: '0.1.0' });
  const send = (message: Record<string, unknown>) => {
    const session = new URL(windows.at(-1)!).searchParams.get('session');
    return consent.handleMessage({ ...message, sessionId: session }, `${EXT}${CONSENT_PAGE_PATH}`) as Promise<ConsentReply>;
  };
  return { route, hostCalls, windows, send };
}

describe('kyso.getStatus warms the host for the first signing request', () => {
  it('an allowed site: the certificate listing is asked beside the token listing, and the page gets only its status', async () => {
    const { route, hostCalls } = setup({ kind: 'allow' });
    const result = await route(status as never, context()) as Record<string, unknown>;
    expect(hostCalls).toContain('host.listCertificates');
    expect(hostCalls).toContain('host.listTokens');
    expect(Object.keys(result).sort()).toEqual(['extensionVersion', 'host', 'protocolVersion', 'tokens']);
  });

  it('a denied site: no host request', async () => {
    const { route, hostCalls } = setup({ kind: 'deny', code: 'ORIGIN_NOT_ALLOWED' });
    await expect(route(status as never, context())).rejects.toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });
    expect(hostCalls).toEqual([]);
  });

  it('an unlisted site the person blocks at the site question: no host request', async () => {
    const { route, hostCalls, windows, send } = setup({ kind: 'ask', origins: [ORIGIN] });
    const outcome = route(status as never, context()).then(() => 'resolved', (e: { code: string }) => e.code);
    for (let i = 0; i < 50 && windows.length === 0; i++) await new Promise((r) => setTimeout(r, 2));
    await send({ kind: 'consent.site', choice: 'block' });
    expect(await outcome).toBe('ORIGIN_BLOCKED');
    expect(hostCalls).toEqual([]);
  });

  it('the same site allowed by the person at the site question: the warm-up comes only after the "allow"', async () => {
    const { route, hostCalls, windows, send } = setup({ kind: 'ask', origins: [ORIGIN] });
    const outcome = route(status as never, context());
    for (let i = 0; i < 50 && windows.length === 0; i++) await new Promise((r) => setTimeout(r, 2));
    expect(hostCalls).toEqual([]);
    await send({ kind: 'consent.site', choice: 'once' });
    await outcome;
    expect(hostCalls).toContain('host.listCertificates');
  });
});
