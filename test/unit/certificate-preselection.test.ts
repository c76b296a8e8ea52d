/** extension/ui/consent/certificate-preselection.ts: a deliberate choice when several certificates fit and no signer was named. */
import { describe, expect, it } from 'vitest';
import { preselectedCertificate } from '../../extension/ui/consent/certificate-preselection.js';
import type { CertificateInfo } from '../../shared/protocol/common.js';

const certificate = (id: string, unusable: CertificateInfo['unusableReasons'] = []): CertificateInfo => ({
  id, der: 'AAAA', subject: { dn: `CN=${id}`, commonName: id, identifiers: { all: [] } }, issuer: { dn: 'CN=CA' },
  serialNumber: '01', notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z', keyType: 'RSA', keyBits: 2048,
  keyUsage: ['digitalSignature'], extendedKeyUsage: [], policies: [], fingerprintSha256: '0'.repeat(64), unusableReasons: unusable,
});
const A = certificate('cert-a-0000000001');
const B = certificate('cert-b-0000000001');
const EXPIRED = certificate('cert-x-0000000001', ['expired']);

describe('which certificate the consent window selects before the person does', () => {
  it('two or more usable and no expected signer: none (Approve waits for the person\'s choice)', () => {
    expect(preselectedCertificate([A, B], {})).toBeNull();
    expect(preselectedCertificate([A, EXPIRED, B], undefined)).toBeNull();
    // Greyed out by another filter field (issuer…): still no signer named, still a choice.
    expect(preselectedCertificate([A, B, certificate('cert-c-0000000001')], { 'cert-c-0000000001': ['issuerMismatch'] })).toBeNull();
  });
  it('exactly one usable: that one', () => {
    expect(preselectedCertificate([EXPIRED, B], {})).toBe(B.id);
    expect(preselectedCertificate([A, B], { [A.id]: ['unexpectedSigner'] })).toBe(B.id);
  });
  it('the portal named the expected signer (others greyed out as unexpectedSigner): the first fitting one, as before', () => {
    const C = certificate('cert-c-0000000001');
    expect(preselectedCertificate([C, A, B], { [C.id]: ['unexpectedSigner'] })).toBe(A.id);
  });
  it('nothing usable: none', () => {
    expect(preselectedCertificate([EXPIRED], {})).toBeNull();
    expect(preselectedCertificate([], {})).toBeNull();
  });
});
