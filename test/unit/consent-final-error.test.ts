/**
 * A token answer that ends a signing but is said in the consent window (issue 13: PIN expired, locked by the
 * last wrong try, token pulled out or silent): the page's promise is rejected at once with the same typed error,
 * the window stays with nothing to sign with until the person closes it, and closing it leaves nothing pending.
 * The broker is driven here with the window's messages exactly as extension/ui/consent/consent.ts sends them and
 * a signing function that throws what the host would answer; the real token, host and Chromium are in
 * test/e2e/pin-states.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ConsentBroker, CONSENT_PAGE_PATH, type ConsentRequest, type SignConsent } from '../../extension/background/consent/consent-broker.js';
import { finalErrorWords, FINAL_ERROR_UI, staysInWindow, type FinalErrorCode } from '../../extension/ui/consent/final-error-text.js';
import { ERROR_CATALOGUE, ERROR_CODES } from '../../shared/errors/catalogue.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { ConsentReply } from '../../extension/messaging/internal-messages.js';
import type { CertificateInfo, SignatureResult, TokenInfo } from '../../shared/protocol/common.js';

const EXT = 'chrome-extension://abddkodjbciaefbbillgfgplhpgfcokp/';
const CONSENT_URL = `${EXT}${CONSENT_PAGE_PATH}`;
const PIN = '123456';
const SHOWN: readonly FinalErrorCode[] = ['PIN_EXPIRED', 'PIN_LOCKED', 'TOKEN_REMOVED', 'TOKEN_NOT_PRESENT', 'TOKEN_NOT_RESPONDING'];

const tokenInfo: TokenInfo = {
  id: 'token-plain-01', label: 'Token', serialNumber: '1', manufacturer: 'SoftHSM', model: 'SoftHSM v2', slotDescription: 's',
  flags: { loginRequired: true, protectedAuthenticationPath: false, userPinInitialized: true, userPinCountLow: false, userPinFinalTry: false, userPinLocked: false, userPinToBeChanged: false },
};
const certificate: CertificateInfo = {
  id: 'cert-plain-000001', der: 'AAAA', subject: { dn: 'CN=Nguyễn Văn A', commonName: 'Nguyễn Văn A', identifiers: { all: [] } }, issuer: { dn: 'CN=CA' },
  serialNumber: '01', notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2030-01-01T00:00:00.000Z', keyType: 'RSA', keyBits: 2048,
  keyUsage: ['digitalSignature'], extendedKeyUsage: [], policies: [], fingerprintSha256: '0'.repeat(64), unusableReasons: [],
  token: { id: tokenInfo.id, label: tokenInfo.label, serialNumber: '1', manufacturer: 'SoftHSM', model: 'SoftHSM v2' },
};
const SIGNATURE: SignatureResult = { signature: 'AAAA', signatureAlgorithm: 'RSASSA-PKCS1-v1_5', hashAlgorithm: 'SHA-256', certificate: 'AAAA', chain: [] };

function setup(options: { consentTimeoutMs?: number } = {}) {
  const windows: Array<{ id: number; url: string }> = [];
  const removed: number[] = [];
  const focused: number[] = [];
  const broker = new ConsentBroker({
    createWindow: async (url) => { windows.push({ id: windows.length + 1, url }); return { id: windows.length }; },
    removeWindow: async (id) => { removed.push(id); },
    focusWindow: async (id) => { focused.push(id); },
    getURL: (path) => `${EXT}${path}`,
    rememberUserChoice: async () => undefined,
    ...(options.consentTimeoutMs ? { consentTimeoutMs: options.consentTimeoutMs } : {}),
  });
  /** What the token answers to the next approve (an error, or a signature). */
  const answers: Array<KysoError | SignatureResult> = [];
  let approves = 0;
  /** In order: when a page's promise settled, and when a test saw the window's reply. */
  const events: string[] = [];
  const sign = (): SignConsent => ({
    hashAlgorithm: 'SHA-256', digestHex: '00'.repeat(32), certificates: [certificate], tokens: [tokenInfo],
    approve: async () => {
      approves++;
      const answer = answers.shift();
      if (!answer) throw new Error('no answer prepared');
      if (answer instanceof KysoError) throw answer;
      return answer;
    },
    refreshTokens: async () => [tokenInfo],
    refreshCertificates: async () => ({ certificates: [certificate], tokens: [tokenInfo] }),
  });
  /** A page's signing request; `settled` records when and how the page's promise ended. */
  const request = (origin = 'https://portal.example.vn') => {
    const page = new AbortController();
    const settled: { code?: string; result?: unknown; done: boolean } = { done: false };
    const consent: ConsentRequest = { origin, topOrigin: origin, operation: 'kyso.signHash', askOrigins: [], sign: sign(), signal: page.signal };
    const promise = broker.run(consent).then(
      (result) => { settled.result = result; settled.done = true; events.push('page settled'); },
      (error: unknown) => { settled.code = error instanceof KysoError ? error.code : String(error); settled.done = true; events.push('page settled'); },
    );
    return { page, settled, promise };
  };
  const sessionOf = (windowId: number) => new URL(windows[windowId - 1]!.url).searchParams.get('session')!;
  const send = (windowId: number, message: Record<string, unknown>) => broker.handleMessage({ ...message, sessionId: sessionOf(windowId) }, CONSENT_URL) as Promise<ConsentReply>;
  const settle = () => new Promise((r) => setTimeout(r, 5));
  return { broker, windows, removed, focused, answers, events, approves: () => approves, request, send, settle };
}

describe('which token answers stay in the window, and their words', () => {
  it('exactly the codes the window has words for: expired PIN, locked, removed, not present, silent — never a wrong PIN, a cancel or a fault of Kyso', () => {
    expect(ERROR_CODES.filter((code) => staysInWindow(code)).sort()).toEqual([...SHOWN].sort());
    for (const code of ['PIN_INCORRECT', 'PIN_INVALID_FORMAT', 'USER_CANCELLED', 'CONSENT_TIMEOUT', 'TOKEN_ERROR', 'HOST_DISCONNECTED', 'INTERNAL_ERROR', 'toString', '__proto__']) {
      expect(staysInWindow(code), code).toBe(false);
    }
  });

  it('each says what happened, what it means and what to do next, in Vietnamese and in English', () => {
    for (const code of SHOWN) {
      const vi = finalErrorWords(code, 'vi');
      const en = finalErrorWords(code, 'en');
      for (const words of [vi, en]) for (const part of [words.title, words.explanation, words.nextStep]) expect(part.length, code).toBeGreaterThan(10);
      // Vietnamese words carry its diacritics; the English ones none of them.
      expect(`${vi.title} ${vi.nextStep}`, code).toMatch(/[ăâđêôơưạ-ỹ]/u);
      expect(`${en.title} ${en.explanation} ${en.nextStep}`, code).toMatch(/^[\x20-\x7e]+$/);
      // The next step sends the person back to sign again once the token is put right.
      expect(vi.nextStep, code).toMatch(/ký lại/);
      expect(en.nextStep, code).toMatch(/sign again/);
      // Said in the window's own words, not a copy of the page's message.
      expect(vi.title).not.toBe(ERROR_CATALOGUE[code].vi);
    }
    expect(finalErrorWords('PIN_EXPIRED', 'vi').nextStep).toMatch(/đổi mã PIN bằng phần mềm quản lý thiết bị ký/);
    expect(finalErrorWords('PIN_LOCKED', 'vi').nextStep).toMatch(/nhà cung cấp chứng thư số \(CA\).*PUK/);
    expect(finalErrorWords('TOKEN_REMOVED', 'vi').nextStep).toMatch(/^Cắm lại thiết bị ký/);
    expect(FINAL_ERROR_UI.vi.close).toBe('Đóng');
    expect(FINAL_ERROR_UI.en.close).toBe('Close');
  });
});

describe('consent broker: a signing that ends in the window', () => {
  it.each(SHOWN)('%s: the page is rejected before the window answers; the window stays (not removed) and can only be read and closed; Close removes it', async (code) => {
    const { windows, removed, answers, events, approves, request, send, settle } = setup();
    const { settled } = request();
    await settle();
    expect(windows).toHaveLength(1);
    answers.push(new KysoError(code));
    const reply = await send(1, { kind: 'consent.approve', certificateId: certificate.id, pin: PIN });
    events.push('window answered');
    await settle();
    expect(events).toEqual(['page settled', 'window answered']);
    expect(settled).toEqual({ code, done: true });
    expect(reply.outcome).toBe('ended');
    expect(reply.outcome === 'ended' && reply.error.code).toBe(code);
    expect(reply.outcome === 'ended' && reply.state.origin).toBe('https://portal.example.vn');
    expect(removed).toEqual([]);

    // Nothing signs from here: a second approve (a forced Enter, a crafted message), a reveal or a refresh gets the
    // same ended answer and never reaches the token; a reload of the window sees the same.
    for (const message of [
      { kind: 'consent.approve', certificateId: certificate.id, pin: PIN },
      { kind: 'consent.reveal', tokenId: tokenInfo.id, pin: PIN },
      { kind: 'consent.refresh' },
      { kind: 'consent.getState' },
      { kind: 'consent.site', choice: 'once' },
    ]) {
      const again = await send(1, message);
      expect(again.outcome, message.kind).toBe('ended');
      expect(again.outcome === 'ended' && again.error.code).toBe(code);
    }
    expect(approves()).toBe(1);

    expect((await send(1, { kind: 'consent.cancel' })).outcome).toBe('closed');
    expect(removed).toEqual([1]);
    // Gone: the old session answers nothing but "closed", and the page's result did not change.
    expect((await send(1, { kind: 'consent.getState' })).outcome).toBe('closed');
    expect(settled).toEqual({ code, done: true });
  });

  it('a wrong PIN that is not final still keeps the window for another try (retry), and the next PIN can sign', async () => {
    const { removed, answers, request, send, settle } = setup();
    const { settled } = request();
    await settle();
    answers.push(new KysoError('PIN_INCORRECT'), SIGNATURE);
    const wrong = await send(1, { kind: 'consent.approve', certificateId: certificate.id, pin: '000000' });
    expect(wrong.outcome).toBe('retry');
    expect(settled.done).toBe(false);
    expect((await send(1, { kind: 'consent.approve', certificateId: certificate.id, pin: PIN })).outcome).toBe('closed');
    await settle();
    expect(settled).toEqual({ result: SIGNATURE, done: true });
    expect(removed).toEqual([1]);
  });

  it('any other error that ends a signing still closes the window at once, as before', async () => {
    const { removed, answers, request, send, settle } = setup();
    const { settled } = request();
    await settle();
    answers.push(new KysoError('TOKEN_ERROR'));
    const reply = await send(1, { kind: 'consent.approve', certificateId: certificate.id, pin: PIN });
    expect(reply.outcome).toBe('closed');
    await settle();
    expect(settled).toEqual({ code: 'TOKEN_ERROR', done: true });
    expect(removed).toEqual([1]);
  });

  it('the person closes the window itself (× or the system): nothing is rejected twice, nothing is left, the next request opens', async () => {
    const { broker, windows, removed, answers, request, send, settle } = setup();
    const first = request();
    await settle();
    answers.push(new KysoError('PIN_LOCKED'));
    await send(1, { kind: 'consent.approve', certificateId: certificate.id, pin: PIN });
    // Another site asks meanwhile: it waits its turn unseen, as behind any open window.
    const other = request('https://other.example.vn');
    await settle();
    expect(windows).toHaveLength(1);
    broker.handleWindowRemoved(1);
    await settle();
    expect(removed).toEqual([]); // already gone
    expect(first.settled).toEqual({ code: 'PIN_LOCKED', done: true });
    expect(windows).toHaveLength(2);
    expect(other.settled.done).toBe(false);
    answers.push(SIGNATURE);
    expect((await send(2, { kind: 'consent.approve', certificateId: certificate.id, pin: PIN })).outcome).toBe('closed');
    await settle();
    expect(other.settled).toEqual({ result: SIGNATURE, done: true });
  });

  it('the same page asking again (the "sign again" the message asks for) replaces the window at once', async () => {
    const { windows, removed, focused, answers, request, send, settle } = setup();
    request();
    await settle();
    answers.push(new KysoError('TOKEN_REMOVED'));
    await send(1, { kind: 'consent.approve', certificateId: certificate.id, pin: PIN });
    const again = request();
    await settle();
    expect(removed).toEqual([1]);
    expect(focused).toEqual([]);
    expect(windows).toHaveLength(2);
    expect((await send(2, { kind: 'consent.getState' })).outcome).toBe('state');
    answers.push(SIGNATURE);
    await send(2, { kind: 'consent.approve', certificateId: certificate.id, pin: PIN });
    await settle();
    expect(again.settled).toEqual({ result: SIGNATURE, done: true });
  });

  it('the page going away after the end leaves the message on screen; nobody closing it: the window closes after the consent timeout and the queue moves on', async () => {
    const { windows, removed, answers, request, send, settle } = setup({ consentTimeoutMs: 60 });
    const first = request();
    await settle();
    answers.push(new KysoError('PIN_EXPIRED'));
    await send(1, { kind: 'consent.approve', certificateId: certificate.id, pin: PIN });
    first.page.abort();
    const other = request('https://other.example.vn');
    await settle();
    expect(first.settled).toEqual({ code: 'PIN_EXPIRED', done: true });
    expect(removed).toEqual([]);
    expect((await send(1, { kind: 'consent.getState' })).outcome).toBe('ended');
    expect(windows).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 120));
    expect(removed).toContain(1);
    // The other site's window opened (its own 60 ms timeout may have ended it since).
    expect(windows.length).toBe(2);
    expect(new URL(windows[1]!.url).searchParams.get('session')).not.toBe(new URL(windows[0]!.url).searchParams.get('session'));
    other.page.abort();
  });
});
