/**
 * The popup's health handler answers only the popup page (a web page's message, relayed or not, carries the
 * page's URL as sender) and never carries certificate bytes or a PIN. Host answers here are plain data objects
 * shaped like the host's replies (the real host is covered by test/e2e/popup-health.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { createPopupHealthHandler } from '../../extension/background/health/popup-health.js';
import { NO_POLICY } from '../../extension/background/access/managed-policy.js';
import type { CertificateInfo } from '../../shared/protocol/common.js';

const BASE = 'chrome-extension://abddkodjbciaefbbillgfgplhpgfcokp/';
const NOW = new Date('2026-12-02T04:00:00Z');
const cert = {
  id: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', der: 'MIIBsecretbytes', serialNumber: '01', keyType: 'RSA', keyBits: 2048, keyUsage: [], extendedKeyUsage: [], policies: [],
  fingerprintSha256: '0'.repeat(64), unusableReasons: [],
  subject: { dn: 'CN=Nguyễn Văn An,L=Hà Nội', commonName: 'Nguyễn Văn An', identifiers: { all: ['CCCD:001099012345'] } },
  issuer: { dn: 'CN=CA' }, notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2026-12-20T00:00:00.000Z',
} as unknown as CertificateInfo;

const handler = createPopupHealthHandler({
  getURL: (path) => `${BASE}${path}`,
  extensionVersion: '0.1.0',
  hello: async () => ({ hostVersion: '0.1.0', modules: [{ path: '/usr/lib/softhsm/libsofthsm2.so', loaded: true }] }),
  listTokens: async () => [],
  listCertificates: async () => [cert],
  readManagedPolicy: async () => NO_POLICY,
  now: () => NOW,
});

describe('popup.health', () => {
  it('answers nothing to a web page or another extension page', () => {
    expect(handler({ kind: 'popup.health' }, 'https://evil.example/')).toBeUndefined();
    expect(handler({ kind: 'popup.health' }, undefined)).toBeUndefined();
    expect(handler({ kind: 'popup.health' }, `${BASE}ui/consent/consent.html`)).toBeUndefined();
    expect(handler({ kind: 'popup.health', extra: 1 }, `${BASE}ui/popup/popup.html`)).toBeUndefined();
  });

  it('the popup gets holder, identifiers, expiry state; no DER, no address', async () => {
    const reply = await handler({ kind: 'popup.health' }, `${BASE}ui/popup/popup.html?lang=vi`)!;
    expect(reply.host).toEqual({ found: true, version: '0.1.0' });
    expect(reply.certificates).toEqual([{ holder: 'Nguyễn Văn An', identifiers: ['CCCD:001099012345'], notBefore: cert.notBefore, notAfter: cert.notAfter, state: 'expiringSoon', daysLeft: 17 }]);
    expect(JSON.stringify(reply)).not.toContain('MIIB');
    expect(JSON.stringify(reply)).not.toContain('Hà Nội');
  });
});
