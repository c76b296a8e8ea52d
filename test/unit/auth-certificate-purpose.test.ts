/**
 * Sign-in and document signing on different keys when the token has both (shared/certificates/certificate-purpose.ts,
 * extension/background/certificates/signing-candidates.ts `use`). Certificates are real (TestPki issues them with
 * the key usages under test; our describer reads them); the host is a stub answering the listings, as in
 * certificates-signing-candidates.test.ts. The real-token proof is test/security/signhash-auth-certificate.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPki } from '../helpers/test-pki.js';
import { describeCertificate } from '../../shared/certificates/describe-certificate.js';
import { certificatePurpose, purposeExclusions } from '../../shared/certificates/certificate-purpose.js';
import { EXCLUSION_TEXT } from '../../shared/certificates/choose-certificates.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { CertificateInfo, TokenInfo } from '../../shared/protocol/common.js';
import { checkChosenCertificate, loadSigningCandidates } from '../../extension/background/certificates/signing-candidates.js';

let pki: TestPki;
const made: Record<string, CertificateInfo> = {};
const SUBJECT = '/C=VN/CN=Nguyễn Văn Ánh/UID=CCCD:001099012345';
const KINDS = {
  signing: { keyUsage: 'critical,digitalSignature,nonRepudiation' },
  nonRepudiationOnly: { keyUsage: 'critical,nonRepudiation' },
  signingWithClientAuth: { keyUsage: 'critical,digitalSignature,nonRepudiation', extendedKeyUsage: 'clientAuth,emailProtection' },
  authDigitalSignature: { keyUsage: 'critical,digitalSignature' },
  authClientAuth: { keyUsage: 'critical,digitalSignature,keyEncipherment', extendedKeyUsage: 'clientAuth' },
  smime: { keyUsage: 'critical,digitalSignature', extendedKeyUsage: 'emailProtection,clientAuth' },
  noKeyUsage: { keyUsage: '' },
  expiredAuth: { keyUsage: 'critical,digitalSignature', extendedKeyUsage: 'clientAuth', startDate: '20200101000000Z', endDate: '20210101000000Z' },
} as const;

function tokenRef(id: string): NonNullable<CertificateInfo['token']> {
  return { id, label: id, serialNumber: id, manufacturer: 'SoftHSM', model: 'SoftHSM v2' };
}
const onToken = (certificate: CertificateInfo, id = 'token-0000000001'): CertificateInfo => ({ ...certificate, token: tokenRef(id) });

beforeAll(async () => {
  pki = await TestPki.create({ label: 'Kyso Purpose Test' });
  for (const [name, extra] of Object.entries(KINDS)) {
    made[name] = await describeCertificate((await pki.issue({ subject: SUBJECT, ...extra }, name)).certDer, { at: new Date(), hasPrivateKey: true });
  }
}, 90_000);
afterAll(async () => { await pki?.dispose(); });

describe('certificatePurpose: what the certificate says it is for', () => {
  it.each([
    ['signing', 'signing'],
    ['nonRepudiationOnly', 'signing'],
    ['signingWithClientAuth', 'signing'],
    ['authDigitalSignature', 'authentication'],
    ['authClientAuth', 'authentication'],
    ['smime', 'signing'],
    ['noKeyUsage', 'general'],
  ] as const)('%s → %s', (name, purpose) => {
    expect(certificatePurpose(made[name]!)).toBe(purpose);
  });
});

describe('purposeExclusions: one token with an authentication and a signing certificate', () => {
  it('sign-in offers only the authentication certificate; documents only the signing one', () => {
    const token = [onToken(made.signing!), onToken(made.authClientAuth!)];
    expect(Object.fromEntries(purposeExclusions(token, 'signIn'))).toEqual({ [made.signing!.id]: 'notForSignIn' });
    expect(Object.fromEntries(purposeExclusions(token, 'documents'))).toEqual({ [made.authClientAuth!.id]: 'authenticationOnly' });
  });

  it('a token with one certificate uses it for both (documented fallback)', () => {
    for (const only of [made.signing!, made.authDigitalSignature!, made.noKeyUsage!]) {
      expect(purposeExclusions([onToken(only)], 'signIn').size).toBe(0);
      expect(purposeExclusions([onToken(only)], 'documents').size).toBe(0);
    }
  });

  it('decided per token: another token\'s authentication certificate does not take sign-in away from this one', () => {
    const certificates = [onToken(made.signing!, 'token-a'), onToken(made.authClientAuth!, 'token-b')];
    expect(purposeExclusions(certificates, 'signIn').size).toBe(0);
    expect(purposeExclusions(certificates, 'documents').size).toBe(0);
  });

  it('an expired authentication certificate does not push sign-in off the signing one', () => {
    const token = [onToken(made.signing!), onToken(made.expiredAuth!)];
    expect(purposeExclusions(token, 'signIn').size).toBe(0);
  });

  it('a certificate without key usage counts as a signing one for documents (the authentication one is greyed out)', () => {
    const token = [onToken(made.noKeyUsage!), onToken(made.authDigitalSignature!)];
    expect(Object.fromEntries(purposeExclusions(token, 'documents'))).toEqual({ [made.authDigitalSignature!.id]: 'authenticationOnly' });
    expect(Object.fromEntries(purposeExclusions(token, 'signIn'))).toEqual({ [made.noKeyUsage!.id]: 'notForSignIn' });
  });

  it('each reason has a Vietnamese and an English text for the picker', () => {
    for (const reason of ['authenticationOnly', 'notForSignIn'] as const) {
      expect(EXCLUSION_TEXT[reason].vi).toMatch(/đăng nhập/);
      expect(EXCLUSION_TEXT[reason].en).toMatch(/sign/);
    }
  });
});

describe('signing-candidates applies the purpose rule and the approve guard enforces it', () => {
  const TOKEN: TokenInfo = {
    id: 'token-0000000001', label: 'Kyso Hai Chứng Thư', serialNumber: '2', manufacturer: 'SoftHSM', model: 'SoftHSM v2', slotDescription: '',
    flags: { loginRequired: true, protectedAuthenticationPath: false, userPinInitialized: true, userPinCountLow: false, userPinFinalTry: false, userPinLocked: false, userPinToBeChanged: false },
  };
  const host = (certificates: CertificateInfo[]) => ({
    request: async (type: string) => {
      if (type === 'host.listTokens') return { tokens: [TOKEN] };
      if (type === 'host.listCertificates') return { certificates };
      throw new Error(`unexpected ${type}`);
    },
  }) as unknown as Parameters<typeof loadSigningCandidates>[0];
  const signal = new AbortController().signal;
  const both = () => [onToken(made.signing!), onToken(made.authClientAuth!)];

  it('sign-in: the signing certificate is greyed out (notForSignIn) and refused at approve; the authentication one passes', async () => {
    const candidates = await loadSigningCandidates(host(both()), { use: 'signIn', signal });
    expect(candidates.exclusions).toEqual({ [made.signing!.id]: ['notForSignIn'] });
    expect(() => checkChosenCertificate(candidates, made.signing!.id, undefined)).toThrow(KysoError);
    expect(checkChosenCertificate(candidates, made.authClientAuth!.id, undefined).id).toBe(made.authClientAuth!.id);
  });

  it('documents (signHash, PDF, XML, CMS — the default use): the authentication certificate is greyed out and refused', async () => {
    const candidates = await loadSigningCandidates(host(both()), { signal });
    expect(candidates.exclusions).toEqual({ [made.authClientAuth!.id]: ['authenticationOnly'] });
    let code = '';
    try { checkChosenCertificate(candidates, made.authClientAuth!.id, undefined); } catch (error) { code = (error as KysoError).code; }
    expect(code).toBe('CERTIFICATE_NOT_USABLE');
    expect(checkChosenCertificate(candidates, made.signing!.id, undefined).id).toBe(made.signing!.id);
  });

  it('a portal naming the signing certificate for a sign-in still cannot use it while the token has an authentication one', async () => {
    const candidates = await loadSigningCandidates(host(both()), { use: 'signIn', certificateId: made.signing!.id, signal });
    expect(candidates.exclusions[made.signing!.id]).toContain('notForSignIn');
  });
});
