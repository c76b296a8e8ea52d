/**
 * An allowed site's signing request: the consent window opens while the host is still listing tokens and
 * certificates (router.ts consentToSign → ConsentBroker `pendingSign`), so its load overlaps the host's start.
 * What must still hold: the window hears about the request only once the lookups are done (never a request without
 * its certificates); a failed lookup closes the window BEFORE the page hears the error; Cancel works meanwhile.
 * Router and broker are real; the host and the browser's windows are simulated.
 */
import { describe, expect, it } from 'vitest';
import { createRouter, type RequestContext } from '../../extension/background/router.js';
import { ConsentBroker, CONSENT_PAGE_PATH } from '../../extension/background/consent/consent-broker.js';
import type { ConsentReply } from '../../extension/messaging/internal-messages.js';
import type { CertificateInfo, TokenInfo } from '../../shared/protocol/common.js';
import type { KysoError } from '../../shared/errors/kyso-error.js';

const EXT = 'chrome-extension://abddkodjbciaefbbillgfgplhpgfcokp/';
const DIGEST = Buffer.alloc(32, 7).toString('base64');
const token: TokenInfo = {
  id: 'token-0001', label: 'Kyso Demo', serialNumber: '1', manufacturer: 'SoftHSM', model: 'SoftHSM v2', slotDescription: 's',
  flags: { loginRequired: true, protectedAuthenticationPath: false, userPinInitialized: true, userPinCountLow: false, userPinFinalTry: false, userPinLocked: false, userPinToBeChanged: false },
};
const certificate: CertificateInfo = {
  id: 'cert-usable-000001', der: 'AAAA', subject: { dn: 'CN=A', commonName: 'A', identifiers: { all: [] } }, issuer: { dn: 'CN=CA' },
  serialNumber: '01', notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2099-01-01T00:00:00.000Z', keyType: 'RSA', keyBits: 2048,
  keyUsage: ['digitalSignature'], extendedKeyUsage: [], policies: [], fingerprintSha256: '0'.repeat(64), unusableReasons: [],
  token: { id: token.id, label: token.label, serialNumber: '1', manufacturer: 'SoftHSM', model: 'SoftHSM v2' },
};
const tick = () => new Promise((r) => setTimeout(r, 2));

/** A host whose token listing waits for `release()`; `tokens` decides whether a token is plugged in. */
function setup(options: { tokens: boolean; windowDelayMs?: number }) {
  let release!: () => void;
  const listed = new Promise<void>((r) => { release = r; });
  const windows: Array<{ id: number; url: string; open: boolean }> = [];
  const consent = new ConsentBroker({
    createWindow: async (url) => {
      if (options.windowDelayMs) await new Promise((r) => setTimeout(r, options.windowDelayMs));
      const w = { id: windows.length + 1, url, open: true };
      windows.push(w);
      return { id: w.id };
    },
    removeWindow: async (id) => { await tick(); windows.find((w) => w.id === id)!.open = false; },
    getURL: (path) => `${EXT}${path}`,
    rememberUserChoice: async () => undefined,
  });
  const host = {
    hello: async () => ({ hostVersion: '0.1.0', protocolVersion: 1, modules: [] }),
    request: async (type: string) => {
      if (type === 'host.listTokens') { await listed; return { tokens: options.tokens ? [token] : [] }; }
      if (type === 'host.listCertificates') return { certificates: [certificate] };
      throw new Error(type);
    },
  };
  const route = createRouter({ host: host as never, consent, decideAccess: async () => ({ kind: 'allow' }), extensionVersion: '0.1.0' });
  const context: RequestContext = { frameOrigin: 'https://portal.example.vn', topOrigin: 'https://portal.example.vn', signal: new AbortController().signal };
  const request = { v: 1, id: 'req-0001', type: 'kyso.signHash', payload: { hash: DIGEST, hashAlgorithm: 'SHA-256' } } as const;
  const send = (message: Record<string, unknown>) => {
    const sessionId = new URL(windows.at(-1)!.url).searchParams.get('session')!;
    return consent.handleMessage({ ...message, sessionId }, `${EXT}${CONSENT_PAGE_PATH}`) as Promise<ConsentReply>;
  };
  const opened = async () => { for (let i = 0; i < 100 && windows.length === 0; i++) await tick(); };
  return { route: () => route(request as never, context), release, windows, send, opened };
}

describe('consent window opened beside the lookups (allowed site)', () => {
  it('opens while the host is still listing; its state arrives only with the certificates', async () => {
    const { route, release, windows, send, opened } = setup({ tokens: true });
    const outcome = route().catch((e: KysoError) => e.code);
    await opened();
    expect(windows).toHaveLength(1); // the listing has not answered yet
    let answered = false;
    const state = send({ kind: 'consent.getState' }).then((reply) => { answered = true; return reply; });
    await tick();
    expect(answered).toBe(false); // nothing to show yet: the window waits
    release();
    const reply = await state;
    expect(reply.outcome).toBe('state');
    if (reply.outcome !== 'state') return;
    expect(reply.state.step).toBe('sign');
    expect(reply.state.sign?.certificates.map((c) => c.id)).toEqual([certificate.id]);
    expect(reply.state.sign?.tokens.map((t) => t.id)).toEqual([token.id]);
    await send({ kind: 'consent.cancel' });
    expect(await outcome).toBe('USER_CANCELLED');
  });

  it.each([0, 30])('no token: TOKEN_NOT_PRESENT reaches the page only once the window is closed (window opens after %i ms)', async (windowDelayMs) => {
    const { route, release, windows } = setup({ tokens: false, windowDelayMs });
    const outcome = route().then(() => 'resolved', (e: KysoError) => ({ code: e.code, openWindows: windows.filter((w) => w.open).length }));
    await tick();
    release();
    expect(await outcome).toEqual({ code: 'TOKEN_NOT_PRESENT', openWindows: 0 });
    expect(windows).toHaveLength(1);
  });

  it('a state asked for while waiting is "closed" when the lookups fail; Cancel while waiting ends the request at once', async () => {
    const failing = setup({ tokens: false });
    const failed = failing.route().catch((e: KysoError) => e.code);
    await failing.opened();
    const state = failing.send({ kind: 'consent.getState' });
    failing.release();
    expect((await state).outcome).toBe('closed');
    expect(await failed).toBe('TOKEN_NOT_PRESENT');

    const waiting = setup({ tokens: true });
    const cancelled = waiting.route().catch((e: KysoError) => e.code);
    await waiting.opened();
    expect((await waiting.send({ kind: 'consent.cancel' })).outcome).toBe('closed');
    expect(await cancelled).toBe('USER_CANCELLED');
    waiting.release();
  });
});
