/**
 * The direct DER encoder of detached SignedData (detached-signed-data.ts) writes exactly the bytes pkijs writes for
 * the same parts, for every key type, hash, scheme and content type a signature can have; and a signature made by
 * buildCmsSignature on the direct path still verifies with openssl (cms-build-signature.test.ts covers the rest).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { detachedSignedDataDer } from '../../native-host/formats/cms/detached-signed-data.js';
import { signedDataWithPkijs, CMS_OID } from '../../native-host/formats/cms/build-cms-signature.js';
import { hashBytes, signingCertificateV2Attribute } from '../../native-host/formats/cms/signing-certificate-v2.js';
import { compareDer, derTlv } from '../../native-host/formats/cms/der-encoding.js';
import { createSoftwarePki, type SoftwarePki } from '../helpers/software-signer.js';
import type { HashAlgorithm, SignatureScheme } from '../../shared/domain/algorithms.js';

let pki: SoftwarePki;
beforeAll(() => { pki = createSoftwarePki(); }, 60_000);

function signedAttributes(certificate: Uint8Array, hash: HashAlgorithm, contentType: string, withTime: boolean) {
  const attributes = [
    new pkijs.Attribute({ type: CMS_OID.contentType, values: [new asn1js.ObjectIdentifier({ value: contentType })] }),
    new pkijs.Attribute({ type: CMS_OID.messageDigest, values: [new asn1js.OctetString({ valueHex: hashBytes(hash, new TextEncoder().encode('hoá đơn')) })] }),
    ...(withTime ? [new pkijs.Attribute({ type: CMS_OID.signingTime, values: [new asn1js.UTCTime({ valueDate: new Date('2026-12-02T10:00:00Z') })] })] : []),
    signingCertificateV2Attribute(certificate, hash),
  ].map((attribute) => ({ attribute, der: new Uint8Array(attribute.toSchema().toBER(false)) })).sort((a, b) => compareDer(a.der, b.der));
  return { attributes: attributes.map((a) => a.attribute), signedAttrsDer: derTlv(0x31, attributes.map((a) => a.der)) };
}

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
