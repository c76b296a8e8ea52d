/**
 * XAdES-B-LT [ETSI EN 319 132-1 §5.5.1 CertificateValues, §5.5.2 RevocationValues; EN 319 132-1 §6.3]: the
 * certificates of the signer's and the TSA's paths and their OCSP responses / CRLs, base64 in the signature's
 * UnsignedSignatureProperties after its SignatureTimeStamp. Collected like PAdES and CAdES validation data
 * (cms/collect-validation-data.ts). XAdES-B-LTA (ArchiveTimeStamp) is not made.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { Signer } from '../../token/signer.js';
import { ValidationDataCollector, unionOf, type CollectOptions } from '../cms/collect-validation-data.js';

/** The `validationValues` hook of signXmlDocument for this signer. */
export function xadesValidationValues(signer: Pick<Signer, 'certificate' | 'chain'>, options: CollectOptions): (timestampToken: Uint8Array) => Promise<string> {
  return async (timestampToken) => {
    const collector = new ValidationDataCollector(options);
    const leaf = new x509.X509Certificate(signer.certificate as Uint8Array<ArrayBuffer>);
    const chain = signer.chain.map((der) => new x509.X509Certificate(der as Uint8Array<ArrayBuffer>));
    const material = unionOf([await collector.forCertificate(leaf, chain), await collector.forCms(timestampToken)]);
    const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');
    const certificates = material.certificates.map((c) => `<xades:EncapsulatedX509Certificate>${b64(c)}</xades:EncapsulatedX509Certificate>`).join('');
    const crls = material.crls.map((c) => `<xades:EncapsulatedCRLValue>${b64(c)}</xades:EncapsulatedCRLValue>`).join('');
    const ocsps = material.ocspResponses.map((o) => `<xades:EncapsulatedOCSPValue>${b64(o)}</xades:EncapsulatedOCSPValue>`).join('');
    return `<xades:CertificateValues>${certificates}</xades:CertificateValues>` +
      `<xades:RevocationValues>${crls ? `<xades:CRLValues>${crls}</xades:CRLValues>` : ''}${ocsps ? `<xades:OCSPValues>${ocsps}</xades:OCSPValues>` : ''}</xades:RevocationValues>`;
  };
}
