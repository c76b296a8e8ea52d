/**
 * Consent broker, `consent.reveal` (issue 13): a token that shows its certificates only after login is opened from
 * the consent window. The host and the window are simulated here (the window's messages are sent exactly as
 * extension/ui/consent/consent.ts sends them); the real host and Chromium are in
 * test/integration/token-quirks-reveal.test.ts and test/e2e/certificates-after-login.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createRouter, type RequestContext } from '../../extension/background/router.js';
import { ConsentBroker, CONSENT_PAGE_PATH } from '../../extension/background/consent/consent-broker.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { ConsentReply } from '../../extension/messaging/internal-messages.js';
import type { CertificateInfo, TokenInfo } from '../../shared/protocol/common.js';

const EXT = 'chrome-extension://abddkodjbciaefbbillgfgplhpgfcokp/';
const CONSENT_URL = `${EXT}${CONSENT_PAGE_PATH}`;
const DIGEST = Buffer.alloc(32, 7).toString('base64');
const PIN = '123456';

const hiding: TokenInfo = {
  id: 'token-hides-01', label: 'Token ẩn', serialNumber: '1', manufacturer: 'SoftHSM', model: 'SoftHSM v2', slotDescription: 's',
  flags: { loginRequired: true, protectedAuthenticationPath: false, userPinInitialized: true, userPinCountLow: false, userPinFinalTry: false, userPinLocked: false, userPinToBeChanged: false },
  certificatesAfterLogin: true,
};
const certificate: CertificateInfo = {
  id: 'cert-hidden-00001', der: 'AAAA', subject: { dn: 'CN=Nguyễn Văn A', commonName: 'Nguyễn Văn A', identifiers: { all: [] } }, issuer: { dn: 'CN=CA' },
  serialNumber: '01', notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2030-01-01T00:00:00.000Z', keyType: 'RSA', keyBits: 2048,
  keyUsage: ['digitalSignature'], extendedKeyUsage: [], policies: [], fingerprintSha256: '0'.repeat(64), unusableReasons: [],
  token: { id: hiding.id, label: hiding.label, serialNumber: '1', manufacturer: 'SoftHSM', model: 'SoftHSM v2' },
};

function setup() {
  const windows: Array<{ id: number; url: string }> = [];
  const reveals: Array<{ tokenId: string; pin: string | undefined }> = [];
  let revealed = false;
  const consent = new ConsentBroker({
    createWindow: async (url) => { windows.push({ id: windows.length + 1, url }); return { id: windows.length }; },
    removeWindow: async () => undefined,
    getURL: (path) => `${EXT}${path}`,
    rememberUserChoice: async () => undefined,
    revealCertificates: async (tokenId, pin) => {
      reveals.push({ tokenId, pin });
      if (pin !== PIN) throw new KysoError('PIN_INCORRECT', { tokenState: 'ok' });
      revealed = true;
    },
  });
  const host = {
    hello: async () => ({ hostVersion: '0.1.0', protocolVersion: 1, modules: [] }),
    request: async (type: string, payload: Record<string, unknown>) => {
      if (type === 'host.listTokens') return { tokens: [hiding] };
      if (type === 'host.listCertificates') return { certificates: revealed ? [certificate] : [] };
      if (type === 'host.signDigest' && payload['pin'] === PIN) return { signature: 'AAAA', signatureAlgorithm: 'RSASSA-PKCS1-v1_5', hashAlgorithm: 'SHA-256', certificate: 'AAAA', chain: [] };
      throw new Error(type);
    },
  };
  const route = createRouter({ host: host as never, consent, decideAccess: async () => ({ kind: 'allow' }), extensionVersion: '0.1.0' });
  const sessionId = () => new URL(windows.at(-1)!.url).searchParams.get('session')!;
  const send = (message: Record<string, unknown>) => consent.handleMessage({ ...message, sessionId: sessionId() }, CONSENT_URL) as Promise<ConsentReply>;
  const windowOpened = async () => { for (let i = 0; i < 100 && windows.length === 0; i++) await new Promise((r) => setTimeout(r, 2)); };
  return { route, consent, windows, reveals, send, sessionId, windowOpened };
}

const context = (): RequestContext => ({ frameOrigin: 'https://portal.example.vn', topOrigin: 'https://portal.example.vn', signal: new AbortController().signal });
const signHash = { v: 1, id: 'req-0001', type: 'kyso.signHash', payload: { hash: DIGEST, hashAlgorithm: 'SHA-256', description: 'Tờ khai' } } as const;

describe('consent.reveal', () => {
  it('no certificate listed but a token that hides them: the window opens; a wrong PIN is retry PIN_INCORRECT; the right one lists the certificate, which then signs', async () => {
    const { route, send, reveals, windowOpened } = setup();
    const result = route(signHash as never, context());
    await windowOpened();
    const first = await send({ kind: 'consent.getState' });
    expect(first.outcome === 'state' && first.state.sign?.certificates).toEqual([]);

    const wrong = await send({ kind: 'consent.reveal', tokenId: hiding.id, pin: '999999' });
    expect(wrong.outcome).toBe('retry');
    expect(wrong.outcome === 'retry' && wrong.error.code).toBe('PIN_INCORRECT');

    const right = await send({ kind: 'consent.reveal', tokenId: hiding.id, pin: PIN });
    expect(right.outcome === 'state' && right.state.sign?.certificates.map((c) => c.id)).toEqual([certificate.id]);
    expect(reveals).toEqual([{ tokenId: hiding.id, pin: '999999' }, { tokenId: hiding.id, pin: PIN }]);

    expect((await send({ kind: 'consent.approve', certificateId: certificate.id, pin: PIN })).outcome).toBe('closed');
    await expect(result).resolves.toMatchObject({ signature: 'AAAA' });
  });

  it('only the consent page, for its own session and a token that hides its certificates, can ask for a reveal', async () => {
    const { route, consent, send, reveals, windowOpened, sessionId } = setup();
    void route(signHash as never, context()).catch(() => undefined);
    await windowOpened();
    expect(consent.handleMessage({ kind: 'consent.reveal', sessionId: sessionId(), tokenId: hiding.id, pin: PIN }, 'https://portal.example.vn/')).toBeUndefined();
    expect(consent.handleMessage({ kind: 'consent.reveal', sessionId: sessionId(), tokenId: hiding.id, pin: PIN }, `${EXT}ui/options/options.html`)).toBeUndefined();
    expect((await consent.handleMessage({ kind: 'consent.reveal', sessionId: 'forgedsession1', tokenId: hiding.id, pin: PIN }, CONSENT_URL))?.outcome).toBe('closed');
    // A token id the window was not shown gets the state back, no login.
    expect((await send({ kind: 'consent.reveal', tokenId: 'token-other-01', pin: PIN })).outcome).toBe('state');
    expect(reveals).toEqual([]);
    await send({ kind: 'consent.cancel' });
  });
});
