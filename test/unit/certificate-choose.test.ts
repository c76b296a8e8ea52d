import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPki } from '../helpers/test-pki.js';
import { describeCertificate } from '../../shared/certificates/describe-certificate.js';
import { checkExpectedSigner, filterCertificates } from '../../shared/certificates/choose-certificates.js';
import type { CertificateInfo } from '../../shared/protocol/common.js';

let pki: TestPki;
let org: CertificateInfo;
let branch: CertificateInfo;
let person: CertificateInfo;
let expired: CertificateInfo;
let encryptOnly: CertificateInfo;
const AT = new Date();

beforeAll(async () => {
  pki = await TestPki.create({ label: 'VNPT-CA Test' });
  const describe = async (subject: string, extra: Parameters<TestPki['issue']>[0] = { subject }) =>
    describeCertificate((await pki.issue({ ...extra, subject })).certDer, { at: AT, hasPrivateKey: true });
  org = await describe('/C=VN/O=Công ty Cổ phần Ánh Dương/CN=Công ty Cổ phần Ánh Dương/UID=MST:0101234567');
  branch = await describe('/C=VN/CN=Chi nhánh Ánh Dương Đà Nẵng/UID=MST:0101234567-001');
  person = await describe('/C=VN/CN=Phạm Thị Hoa/UID=CCCD:001099012345');
  expired = await describe('/C=VN/CN=Phạm Thị Hoa/UID=CCCD:001099012345', { subject: '', startDate: '20200101000000Z', endDate: '20210101000000Z' });
  encryptOnly = await describe('/C=VN/CN=Phạm Thị Hoa/UID=CCCD:001099012345', { subject: '', keyUsage: 'keyEncipherment' });
}, 60_000);
afterAll(async () => { await pki?.dispose(); });

const reasonsOf = (choices: ReturnType<typeof filterCertificates>, cert: CertificateInfo) => choices.find((c) => c.certificate.id === cert.id)?.excludedBecause;

describe('filterCertificates', () => {
  it('returns every certificate, usable first, each excluded one with its reasons', () => {
    const choices = filterCertificates([expired, org, encryptOnly, person], { subjectIdentifier: 'CCCD:001099012345' }, AT);
    expect(choices.map((c) => c.usable)).toEqual([true, false, false, false]);
    expect(choices[0]!.certificate.id).toBe(person.id);
    expect(reasonsOf(choices, expired)).toEqual(['expired']);
    expect(reasonsOf(choices, org)).toEqual(['identifierMismatch']);
    expect(reasonsOf(choices, encryptOnly)).toEqual(['noSigningKeyUsage']);
  });

  it('tells a tax code from its branch', () => {
    const choices = filterCertificates([org, branch], { subjectIdentifier: 'mst:0101234567' }, AT);
    expect(reasonsOf(choices, org)).toEqual([]);
    expect(reasonsOf(choices, branch)).toEqual(['identifierMismatch']);
  });

  it('filters by issuer text (diacritics and case folded) and by required key usage', () => {
    expect(reasonsOf(filterCertificates([org], { issuerContains: 'BAN CƠ YẾU' }, AT), org)).toEqual([]);
    expect(reasonsOf(filterCertificates([org], { issuerContains: 'Viettel' }, AT), org)).toEqual(['issuerMismatch']);
    expect(reasonsOf(filterCertificates([org], { keyUsage: ['keyAgreement'] }, AT), org)).toEqual(['missingKeyUsage']);
  });

  it('greys out certificates that are not the expected signer', () => {
    const choices = filterCertificates([org, person], { expectedSigner: { cccd: '001099012345' } }, AT);
    expect(reasonsOf(choices, org)).toEqual(['unexpectedSigner']);
    expect(reasonsOf(choices, person)).toEqual([]);
  });

  it('recomputes validity at the time asked for', () => {
    expect(reasonsOf(filterCertificates([expired], {}, new Date('2020-06-01T00:00:00Z')), expired)).toEqual([]);
  });
});

describe('checkExpectedSigner', () => {
  it('accepts the named signer', () => {
    expect(() => checkExpectedSigner(org, { mst: '0101234567', commonName: 'công ty cổ phần ánh dương' })).not.toThrow();
    expect(() => checkExpectedSigner(person, { identifier: 'CCCD:001099012345' })).not.toThrow();
  });

  it('refuses another signer with UNEXPECTED_SIGNER naming the field', () => {
    expect(() => checkExpectedSigner(branch, { mst: '0101234567' })).toThrowError(expect.objectContaining({
      code: 'UNEXPECTED_SIGNER', details: expect.objectContaining({ field: 'mst', expected: '0101234567', actual: '0101234567-001' }),
    }));
    expect(() => checkExpectedSigner(person, { commonName: 'Phạm Thị Hoà' })).toThrowError(expect.objectContaining({ code: 'UNEXPECTED_SIGNER' }));
  });
});
