/**
 * When the consent window preselects nothing: one holder's certificates for two bodies (the two-communes story).
 * The browser side of it is test/e2e/certificates-two-communes.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { needsDeliberateChoice } from '../../extension/ui/consent/lookalike-certificates.js';
import type { CertificateInfo } from '../../shared/protocol/common.js';

const cert = (id: string, subjectDn: string, issuerDn: string, identifiers: string[], commonName = 'Nguyễn Văn Bình'): CertificateInfo => ({
  id, der: 'AAAA', subject: { dn: subjectDn, commonName, identifiers: { all: identifiers } }, issuer: { dn: issuerDn },
  serialNumber: '01', notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z', keyType: 'RSA', keyBits: 2048,
  keyUsage: ['digitalSignature'], extendedKeyUsage: [], policies: [], fingerprintSha256: '0'.repeat(64), unusableReasons: [],
});

describe('needsDeliberateChoice', () => {
  it('two communes: same name and CCCD, another unit and issuer → the person must choose', () => {
    expect(needsDeliberateChoice([
      cert('a', 'CN=Nguyễn Văn Bình,OU=UBND Xã Hòa Xuân Tây', 'CN=VNPT-CA', ['CCCD:054080000123']),
      cert('b', 'CN=Nguyễn Văn Bình,OU=UBND Xã Hòa Tâm', 'CN=Viettel-CA', ['CCCD:054080000123']),
    ])).toBe(true);
  });

  it('same common name without identifiers, differing only in case or Unicode form → still the same holder', () => {
    expect(needsDeliberateChoice([
      cert('a', 'CN=NGUYỄN VĂN BÌNH,O=A', 'CN=CA', [], 'NGUYỄN VĂN BÌNH'),
      cert('b', 'CN=Nguyễn Văn Bình,O=B', 'CN=CA', [], 'Nguyễn Văn Bình'.normalize('NFD')),
    ])).toBe(true);
  });

  it('a renewal (same subject, same issuer) or different people → the first is preselected as before', () => {
    expect(needsDeliberateChoice([
      cert('new', 'CN=Nguyễn Văn Bình', 'CN=CA', ['CCCD:054080000123']),
      cert('old', 'CN=Nguyễn Văn Bình', 'CN=CA', ['CCCD:054080000123']),
    ])).toBe(false);
    expect(needsDeliberateChoice([
      cert('org', 'CN=Công ty A', 'CN=CA', ['MST:0101234567'], 'Công ty A'),
      cert('person', 'CN=Trần Thị B', 'CN=CA', ['CCCD:079199000001'], 'Trần Thị B'),
    ])).toBe(false);
    expect(needsDeliberateChoice([])).toBe(false);
  });
});
