/**
 * The background's `kyso.authenticate` handler (extension/background/auth/authenticate.ts) through the real
 * router and consent broker, with the host simulated by a software key (openssl pkeyutl) standing in for the
 * token: the token binds the origin the BROWSER reported (RequestContext), and verifies with verifyAuthToken.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRouter, type RequestContext } from '../../extension/background/router.js';
import { ConsentBroker, CONSENT_PAGE_PATH } from '../../extension/background/consent/consent-broker.js';
import { verifyAuthToken } from '../../sdk/server/index.js';
import { authDigestToSign, type AuthToken } from '../../shared/protocol/auth-token.js';
import { describeCertificate } from '../../shared/certificates/describe-certificate.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { ConsentReply } from '../../extension/messaging/internal-messages.js';
import type { CertificateInfo, TokenInfo } from '../../shared/protocol/common.js';
import type { HashAlgorithm } from '../../shared/domain/algorithms.js';
import { createSoftwarePki, type SoftwareIdentity } from '../helpers/software-signer.js';

const EXT = 'chrome-extension://abddkodjbciaefbbillgfgplhpgfcokp/';
const pki = createSoftwarePki();
const token: TokenInfo = {
  id: 'token-0001', label: 'Kyso Demo', serialNumber: '1', manufacturer: 'SoftHSM', model: 'SoftHSM v2', slotDescription: 's',
  flags: { loginRequired: true, protectedAuthenticationPath: false, userPinInitialized: true, userPinCountLow: false, userPinFinalTry: false, userPinLocked: false, userPinToBeChanged: false },
};

async function setup(identity: SoftwareIdentity) {
  const info: CertificateInfo = { ...await describeCertificate(identity.signer.certificate, { hasPrivateKey: true }), token: { id: token.id, label: token.label, serialNumber: '1', manufacturer: 'SoftHSM', model: 'SoftHSM v2' } };
  const digests: Array<{ digest: string; hashAlgorithm: string }> = [];
  const windows: string[] = [];
  const consent = new ConsentBroker({
    createWindow: async (url) => { windows.push(url); return { id: windows.length }; },
    removeWindow: async () => undefined,
    getURL: (path) => `${EXT}${path}`,
    rememberUserChoice: async () => undefined,
  });
  const host = {
    hello: async () => ({ hostVersion: '0.1.0', protocolVersion: 1, modules: [] }),
    request: async (type: string, payload: Record<string, unknown>) => {
      if (type === 'host.listTokens') return { tokens: [token] };
      if (type === 'host.listCertificates') return { certificates: [info] };
      if (type === 'host.signDigest') {
        if (payload['pin'] !== '123456') throw new KysoError('PIN_INCORRECT');
        digests.push({ digest: payload['digest'] as string, hashAlgorithm: payload['hashAlgorithm'] as string });
        const hashAlgorithm = payload['hashAlgorithm'] as HashAlgorithm;
        const signature = await identity.signer.signDigest(Buffer.from(payload['digest'] as string, 'base64'), hashAlgorithm);
        return {
          signature: Buffer.from(signature).toString('base64'), signatureAlgorithm: info.keyType === 'EC' ? 'ECDSA' : 'RSASSA-PKCS1-v1_5', hashAlgorithm,
          certificate: info.der, chain: identity.signer.chain.map((c) => Buffer.from(c).toString('base64')),
        };
      }
      throw new Error(type);
    },
  };
  const route = createRouter({ host: host as never, consent, decideAccess: async () => ({ kind: 'allow' }), extensionVersion: '0.1.0' });
  const send = async (message: Record<string, unknown>) => {
    for (let i = 0; i < 100 && windows.length === 0; i++) await new Promise((r) => setTimeout(r, 2));
    const session = new URL(windows.at(-1)!).searchParams.get('session')!;
    return consent.handleMessage({ ...message, sessionId: session }, `${EXT}${CONSENT_PAGE_PATH}`) as Promise<ConsentReply>;
  };
  return { route, send, info, digests };
}

const context = (frameOrigin: string): RequestContext => ({ frameOrigin, topOrigin: frameOrigin, signal: new AbortController().signal });
const request = (challenge: string) => ({ v: 1, id: 'auth-0001', type: 'kyso.authenticate', payload: { challenge } }) as const;

describe('kyso.authenticate in the background (simulated host, software key)', () => {
  for (const name of ['rsa', 'ec', 'ec384'] as const) {
    it(`${name}: the token names the browser's origin, the host signed H(H(origin)‖H(challenge)), and it verifies`, async () => {
      const { route, send, info, digests } = await setup(pki[name]);
      const origin = 'https://thuedientu.kyso-test.gov.vn';
      const challenge = randomBytes(48).toString('base64');
      const pending = route(request(challenge) as never, context(origin)) as Promise<AuthToken>;
      const state = await send({ kind: 'consent.getState' });
      expect(state.outcome === 'state' && state.state.operation).toBe('kyso.authenticate');
      await send({ kind: 'consent.approve', certificateId: info.id, pin: '123456' });
      const authToken = await pending;
      expect(authToken.origin).toBe(origin);
      expect(authToken.hashAlgorithm).toBe(name === 'ec384' ? 'SHA-384' : 'SHA-256');
      expect(digests[0]!.digest).toBe(Buffer.from(await authDigestToSign(origin, challenge, authToken.hashAlgorithm)).toString('base64'));
      const verified = await verifyAuthToken(authToken, { expectedOrigin: origin, expectedChallenge: challenge, trustedRoots: [pki.rootPem].map((pem) => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'))) });
      expect(verified.certificate.id).toBe(info.id);
    });
  }

  it('an opaque or non-web origin cannot sign in (nothing to bind the token to), before any window', async () => {
    const { route } = await setup(pki.rsa);
    for (const origin of ['null', 'chrome-extension://abc', 'file://']) {
      await expect(route(request(randomBytes(32).toString('base64')) as never, context(origin))).rejects.toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });
    }
  });

  it('a wrong PIN keeps the window (retry) and signs nothing; the right PIN then signs', async () => {
    const { route, send, info, digests } = await setup(pki.ec);
    const challenge = randomBytes(32).toString('base64');
    const pending = route(request(challenge) as never, context('https://a.kyso-test.gov.vn'));
    await send({ kind: 'consent.getState' });
    const retry = await send({ kind: 'consent.approve', certificateId: info.id, pin: '000000' });
    expect(retry.outcome).toBe('retry');
    expect(digests).toHaveLength(0);
    await send({ kind: 'consent.approve', certificateId: info.id, pin: '123456' });
    await expect(pending).resolves.toMatchObject({ origin: 'https://a.kyso-test.gov.vn', challenge });
  });
});
