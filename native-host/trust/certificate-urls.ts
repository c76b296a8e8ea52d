/** Where a certificate says its issuer, OCSP responder and CRL can be found [RFC 5280 §4.2.2.1, §4.2.1.13]. */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export interface CertificateUrls {
  readonly ocsp: readonly string[];
  readonly caIssuers: readonly string[];
  readonly crl: readonly string[];
}

export function certificateUrls(cert: x509.X509Certificate): CertificateUrls {
  const aia = cert.getExtension(x509.AuthorityInfoAccessExtension);
  const uris = (names: readonly x509.GeneralName[] | undefined) => (names ?? []).filter((n) => n.type === 'url').map((n) => n.value);
  const crlExt = cert.getExtension(x509.CRLDistributionPointsExtension);
  const crl: string[] = [];
  for (const point of crlExt?.distributionPoints ?? []) {
    for (const name of point.distributionPoint?.fullName ?? []) {
      if (name.uniformResourceIdentifier) crl.push(name.uniformResourceIdentifier);
    }
  }
  return { ocsp: uris(aia?.ocsp), caIssuers: uris(aia?.caIssuers), crl };
}

export function httpOnly(urls: readonly string[]): string[] {
  return urls.filter((url) => /^http:\/\//i.test(url));
}
