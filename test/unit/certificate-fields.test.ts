/**
 * certificate-fields.ts (the DER reading behind describeCertificate) against an independent reader,
 * @peculiar/x509, over certificates made by openssl: RSA and EC keys, with and without key usage, EKU, policies,
 * AIA, dates on both sides of 2050 (UTCTime / GeneralizedTime), a root, an intermediate, and leading-zero serials.
 * And what must be refused: truncated DER, trailing bytes, a non-certificate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { TestPki } from '../helpers/test-pki.js';
import { caIssuersUrls, extendedKeyUsageOids, keyUsageBits, policyOids, readCertificateFields } from '../../shared/certificates/certificate-fields.js';
import { DerError } from '../../shared/certificates/der-reader.js';
import { describeCertificate } from '../../shared/certificates/describe-certificate.js';

let pki: TestPki;
const samples: { name: string; der: Uint8Array }[] = [];

beforeAll(async () => {
  pki = await TestPki.create({ label: 'Fields Test', caIssuersUrl: 'http://ca.example.vn/issuing.crt', ocspUrl: 'http://ocsp.example.vn' });
  samples.push({ name: 'root', der: pki.root.certDer }, { name: 'intermediate', der: pki.intermediate.certDer });
  const leaves: [string, Parameters<TestPki['issue']>[0]][] = [
    ['rsa, default usage', { subject: '/C=VN/CN=Nguyễn Văn Ánh/UID=CCCD:001099012345' }],
    ['ec, EKU and policies', { subject: '/C=VN/O=Công ty/CN=Công ty/UID=MST:0101234567', keyType: 'ec', extendedKeyUsage: 'clientAuth,emailProtection,1.3.6.1.4.1.311.10.3.12', certificatePolicies: '1.2.3.4.5,2.16.704.1.2.3' }],
    ['no key usage', { subject: '/C=VN/CN=Any Use', keyUsage: '' }],
    ['encipherment only', { subject: '/C=VN/CN=Encrypt', keyUsage: 'keyEncipherment,dataEncipherment,keyAgreement' }],
    ['after 2050 (GeneralizedTime)', { subject: '/C=VN/CN=Far Future', startDate: '20510101000000Z', endDate: '20601231235959Z' }],
    ['BMP/T61 names', { subject: '/C=VN/O=Société Générale Việt Nam/CN=Trần Thị Bình', stringMask: 'default' }],
  ];
  for (const [name, options] of leaves) samples.push({ name, der: (await pki.issue(options)).certDer });
}, 60_000);
afterAll(async () => { await pki?.dispose(); });

function peculiar(der: Uint8Array) {
  const cert = new x509.X509Certificate(der as Uint8Array<ArrayBuffer>);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const flags = [x509.KeyUsageFlags.digitalSignature, x509.KeyUsageFlags.nonRepudiation, x509.KeyUsageFlags.keyEncipherment, x509.KeyUsageFlags.dataEncipherment,
    x509.KeyUsageFlags.keyAgreement, x509.KeyUsageFlags.keyCertSign, x509.KeyUsageFlags.cRLSign, x509.KeyUsageFlags.encipherOnly, x509.KeyUsageFlags.decipherOnly];
  const alg = cert.publicKey.algorithm as { name: string; modulusLength?: number; namedCurve?: string };
  const aia = cert.getExtension(x509.AuthorityInfoAccessExtension);
  return {
    serial: cert.serialNumber.toLowerCase(),
    notBefore: cert.notBefore.getTime(),
    notAfter: cert.notAfter.getTime(),
    issuerDer: new Uint8Array(cert.issuerName.toArrayBuffer()),
    subjectDer: new Uint8Array(cert.subjectName.toArrayBuffer()),
    keyUsage: ku ? flags.flatMap((flag, bit) => ((ku.usages & flag) !== 0 ? [bit] : [])) : undefined,
    eku: cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages.map(String),
    policies: cert.getExtension(x509.CertificatePolicyExtension)?.policies,
    keyBits: alg.modulusLength ?? (alg.namedCurve ? Number(alg.namedCurve.slice(2)) : undefined),
    namedCurve: alg.namedCurve,
    caIssuers: (aia?.caIssuers ?? []).filter((n) => n.type === 'url').map((n) => n.value),
  };
}

describe('readCertificateFields', () => {
  it('reads what @peculiar/x509 reads, for every sample', () => {
    expect(samples.length).toBeGreaterThanOrEqual(8);
    for (const { name, der } of samples) {
      const ours = readCertificateFields(der);
      const theirs = peculiar(der);
      const got = {
        serial: ours.serialNumberHex, notBefore: ours.notBefore.getTime(), notAfter: ours.notAfter.getTime(),
        issuerDer: new Uint8Array(ours.issuer.der), subjectDer: new Uint8Array(ours.subject.der),
        keyUsage: keyUsageBits(ours), eku: extendedKeyUsageOids(ours), policies: policyOids(ours),
        keyBits: ours.publicKey.keyBits, namedCurve: ours.publicKey.namedCurve, caIssuers: caIssuersUrls(ours),
      };
      expect({ name, ...got }).toEqual({ name, ...theirs });
    }
  });

  it('sees the extensions the samples were made with (the comparison above is not vacuous)', () => {
    const byName = new Map(samples.map((s) => [s.name, readCertificateFields(s.der)]));
    const ec = byName.get('ec, EKU and policies')!;
    expect(ec.publicKey).toMatchObject({ keyType: 'EC', keyBits: 256, namedCurve: 'P-256' });
    expect(extendedKeyUsageOids(ec)).toEqual(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4', '1.3.6.1.4.1.311.10.3.12']);
    expect(policyOids(ec)).toEqual(['1.2.3.4.5', '2.16.704.1.2.3']);
    expect(caIssuersUrls(ec)).toEqual(['http://ca.example.vn/issuing.crt']);
    expect(keyUsageBits(byName.get('no key usage')!)).toBeUndefined();
    expect(keyUsageBits(byName.get('encipherment only')!)).toEqual([2, 3, 4]);
    expect(byName.get('after 2050 (GeneralizedTime)')!.notAfter.toISOString()).toBe('2060-12-31T23:59:59.000Z');
    expect(byName.get('root')!.publicKey).toMatchObject({ keyType: 'RSA', keyBits: 2048 });
  });

  it('refuses what is not a certificate (truncated, another structure); ignores padding after one, as @peculiar/x509 did', async () => {
    const der = samples[2]!.der;
    expect(() => readCertificateFields(der.subarray(0, der.length - 1))).toThrow(DerError);
    const padded = Uint8Array.from([...der, 0, 0]);
    expect(readCertificateFields(padded).serialNumberHex).toBe(peculiar(padded).serial);
    expect(() => readCertificateFields(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01))).toThrow(DerError);
    await expect(describeCertificate(der.subarray(0, 100))).rejects.toMatchObject({ code: 'INVALID_DOCUMENT' });
  });
});
