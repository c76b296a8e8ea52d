/**
 * extension/background/certificates/signing-candidates.ts: what the consent window offers for a signing
 * request, and the background's own expected-signer guard. Certificates are real (TestPki, described by our
 * describer); the native host is a stub that answers listTokens/listCertificates from a list the test controls
 * and records calls (no token needed for this logic; the real host path is in the e2e/integration tests).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPki } from '../helpers/test-pki.js';
import { describeCertificate } from '../../shared/certificates/describe-certificate.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { CertificateInfo, TokenInfo } from '../../shared/protocol/common.js';
import { loadSigningCandidates, prepareSigningCertificates } from '../../extension/background/certificates/signing-candidates.js';

let pki: TestPki;
let communeA: CertificateInfo;
let communeB: CertificateInfo;
let expired: CertificateInfo;
const TOKEN: TokenInfo = {
  id: 'token-0000000001', label: 'Kyso Demo', serialNumber: '1', manufacturer: 'SoftHSM', model: 'SoftHSM v2', slotDescription: '',
  flags: { loginRequired: true, protectedAuthenticationPath: false, userPinInitialized: true, userPinCountLow: false, userPinFinalTry: false, userPinLocked: false, userPinToBeChanged: false },
};

beforeAll(async () => {
  pki = await TestPki.create({ label: 'Kyso Candidates Test' });
  const make = async (subject: string, extra: Partial<Parameters<TestPki['issue']>[0]> = {}) =>
    describeCertificate((await pki.issue({ subject, ...extra })).certDer, { at: new Date(), hasPrivateKey: true });
  communeA = await make('/C=VN/O=UBND xã An Phú/CN=UBND xã An Phú/UID=MST:0101234567');
  communeB = await make('/C=VN/O=UBND xã An Phước/CN=Trần Thị Bình/UID=CCCD:079199000001');
  expired = await make('/C=VN/CN=Lê Văn Cũ/UID=MST:0101234567', { startDate: '20200101000000Z', endDate: '20210101000000Z' });
}, 60_000);
afterAll(async () => { await pki?.dispose(); });

/** Stub of the NativeHostClient port: answers from mutable lists, records what was asked. */
function stubHost(state: { tokens: TokenInfo[]; certificates: CertificateInfo[]; fail?: boolean }) {
  const calls: Array<{ type: string; payload: unknown }> = [];
  const host = {
    calls,
    request: async (type: string, payload: unknown) => {
      calls.push({ type, payload });
      if (state.fail) throw new KysoError('HOST_DISCONNECTED');
      if (type === 'host.listTokens') return { tokens: state.tokens };
      if (type === 'host.listCertificates') return { certificates: state.certificates };
      throw new Error(`unexpected ${type}`);
    },
  };
  return host as typeof host & Parameters<typeof loadSigningCandidates>[0];
}
const signal = new AbortController().signal;
const codeOf = async (promise: Promise<unknown> | (() => unknown)) => {
  try { await (typeof promise === 'function' ? promise() : promise); return 'resolved'; } catch (error) { return (error as KysoError).code; }
};

describe('loadSigningCandidates', () => {
  it('lists every certificate (the filter is not sent to the host) and greys out the unexpected signer', async () => {
    const host = stubHost({ tokens: [TOKEN], certificates: [communeB, communeA] });
    const candidates = await loadSigningCandidates(host, { filter: { expectedSigner: { mst: '0101234567' } }, signal });
    expect(host.calls.find((c) => c.type === 'host.listCertificates')?.payload).toEqual({});
    expect(candidates.certificates.map((c) => c.id)).toEqual([communeA.id, communeB.id]); // usable first
    expect(candidates.exclusions).toEqual({ [communeB.id]: ['unexpectedSigner'] });
  });

  it('a named certificate that is not the expected signer is UNEXPECTED_SIGNER, before any window', async () => {
    const host = stubHost({ tokens: [TOKEN], certificates: [communeA, communeB] });
    const error = await loadSigningCandidates(host, { filter: { expectedSigner: { mst: '0101234567' } }, certificateId: communeB.id, signal }).catch((e: KysoError) => e);
    expect(error).toBeInstanceOf(KysoError);
    expect((error as KysoError).code).toBe('UNEXPECTED_SIGNER');
    expect((error as KysoError).details).toMatchObject({ field: 'mst', expected: '0101234567', actual: '' });
  });

  it('no token → TOKEN_NOT_PRESENT; nothing fits the filter → CERTIFICATE_NOT_FOUND; validNow rules out the expired one', async () => {
    expect(await codeOf(loadSigningCandidates(stubHost({ tokens: [], certificates: [] }), { signal }))).toBe('TOKEN_NOT_PRESENT');
    expect(await codeOf(loadSigningCandidates(stubHost({ tokens: [TOKEN], certificates: [communeB] }), { filter: { subjectIdentifier: 'MST:0101234567' }, signal }))).toBe('CERTIFICATE_NOT_FOUND');
    const onlyExpired = stubHost({ tokens: [TOKEN], certificates: [expired] });
    expect(await codeOf(loadSigningCandidates(onlyExpired, { filter: { validNow: true }, signal }))).toBe('CERTIFICATE_NOT_FOUND');
    // Without validNow an expired certificate is still shown (greyed out by its own unusableReasons).
    expect((await loadSigningCandidates(onlyExpired, { signal })).certificates.map((c) => c.id)).toEqual([expired.id]);
  });
});

describe('the two host listings are asked at once', () => {
  /** A host that answers nothing until released: what was asked before any answer is what went out at once. */
  function heldHost(answer: (type: string) => unknown) {
    const asked: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    const host = {
      request: async (type: string) => {
        asked.push(type);
        await held;
        const result = answer(type);
        if (result instanceof Error) throw result;
        return result;
      },
    };
    return { asked, release, host: host as typeof host & Parameters<typeof loadSigningCandidates>[0] };
  }

  it('both requests are sent before either answers (one round trip before the window, not two)', async () => {
    const { asked, release, host } = heldHost((type) => (type === 'host.listTokens' ? { tokens: [TOKEN] } : { certificates: [communeA] }));
    const loading = loadSigningCandidates(host, { signal });
    await new Promise((r) => setTimeout(r, 5));
    expect(asked).toEqual(['host.listTokens', 'host.listCertificates']);
    release();
    expect((await loading).certificates.map((c) => c.id)).toEqual([communeA.id]);
  });

  it('no token: TOKEN_NOT_PRESENT, even when the certificate listing failed (its answer is not used)', async () => {
    const { release, host } = heldHost((type) => (type === 'host.listTokens' ? { tokens: [] } : new KysoError('HOST_DISCONNECTED')));
    const loading = codeOf(loadSigningCandidates(host, { signal }));
    release();
    expect(await loading).toBe('TOKEN_NOT_PRESENT');
  });

  it('a token, and the certificate listing failed: that error, as when they were asked one after the other', async () => {
    const { release, host } = heldHost((type) => (type === 'host.listTokens' ? { tokens: [TOKEN] } : new KysoError('TIMEOUT')));
    const loading = codeOf(loadSigningCandidates(host, { signal }));
    release();
    expect(await loading).toBe('TIMEOUT');
  });
});

describe('prepareSigningCertificates: refresh (hot-plug) and the approve guard', () => {
  it('guardApprove passes the expected signer to the host call and refuses the others without calling it', async () => {
    const host = stubHost({ tokens: [TOKEN], certificates: [communeA, communeB] });
    const prepared = await prepareSigningCertificates(host, { filter: { expectedSigner: { mst: '0101234567' } }, signal });
    const signed: string[] = [];
    const approve = prepared.guardApprove(async (id) => { signed.push(id); return 'signature'; });
    expect(await approve(communeA.id, '123456')).toBe('signature');
    expect(await codeOf(() => approve(communeB.id, '123456'))).toBe('UNEXPECTED_SIGNER');
    expect(await codeOf(() => approve('not-offered-0000000', '123456'))).toBe('CERTIFICATE_NOT_FOUND');
    expect(signed).toEqual([communeA.id]);
  });

  it('refresh follows tokens pulled out and plugged in; a host hiccup keeps the last lists', async () => {
    const state: { tokens: TokenInfo[]; certificates: CertificateInfo[]; fail?: boolean } = { tokens: [TOKEN], certificates: [communeA] };
    const host = stubHost(state);
    const prepared = await prepareSigningCertificates(host, { signal });
    const approve = prepared.guardApprove(async () => 'ok');
    state.tokens = [];
    state.certificates = [];
    expect((await prepared.refreshCertificates()).certificates).toEqual([]); // pulled out: no throw, an empty picker
    expect(await codeOf(() => approve(communeA.id, '123456'))).toBe('CERTIFICATE_NOT_FOUND');
    state.tokens = [TOKEN];
    state.certificates = [communeA, communeB];
    expect((await prepared.refreshCertificates()).certificates.map((c) => c.id)).toEqual([communeA.id, communeB.id]);
    state.fail = true;
    expect((await prepared.refreshCertificates()).certificates.map((c) => c.id)).toEqual([communeA.id, communeB.id]);
    expect(await approve(communeB.id, '123456')).toBe('ok');
  });
});
