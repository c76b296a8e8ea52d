/**
 * describeCertificate over certificates made by openssl (not by our code), with the subject variants
 * Vietnamese CAs issue: UTF8String names with diacritics, BMPString and T61String (older CAs), identifiers
 * in UID (multi-valued RDN), serialNumber, OU and CN.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { TestPki } from '../helpers/test-pki.js';
import { describeCertificate } from '../../shared/certificates/describe-certificate.js';
import { CertificateInfoSchema } from '../../shared/protocol/common.js';

let pki: TestPki;
beforeAll(async () => { pki = await TestPki.create({ label: 'VGCA Test' }); }, 30_000);
afterAll(async () => { await pki?.dispose(); });

describe('describeCertificate', () => {
  it('keeps Vietnamese diacritics (UTF8String) and types the identifiers from UID', async () => {
    const cert = await pki.issue({ subject: '/C=VN/ST=Hà Nội/L=Quận Ba Đình/O=Công ty TNHH Phần mềm Việt/OU=Phòng Kế toán/CN=Nguyễn Văn Ánh/UID=MST:0101234567-001+UID=CCCD:001099012345' });
    const info = await describeCertificate(cert.certDer, { hasPrivateKey: true });
    expect(v.is(CertificateInfoSchema, info)).toBe(true);
    expect(info.subject.commonName).toBe('Nguyễn Văn Ánh');
    expect(info.subject.organization).toBe('Công ty TNHH Phần mềm Việt');
    expect(info.subject.organizationalUnit).toBe('Phòng Kế toán');
    expect(info.subject.province).toBe('Hà Nội');
    expect(info.subject.locality).toBe('Quận Ba Đình');
    expect(info.subject.identifiers.mst).toBe('0101234567-001');
    expect(info.subject.identifiers.cccd).toBe('001099012345');
    expect(info.issuer.ca).toBe('VGCA');
    expect(info.unusableReasons).toEqual([]);
    expect(info.keyType).toBe('RSA');
    expect(info.keyBits).toBe(2048);
  });

  it('decodes BMPString and T61String (Latin-1) names sensibly', async () => {
    const cert = await pki.issue({ subject: '/C=VN/O=Société Générale Việt Nam/OU=Agence Hà Nội/CN=Trần Thị Bình/serialNumber=CMND:123456789', stringMask: 'default' });
    const info = await describeCertificate(cert.certDer);
    expect(info.subject.commonName).toBe('Trần Thị Bình');
    expect(info.subject.organization).toBe('Société Générale Việt Nam');
    expect(info.subject.identifiers.cmnd).toBe('123456789');
  });

  it('decodes a pure Latin-1 T61String', async () => {
    const cert = await pki.issue({ subject: '/C=VN/O=Société Générale/CN=José Müller', stringMask: 'default' });
    const info = await describeCertificate(cert.certDer);
    expect(info.subject.organization).toBe('Société Générale');
    expect(info.subject.commonName).toBe('José Müller');
  });

  it('reads UTF-8 bytes that older CA software put in a T61String as UTF-8, not mojibake', async () => {
    const cert = await pki.issue({ subject: '/C=VN/O=Tổng cục Thuế/CN=Nguyễn Văn Tám/UID=MST:0312345678' });
    // Re-tag the CN's and O's UTF8String (0x0C) as T61String (0x14) — what such certificates contain on the wire.
    const der = cert.certDer.slice();
    for (const text of ['Nguyễn Văn Tám', 'Tổng cục Thuế']) {
      const at = Buffer.from(der).indexOf(Buffer.from(text, 'utf8'));
      expect(der[at - 2]).toBe(0x0c);
      der[at - 2] = 0x14;
    }
    const info = await describeCertificate(der);
    expect(info.subject.commonName).toBe('Nguyễn Văn Tám');
    expect(info.subject.organization).toBe('Tổng cục Thuế');
    expect(info.subject.dn).toBe('C=VN, O=Tổng cục Thuế, CN=Nguyễn Văn Tám, UID=MST:0312345678');
    expect(info.subject.identifiers.mst).toBe('0312345678');
  });

  it('finds identifiers in OU and CN, and an EC key', async () => {
    const cert = await pki.issue({ subject: '/C=VN/OU=MNS:1034567/CN=Lê Văn C - HC:B1234567', keyType: 'ec' });
    const info = await describeCertificate(cert.certDer);
    expect(info.subject.identifiers.mns).toBe('1034567');
    expect(info.subject.identifiers.passport).toBe('B1234567');
    expect(info.keyType).toBe('EC');
    expect(info.namedCurve).toBe('P-256');
  });

  it('reports key usage, EKU, policies and validity problems', async () => {
    const cert = await pki.issue({
      subject: '/C=VN/CN=Khoá mã hoá', keyUsage: 'critical,keyEncipherment', extendedKeyUsage: 'emailProtection,1.3.6.1.4.1.311.10.3.12',
      certificatePolicies: '1.3.6.1.4.1.99999.1.2', startDate: '20200101000000Z', endDate: '20210101000000Z',
    });
    const info = await describeCertificate(cert.certDer, { at: new Date('2026-01-01T00:00:00Z'), hasPrivateKey: false });
    expect(info.keyUsage).toEqual(['keyEncipherment']);
    expect(info.extendedKeyUsage).toEqual(['emailProtection', 'documentSigning']);
    expect(info.policies).toEqual(['1.3.6.1.4.1.99999.1.2']);
    expect(info.notBefore).toBe('2020-01-01T00:00:00.000Z');
    expect(info.unusableReasons).toEqual(['expired', 'noSigningKeyUsage', 'noPrivateKey']);
    const early = await describeCertificate(cert.certDer, { at: new Date('2019-06-01T00:00:00Z') });
    expect(early.unusableReasons).toContain('notYetValid');
  });

  it('refuses bytes that are not a certificate with a typed error, not a crash', async () => {
    await expect(describeCertificate(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]))).rejects.toMatchObject({ name: 'KysoError', code: 'INVALID_DOCUMENT' });
  });
});
