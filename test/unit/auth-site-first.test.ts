/**
 * Trust boundary, privacy: an unlisted site (policy "ask") must not learn what the token holds before the
 * person allows it. Regression for the leak pinned in test/e2e/policy.test.ts (router listed tokens and
 * certificates before the site question, so TOKEN_NOT_PRESENT / CERTIFICATE_NOT_FOUND answered a probe).
 * Host and window are simulated here; the same scenario runs in real Chromium in test/e2e/policy.test.ts.
 *
 * Once the person allowed the site, the background asks the host for the tokens AND the certificates at once
 * (signing-candidates.ts): two round trips the window would otherwise wait for one after the other (docs/
 * benchmarks.md, consent window). That is safe only because both come after the site question: the tests below pin
 * that no host call at all happens before it, and the event log pins the order window → answer → host.
 */
import { describe, expect, it } from 'vitest';
import { createRouter, type RequestContext } from '../../extension/background/router.js';
import { ConsentBroker, CONSENT_PAGE_PATH } from '../../extension/background/consent/consent-broker.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { ConsentReply } from '../../extension/messaging/internal-messages.js';
import type { TokenInfo } from '../../shared/protocol/common.js';
import type { AccessDecision } from '../../extension/background/access/access-policy.js';

const EXT = 'chrome-extension://abddkodjbciaefbbillgfgplhpgfcokp/';
const token: TokenInfo = {
  id: 'token-0001', label: 'Kyso Demo', serialNumber: '1', manufacturer: 'SoftHSM', model: 'SoftHSM v2', slotDescription: 's',
  flags: { loginRequired: true, protectedAuthenticationPath: false, userPinInitialized: true, userPinCountLow: false, userPinFinalTry: false, userPinLocked: false, userPinToBeChanged: false },
};

function setup(hostHas: { tokens: boolean; certificates: boolean }, hold?: Promise<void>, decision: AccessDecision = { kind: 'ask', origins: ['https://probe.example'] }) {
  const hostCalls: string[] = [];
  /** Window, person's answer and host calls in the order they happened. */
  const events: string[] = [];
  const windows: Array<{ id: number; url: string; open: boolean }> = [];
  const consent = new ConsentBroker({
    createWindow: async (url) => { const w = { id: windows.length + 1, url, open: true }; windows.push(w); events.push('window'); return { id: w.id }; },
    removeWindow: async (id) => { windows.find((w) => w.id === id)!.open = false; },
    getURL: (path) => `${EXT}${path}`,
    rememberUserChoice: async () => undefined,
  });
  const host = {
    hello: async () => ({ hostVersion: '0.1.0', protocolVersion: 1, modules: [] }),
    request: async (type: string) => {
      hostCalls.push(type);
      events.push(type);
      await hold;
      if (type === 'host.listTokens') return { tokens: hostHas.tokens ? [token] : [] };
      if (type === 'host.listCertificates') return { certificates: [] };
      throw new Error(type);
    },
  };
  const route = createRouter({
    host: host as never, consent, extensionVersion: '0.1.0',
    decideAccess: async () => decision,
  });
  const send = async (message: Record<string, unknown>) => {
    for (let i = 0; i < 50 && windows.length === 0; i++) await new Promise((r) => setTimeout(r, 2));
    const session = new URL(windows.at(-1)!.url).searchParams.get('session')!;
    if (message['kind'] === 'consent.site') events.push(`site:${String(message['choice'])}`);
    return consent.handleMessage({ ...message, sessionId: session }, `${EXT}${CONSENT_PAGE_PATH}`) as Promise<ConsentReply>;
  };
  return { route, hostCalls, events, windows, send };
}

const context = (): RequestContext => ({ frameOrigin: 'https://probe.example', topOrigin: 'https://probe.example', signal: new AbortController().signal });
const probe = { v: 1, id: 'probe-0001', type: 'kyso.signHash', payload: { hash: Buffer.alloc(32).toString('base64'), hashAlgorithm: 'SHA-256', filter: { subjectIdentifier: 'MST:9999999999' } } } as const;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try { await promise; return 'resolved'; } catch (error) { return (error as KysoError).code; }
}

describe('an unlisted site is asked before Kyso talks to the host', () => {
  for (const hostHas of [{ tokens: false, certificates: false }, { tokens: true, certificates: false }]) {
    it(`the site question comes first and "block" gives ORIGIN_BLOCKED whatever the token holds (token plugged in: ${hostHas.tokens})`, async () => {
      const { route, hostCalls, events, windows, send } = setup(hostHas);
      const outcome = codeOf(route(probe as never, context()));
      const state = await send({ kind: 'consent.getState' });
      expect(state.outcome === 'state' && state.state.step).toBe('site');
      expect(hostCalls).toEqual([]);
      await send({ kind: 'consent.site', choice: 'block' });
      expect(await outcome).toBe('ORIGIN_BLOCKED');
      expect(hostCalls).toEqual([]);
      expect(events).toEqual(['window', 'site:block']);
      expect(windows.every((w) => !w.open)).toBe(true);
    });
  }

  it('a site the policy refuses gets its error with no window and no host call', async () => {
    const { route, events } = setup({ tokens: true, certificates: true }, undefined, { kind: 'deny', code: 'ORIGIN_NOT_ALLOWED' });
    expect(await codeOf(route(probe as never, context()))).toBe('ORIGIN_NOT_ALLOWED');
    expect(events).toEqual([]);
  });

  it('after "allow once" the lookups run and their answer closes the window with that error', async () => {
    const { route, events, windows, send } = setup({ tokens: false, certificates: false });
    const outcome = codeOf(route(probe as never, context()));
    await send({ kind: 'consent.getState' });
    const reply = await send({ kind: 'consent.site', choice: 'once' });
    expect(reply.outcome).toBe('closed');
    expect(await outcome).toBe('TOKEN_NOT_PRESENT');
    // Window first, the person's answer, and only then the host — both listings at once (the certificate answer
    // is not used when no token is present). A router that looked the token up before asking would log host calls
    // before 'window' (or open no window at all).
    expect(events).toEqual(['window', 'site:once', 'host.listTokens', 'host.listCertificates']);
    expect(windows.every((w) => !w.open)).toBe(true);
  });

  it('the page going away while the lookups run after "allow": REQUEST_SUPERSEDED, window closed, no signing step', async () => {
    let release!: () => void;
    const { route, hostCalls, windows, send } = setup({ tokens: true, certificates: true }, new Promise<void>((r) => { release = r; }));
    const controller = new AbortController();
    const outcome = codeOf(route(probe as never, { ...context(), signal: controller.signal }));
    await send({ kind: 'consent.getState' });
    const siteReply = send({ kind: 'consent.site', choice: 'once' });
    await new Promise((r) => setTimeout(r, 5));
    expect(hostCalls).toEqual(['host.listTokens', 'host.listCertificates']); // both asked at once, both held
    controller.abort();
    release();
    expect(await outcome).toBe('REQUEST_SUPERSEDED');
    expect((await siteReply).outcome).toBe('closed');
    expect(windows.every((w) => !w.open)).toBe(true);
  });

  it('after "allow once" with a token the same window moves on to the signing step', async () => {
    const { route, events, send } = setup({ tokens: true, certificates: true });
    const outcome = codeOf(route({ ...probe, payload: { ...probe.payload, filter: undefined } } as never, context()));
    await send({ kind: 'consent.getState' });
    const reply = await send({ kind: 'consent.site', choice: 'once' });
    // listCertificates answers [] in this stub, so the request ends CERTIFICATE_NOT_FOUND — but only now.
    expect(reply.outcome).toBe('closed');
    expect(await outcome).toBe('CERTIFICATE_NOT_FOUND');
    expect(events).toEqual(['window', 'site:once', 'host.listTokens', 'host.listCertificates']);
  });
});
