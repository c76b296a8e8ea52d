/**
 * The direct DER encoder of detached SignedData (detached-signed-data.ts) writes exactly the bytes pkijs writes for
 * the same parts, for every key type, hash, scheme and content type a signature can have; and a signature made by
 * buildCmsSignature on the direct path still verifies with openssl (cms-build-signature.test.ts covers the rest).
 * The pieces written by hand without pkijs (signed attributes, algorithm identifiers) are compared here with what
 * pkijs builds for them, so pkijs stays the independent reference.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { detachedSignedDataDer } from '../../native-host/formats/cms/detached-signed-data.js';
import { CMS_OID, signedAttributesDer } from '../../native-host/formats/cms/build-cms-signature.js';
import { signedDataWithPkijs } from '../../native-host/formats/cms/signed-data-pkijs.js';
import { hashBytes, ID_AA_SIGNING_CERTIFICATE_V2 } from '../../native-host/formats/cms/signing-certificate-v2.js';
import { digestAlgorithmDer, signatureAlgorithmDer } from '../../native-host/formats/cms/algorithm-identifiers.js';
import { HASH_OID } from '../../shared/domain/algorithms.js';
import { compareDer, derTlv } from '../../native-host/formats/cms/der-encoding.js';
import { createSoftwarePki, type SoftwarePki } from '../helpers/software-signer.js';
import type { HashAlgorithm, SignatureScheme } from '../../shared/domain/algorithms.js';

let pki: SoftwarePki;
beforeAll(() => { pki = createSoftwarePki(); }, 60_000);

const hex = (bytes: Uint8Array | ArrayBuffer) => Buffer.from(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes).toString('hex');

/** signingCertificateV2 as pkijs builds it [RFC 5035 §3] (the builder Kyso used before writing DER directly). */
function pkijsSigningCertificateV2(certificateDer: Uint8Array, hash: HashAlgorithm): pkijs.Attribute {
  const certificate = pkijs.Certificate.fromBER(certificateDer.slice().buffer);
  const essCertId: asn1js.AsnType[] = [];
  if (hash !== 'SHA-256') essCertId.push(new pkijs.AlgorithmIdentifier({ algorithmId: HASH_OID[hash] }).toSchema());
  essCertId.push(new asn1js.OctetString({ valueHex: hashBytes(hash, certificateDer) }));
  essCertId.push(new asn1js.Sequence({ value: [
    new asn1js.Sequence({ value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [certificate.issuer.toSchema()] })] }),
    certificate.serialNumber,
  ] }));
  const value = new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: essCertId })] })] });
  return new pkijs.Attribute({ type: ID_AA_SIGNING_CERTIFICATE_V2, values: [value] });
}

function pkijsSignedAttributes(certificate: Uint8Array, hash: HashAlgorithm, contentType: string, time: Date | undefined): Uint8Array[] {
  return [
    new pkijs.Attribute({ type: CMS_OID.contentType, values: [new asn1js.ObjectIdentifier({ value: contentType })] }),
    new pkijs.Attribute({ type: CMS_OID.messageDigest, values: [new asn1js.OctetString({ valueHex: hashBytes(hash, new TextEncoder().encode('hoá đơn')) })] }),
    ...(time ? [new pkijs.Attribute({ type: CMS_OID.signingTime, values: [time.getUTCFullYear() < 2050 ? new asn1js.UTCTime({ valueDate: time }) : new asn1js.GeneralizedTime({ valueDate: time })] })] : []),
    pkijsSigningCertificateV2(certificate, hash),
  ].map((attribute) => new Uint8Array(attribute.toSchema().toBER(false))).sort(compareDer);
}

function signedAttributes(certificate: Uint8Array, hash: HashAlgorithm, contentType: string, withTime: boolean) {
  const attributes = signedAttributesDer({
    contentType, messageDigest: hashBytes(hash, new TextEncoder().encode('hoá đơn')), certificate, hashAlgorithm: hash,
    ...(withTime ? { signingTime: new Date('2026-12-02T10:00:00Z') } : {}),
  });
  return { attributes, signedAttrsDer: derTlv(0x31, attributes) };
}

describe('the pieces written without pkijs', () => {
  it.each([
    ['rsa', 'SHA-256', undefined],
    ['rsa', 'SHA-384', new Date('2026-12-02T10:00:00.123Z')],
    ['ec', 'SHA-512', new Date('2051-01-02T03:04:05.120Z')], // GeneralizedTime, milliseconds kept
    ['ec384', 'SHA-256', new Date('2060-06-30T23:59:59Z')],
  ] as const)('signed attributes (%s, %s, time %s): the bytes pkijs writes', (who, hash, time) => {
    const { signer } = pki[who];
    const ours = signedAttributesDer({ contentType: CMS_OID.data, messageDigest: hashBytes(hash, new TextEncoder().encode('hoá đơn')), certificate: signer.certificate, hashAlgorithm: hash, ...(time ? { signingTime: time } : {}) });
    expect(ours.map(hex)).toEqual(pkijsSignedAttributes(signer.certificate, hash, CMS_OID.data, time).map(hex));
  });

  it('algorithm identifiers: the bytes pkijs writes for every hash and scheme', () => {
    const rsaOid = { 'SHA-256': '1.2.840.113549.1.1.11', 'SHA-384': '1.2.840.113549.1.1.12', 'SHA-512': '1.2.840.113549.1.1.13' } as const;
    const ecOid = { 'SHA-256': '1.2.840.10045.4.3.2', 'SHA-384': '1.2.840.10045.4.3.3', 'SHA-512': '1.2.840.10045.4.3.4' } as const;
    const lengths = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 } as const;
    for (const hash of ['SHA-256', 'SHA-384', 'SHA-512'] as const) {
      const der = (a: pkijs.AlgorithmIdentifier) => hex(a.toSchema().toBER(false));
      expect(hex(digestAlgorithmDer(hash))).toBe(der(new pkijs.AlgorithmIdentifier({ algorithmId: HASH_OID[hash] })));
      expect(hex(signatureAlgorithmDer('RSASSA-PKCS1-v1_5', hash))).toBe(der(new pkijs.AlgorithmIdentifier({ algorithmId: rsaOid[hash], algorithmParams: new asn1js.Null() })));
      expect(hex(signatureAlgorithmDer('ECDSA', hash))).toBe(der(new pkijs.AlgorithmIdentifier({ algorithmId: ecOid[hash] })));
      const hashId = new pkijs.AlgorithmIdentifier({ algorithmId: HASH_OID[hash], algorithmParams: new asn1js.Null() });
      const params = new pkijs.RSASSAPSSParams({ hashAlgorithm: hashId, maskGenAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.113549.1.1.8', algorithmParams: hashId.toSchema() }), saltLength: lengths[hash] });
      expect(hex(signatureAlgorithmDer('RSA-PSS', hash))).toBe(der(new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.113549.1.1.10', algorithmParams: params.toSchema() })));
    }
  });
});

describe('detachedSignedDataDer', () => {
  it.each([
    ['rsa', 'SHA-256', 'RSASSA-PKCS1-v1_5', CMS_OID.data, false],
    ['rsa', 'SHA-512', 'RSA-PSS', CMS_OID.data, true],
    ['ec', 'SHA-256', 'ECDSA', CMS_OID.data, true],
    ['ec384', 'SHA-384', 'ECDSA', '1.2.840.113549.1.9.16.1.4', false], // another eContentType: SignedData version 3
  ] as const)('%s %s %s %s: the same bytes as pkijs', async (who, hash, scheme, contentType, withTime) => {
    const { signer } = pki[who];
    const { attributes, signedAttrsDer } = signedAttributes(signer.certificate, hash, contentType, withTime);
    const signatureValue = await signer.signDigest(hashBytes(hash, signedAttrsDer), hash, scheme as SignatureScheme);
    const parts = { certificate: signer.certificate, chain: signer.chain, hashAlgorithm: hash, scheme: scheme as SignatureScheme, contentType, signedAttrsDer, signatureValue };
    const direct = detachedSignedDataDer(parts);
    expect(Buffer.from(direct).toString('hex')).toBe(Buffer.from(signedDataWithPkijs({ ...parts, attributes })).toString('hex'));
    // The chain is there: the leaf and at least its issuer.
    expect(signer.chain.length).toBeGreaterThan(0);
  }, 30_000);
});
