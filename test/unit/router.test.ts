/**
 * Router + consent broker: the background's decisions, with the host and the browser window simulated
 * (the consent page's messages are sent exactly as extension/ui/consent/consent.ts sends them).
 */
import { describe, expect, it } from 'vitest';
import { createRouter, type RequestContext } from '../../extension/background/router.js';
import { ConsentBroker, CONSENT_PAGE_PATH } from '../../extension/background/consent/consent-broker.js';
import { acceptPagePort, originsOf, type PagePort } from '../../extension/background/page-connections.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { AccessDecision } from '../../extension/background/access/access-policy.js';
import type { ConsentReply } from '../../extension/messaging/internal-messages.js';
import type { CertificateInfo, TokenInfo } from '../../shared/protocol/common.js';
import { PAGE_PORT_NAME } from '../../extension/messaging/internal-messages.js';

const EXT = 'chrome-extension://abddkodjbciaefbbillgfgplhpgfcokp/';
const CONSENT_URL = `${EXT}${CONSENT_PAGE_PATH}`;
const DIGEST = Buffer.alloc(32, 7).toString('base64');

const token: TokenInfo = {
  id: 'token-0001', label: 'Kyso Demo', serialNumber: '1', manufacturer: 'SoftHSM', model: 'SoftHSM v2', slotDescription: 's',
  flags: { loginRequired: true, protectedAuthenticationPath: false, userPinInitialized: true, userPinCountLow: false, userPinFinalTry: false, userPinLocked: false, userPinToBeChanged: false },
};
const certificate = (id: string, unusable: CertificateInfo['unusableReasons'] = []): CertificateInfo => ({
  id, der: 'AAAA', subject: { dn: `CN=${id}`, commonName: id, identifiers: { all: [] } }, issuer: { dn: 'CN=CA' },
  serialNumber: '01', notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z', keyType: 'RSA', keyBits: 2048,
  keyUsage: ['digitalSignature'], extendedKeyUsage: [], policies: [], fingerprintSha256: '0'.repeat(64), unusableReasons: unusable,
  token: { id: token.id, label: token.label, serialNumber: '1', manufacturer: 'SoftHSM', model: 'SoftHSM v2' },
});
const signature = { signature: 'AAAA', signatureAlgorithm: 'RSASSA-PKCS1-v1_5', hashAlgorithm: 'SHA-256', certificate: 'AAAA', chain: [] } as const;

function setup(options: { decision?: AccessDecision; pinOk?: string; consentTimeoutMs?: number } = {}) {
  const windows: Array<{ id: number; url: string; open: boolean }> = [];
  const remembered: Array<[string, string]> = [];
  const signed: Array<{ certificateId: string; pin?: string }> = [];
  const consent = new ConsentBroker({
    createWindow: async (url) => { const w = { id: windows.length + 1, url, open: true }; windows.push(w); return { id: w.id }; },
    removeWindow: async (id) => { windows.find((w) => w.id === id)!.open = false; },
    getURL: (path) => `${EXT}${path}`,
    rememberUserChoice: async (origin, choice) => { remembered.push([origin, choice]); },
    ...(options.consentTimeoutMs ? { consentTimeoutMs: options.consentTimeoutMs } : {}),
  });
  const host = {
    hello: async () => ({ hostVersion: '0.1.0', protocolVersion: 1, modules: [] }),
    request: async (type: string, payload: Record<string, unknown>) => {
      if (type === 'host.listTokens') return { tokens: [token] };
      if (type === 'host.listCertificates') return { certificates: [certificate('cert-usable-000001'), certificate('cert-expired-00001', ['expired'])] };
      if (type === 'host.signDigest') {
        signed.push({ certificateId: payload['certificateId'] as string, pin: payload['pin'] as string });
        if (payload['pin'] !== (options.pinOk ?? '123456')) throw new KysoError('PIN_INCORRECT');
        return signature;
      }
      throw new Error(type);
    },
  };
  const route = createRouter({ host: host as never, consent, decideAccess: async () => options.decision ?? { kind: 'allow' }, extensionVersion: '0.1.0' });
  const sessionOf = (n: number) => new URL(windows[n]!.url).searchParams.get('session')!;
  const send = (message: Record<string, unknown>, n = windows.length - 1) =>
    consent.handleMessage({ ...message, sessionId: sessionOf(n) }, CONSENT_URL) as Promise<ConsentReply>;
  const windowOpened = async (count = 1) => { for (let i = 0; i < 50 && windows.length < count; i++) await new Promise((r) => setTimeout(r, 2)); };
  return { route, consent, windows, remembered, signed, send, windowOpened };
}

const context = (signal = new AbortController().signal): RequestContext => ({ frameOrigin: 'https://portal.example.vn', topOrigin: 'https://portal.example.vn', signal });
const signRequest = (id = 'req-0001', payload: Record<string, unknown> = {}) =>
  ({ v: 1, id, type: 'kyso.signHash', payload: { hash: DIGEST, hashAlgorithm: 'SHA-256', description: 'Tờ khai', ...payload } }) as const;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try { await promise; return 'resolved'; } catch (error) { return (error as KysoError).code; }
}

describe('router', () => {
  it('a denied origin gets the policy\'s code and nothing reaches the host or a window', async () => {
    const { route, windows, signed } = setup({ decision: { kind: 'deny', code: 'ORIGIN_NOT_ALLOWED' } });
    expect(await codeOf(route(signRequest() as never, context()))).toBe('ORIGIN_NOT_ALLOWED');
    expect(windows).toHaveLength(0);
    expect(signed).toHaveLength(0);
  });

  it('a hash of the wrong length is INVALID_HASH before any window', async () => {
    const { route, windows } = setup();
    expect(await codeOf(route(signRequest('req-0002', { hash: Buffer.alloc(20).toString('base64') }) as never, context()))).toBe('INVALID_HASH');
    expect(windows).toHaveLength(0);
  });

  it('a certificateId the token does not hold is CERTIFICATE_NOT_FOUND', async () => {
    const { route } = setup();
    expect(await codeOf(route(signRequest('req-0003', { certificateId: 'cert-nowhere-00001' }) as never, context()))).toBe('CERTIFICATE_NOT_FOUND');
  });

  it('shows origin, description and digest; a wrong PIN keeps the window (retry), the right one signs and closes it', async () => {
    const { route, windows, send, signed, windowOpened } = setup();
    const result = route(signRequest() as never, context());
    await windowOpened();
    const state = await send({ kind: 'consent.getState' });
    expect(state.outcome).toBe('state');
    if (state.outcome !== 'state') return;
    expect(state.state.origin).toBe('https://portal.example.vn');
    expect(state.state.sign?.description).toBe('Tờ khai');
    expect(state.state.sign?.digestHex).toBe('07'.repeat(32));

    const wrong = await send({ kind: 'consent.approve', certificateId: 'cert-usable-000001', pin: '000000' });
    expect(wrong.outcome).toBe('retry');
    expect(wrong.outcome === 'retry' && wrong.error.code).toBe('PIN_INCORRECT');
    expect(windows[0]!.open).toBe(true);

    const expired = await send({ kind: 'consent.approve', certificateId: 'cert-expired-00001', pin: '123456' });
    expect(expired.outcome === 'retry' && expired.error.code).toBe('CERTIFICATE_NOT_USABLE');

    expect((await send({ kind: 'consent.approve', certificateId: 'cert-usable-000001', pin: '123456' })).outcome).toBe('closed');
    expect(await result).toEqual(signature);
    expect(windows[0]!.open).toBe(false);
    expect(signed.map((s) => s.certificateId)).toEqual(['cert-usable-000001', 'cert-usable-000001']);
  });

  it('closing the window is USER_CANCELLED; the page going away is REQUEST_SUPERSEDED and closes it', async () => {
    const first = setup();
    const cancelled = route1(first);
    await first.windowOpened();
    first.consent.handleWindowRemoved(first.windows[0]!.id);
    expect(await codeOf(cancelled)).toBe('USER_CANCELLED');

    const second = setup();
    const controller = new AbortController();
    const superseded = second.route(signRequest() as never, context(controller.signal));
    await second.windowOpened();
    controller.abort(new KysoError('REQUEST_SUPERSEDED'));
    expect(await codeOf(superseded)).toBe('REQUEST_SUPERSEDED');
    expect(second.windows[0]!.open).toBe(false);

    function route1(s: ReturnType<typeof setup>) { return s.route(signRequest() as never, context()); }
  });

  it('nobody answers the window: CONSENT_TIMEOUT and the window is closed', async () => {
    const { route, windows, windowOpened } = setup({ consentTimeoutMs: 40 });
    const waiting = route(signRequest() as never, context());
    await windowOpened();
    expect(await codeOf(waiting)).toBe('CONSENT_TIMEOUT');
    expect(windows[0]!.open).toBe(false);
  });

  it('one consent window at a time: the second request waits for the first', async () => {
    const { route, windows, send, windowOpened } = setup();
    const a = route(signRequest('req-000a') as never, context());
    const b = route(signRequest('req-000b') as never, context());
    await windowOpened();
    await new Promise((r) => setTimeout(r, 20));
    expect(windows).toHaveLength(1);
    await send({ kind: 'consent.cancel' }, 0);
    expect(await codeOf(a)).toBe('USER_CANCELLED');
    await windowOpened(2);
    expect(windows).toHaveLength(2);
    await send({ kind: 'consent.approve', certificateId: 'cert-usable-000001', pin: '123456' }, 1);
    expect(await b).toEqual(signature);
  });

  it('policy "ask": the person allows always (remembered) before the signing step, or blocks (ORIGIN_BLOCKED)', async () => {
    const allow = setup({ decision: { kind: 'ask', origins: ['https://portal.example.vn'] } });
    const signed = allow.route(signRequest() as never, context());
    await allow.windowOpened();
    const first = await allow.send({ kind: 'consent.getState' });
    expect(first.outcome === 'state' && first.state.step).toBe('site');
    // Approving before the site question is answered does nothing.
    expect((await allow.send({ kind: 'consent.approve', certificateId: 'cert-usable-000001', pin: '123456' })).outcome).toBe('state');
    expect(allow.signed).toHaveLength(0);
    const next = await allow.send({ kind: 'consent.site', choice: 'always' });
    expect(next.outcome === 'state' && next.state.step).toBe('sign');
    expect(allow.remembered).toEqual([['https://portal.example.vn', 'always']]);
    await allow.send({ kind: 'consent.approve', certificateId: 'cert-usable-000001', pin: '123456' });
    expect(await signed).toEqual(signature);

    const block = setup({ decision: { kind: 'ask', origins: ['https://portal.example.vn'] } });
    const blocked = block.route(signRequest() as never, context());
    await block.windowOpened();
    await block.send({ kind: 'consent.site', choice: 'block' });
    expect(await codeOf(blocked)).toBe('ORIGIN_BLOCKED');
    expect(block.remembered).toEqual([['https://portal.example.vn', 'block']]);
  });

  it('only the consent page may drive a session (a content script or a forged session id cannot)', async () => {
    const { route, consent, send, windowOpened, signed } = setup();
    void route(signRequest() as never, context()).catch(() => undefined);
    await windowOpened();
    const fromPage = consent.handleMessage({ kind: 'consent.approve', sessionId: 'whatever-123', certificateId: 'cert-usable-000001', pin: '123456' }, 'https://portal.example.vn/');
    expect(fromPage).toBeUndefined();
    const forged = await consent.handleMessage({ kind: 'consent.approve', sessionId: 'forgedsession1', certificateId: 'cert-usable-000001', pin: '123456' }, CONSENT_URL);
    expect(forged?.outcome).toBe('closed');
    expect(signed).toHaveLength(0);
    await send({ kind: 'consent.cancel' });
  });
});

describe('page connections', () => {
  it('takes the origin from the browser\'s sender, never from the payload', () => {
    expect(originsOf({ origin: 'https://a.example.vn', frameId: 0, url: 'https://a.example.vn/x' })).toEqual({ frameOrigin: 'https://a.example.vn', topOrigin: 'https://a.example.vn' });
    expect(originsOf({ url: 'https://frame.example.vn/p?q', frameId: 3, tab: { url: 'https://top.example.vn/' } })).toEqual({ frameOrigin: 'https://frame.example.vn', topOrigin: 'https://top.example.vn' });
    expect(originsOf(undefined).frameOrigin).toBe('null');
  });

  it('answers on the port with the routed result or a typed error, and aborts in-flight work on disconnect', async () => {
    const posted: unknown[] = [];
    let onMessage: (m: unknown) => void = () => undefined;
    let onDisconnect: () => void = () => undefined;
    const port: PagePort = {
      name: PAGE_PORT_NAME, sender: { origin: 'https://portal.example.vn', frameId: 0 },
      postMessage: (m) => posted.push(m),
      onMessage: { addListener: (l) => { onMessage = l; } },
      onDisconnect: { addListener: (l) => { onDisconnect = l; } },
    };
    const seen: RequestContext[] = [];
    acceptPagePort(port, (request, ctx) => {
      seen.push(ctx);
      if (request.id === 'req-slow') return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
      return Promise.resolve({ ok: true });
    });
    onMessage({ type: 'page.request', request: { v: 1, id: 'req-fast', type: 'kyso.getStatus', payload: {}, origin: 'https://evil.example' } });
    onMessage({ type: 'page.request', request: { v: 1, id: 'req-fast', type: 'kyso.getStatus', payload: {} } });
    onMessage({ type: 'page.request', request: { v: 1, id: 'req-slow', type: 'kyso.getStatus', payload: {} } });
    await new Promise((r) => setTimeout(r, 5));
    expect(posted).toContainEqual({ v: 1, id: 'req-fast', type: 'kyso.result', payload: { ok: true } });
    expect((posted[0] as { error?: { code: string } }).error?.code).toBe('BAD_REQUEST'); // unknown field "origin" refused
    expect(seen.every((c) => c.frameOrigin === 'https://portal.example.vn')).toBe(true);
    onDisconnect();
    await new Promise((r) => setTimeout(r, 5));
    expect(seen.at(-1)!.signal.aborted).toBe(true);
  });
});
