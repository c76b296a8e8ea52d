/**
 * Turn a certificate (DER) into the `CertificateInfo` every part of Kyso shows: the consent window,
 * the SDK's certificate objects and `kyso list`. Vietnamese diacritics are kept as encoded (UTF8String).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { CertificateInfo, UnusableReason } from '../protocol/common.js';
import { bytesToBase64, bytesToHex } from '../domain/base64.js';
import { parseSubjectIdentifiers } from './subject-identifiers.js';
import { recogniseIssuerCa } from './known-cas.js';
import { allValues, decodeCertificateNames, firstValue, formatName, NAME_OIDS, type NameAttribute } from './decode-name.js';
import { KysoError } from '../errors/kyso-error.js';


const KEY_USAGE_NAMES: ReadonlyArray<[number, string]> = [
  [x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
  [x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
  [x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
  [x509.KeyUsageFlags.cRLSign, 'cRLSign'],
];

const EKU_NAMES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'ocspSigning',
  '1.3.6.1.4.1.311.10.3.12': 'documentSigning',
  '1.2.840.113583.1.1.5': 'pdfAuthenticDocuments',
};

export interface DescribeOptions {
  /** "Now" for validity; injectable so tests and verification at a past time are deterministic. */
  readonly at?: Date;
  /** Whether a private key was found for this certificate (on a token). */
  readonly hasPrivateKey?: boolean;
  readonly token?: CertificateInfo['token'];
}

/** Parse DER; anything that is not an X.509 certificate becomes INVALID_DOCUMENT, never a library exception. */
export function parseCertificate(der: Uint8Array): x509.X509Certificate {
  try {
    return new x509.X509Certificate(der as Uint8Array<ArrayBuffer>);
  } catch (cause) {
    throw new KysoError('INVALID_DOCUMENT', { what: 'certificate', bytes: der.length }, { cause });
  }
}

/** Certificate id: base64url SHA-256 of the DER. Stable across sessions, tokens and machines. */
export async function certificateId(der: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', der as Uint8Array<ArrayBuffer>));
  return bytesToBase64(digest).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export async function describeCertificate(der: Uint8Array, options: DescribeOptions = {}): Promise<CertificateInfo> {
  const cert = parseCertificate(der);
  const at = options.at ?? new Date();
  const fingerprint = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', der as Uint8Array<ArrayBuffer>));

  const keyUsageExt = cert.getExtension(x509.KeyUsagesExtension);
  const keyUsage = keyUsageExt ? KEY_USAGE_NAMES.filter(([flag]) => (keyUsageExt.usages & flag) !== 0).map(([, name]) => name) : [];
  const ekuExt = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const extendedKeyUsage = ekuExt ? ekuExt.usages.map((oid) => EKU_NAMES[String(oid)] ?? String(oid)) : [];
  const policiesExt = cert.getExtension(x509.CertificatePolicyExtension);
  const policies = policiesExt ? [...policiesExt.policies] : [];

  const key = describeKey(cert);
  const unusableReasons: UnusableReason[] = [];
  if (at < cert.notBefore) unusableReasons.push('notYetValid');
  if (at > cert.notAfter) unusableReasons.push('expired');
  // No keyUsage extension means any usage [RFC 5280 §4.2.1.3]; otherwise one of the signing bits is needed.
  if (keyUsageExt && !keyUsage.includes('digitalSignature') && !keyUsage.includes('nonRepudiation')) unusableReasons.push('noSigningKeyUsage');
  if (options.hasPrivateKey === false) unusableReasons.push('noPrivateKey');
  if (!key) unusableReasons.push('unsupportedKey');

  // Names decoded from the DER by us (T61String/BMPString handled); x509's reading only if that fails.
  const decoded = decodeCertificateNames(der);
  const subjectAttrs = decoded?.subject ?? fromX509Name(cert.subjectName);
  const issuerAttrs = decoded?.issuer ?? fromX509Name(cert.issuerName);
  const identifierSources = [
    ...allValues(subjectAttrs, NAME_OIDS.uid),
    ...allValues(subjectAttrs, NAME_OIDS.serialNumber),
    ...allValues(subjectAttrs, NAME_OIDS.organizationalUnit),
    ...allValues(subjectAttrs, NAME_OIDS.commonName),
  ];

  return {
    id: await certificateId(der),
    der: bytesToBase64(der),
    subject: { ...nameFields(subjectAttrs), identifiers: parseSubjectIdentifiers(identifierSources) },
    issuer: { ...nameFields(issuerAttrs), ...optional('ca', recogniseIssuerCa(issuerAttrs)) },
    serialNumber: cert.serialNumber.toLowerCase().replace(/^0+(?=.)/, ''),
    notBefore: isoDate(cert.notBefore),
    notAfter: isoDate(cert.notAfter),
    keyType: key?.keyType ?? 'RSA',
    keyBits: key?.keyBits ?? 0,
    ...optional('namedCurve', key?.namedCurve),
    keyUsage,
    extendedKeyUsage,
    policies,
    fingerprintSha256: bytesToHex(fingerprint),
    unusableReasons,
    ...optional('token', options.token),
  };
}

function nameFields(attrs: readonly NameAttribute[]) {
  const first = (oid: string) => firstValue(attrs, oid);
  return {
    dn: formatName(attrs),
    ...optional('commonName', first(NAME_OIDS.commonName)),
    ...optional('organization', first(NAME_OIDS.organization)),
    ...optional('organizationalUnit', first(NAME_OIDS.organizationalUnit)),
    ...optional('title', first(NAME_OIDS.title)),
    ...optional('locality', first(NAME_OIDS.locality)),
    ...optional('province', first(NAME_OIDS.province)),
    ...optional('country', first(NAME_OIDS.country)),
    ...optional('email', first(NAME_OIDS.email)),
  };
}

function fromX509Name(name: x509.Name): NameAttribute[] {
  return name.toJSON().flatMap((rdn) => Object.entries(rdn).flatMap(([type, values]) => values.map((value) => ({ oid: OID_BY_SHORT[type] ?? type, value }))));
}

const OID_BY_SHORT: Readonly<Record<string, string>> = {
  CN: NAME_OIDS.commonName, C: NAME_OIDS.country, L: NAME_OIDS.locality, ST: NAME_OIDS.province, O: NAME_OIDS.organization,
  OU: NAME_OIDS.organizationalUnit, T: NAME_OIDS.title, E: NAME_OIDS.email,
};

function describeKey(cert: x509.X509Certificate): { keyType: 'RSA' | 'EC'; keyBits: number; namedCurve?: 'P-256' | 'P-384' | 'P-521' } | undefined {
  const alg = cert.publicKey.algorithm as { name: string; modulusLength?: number; namedCurve?: string };
  if (alg.name === 'RSASSA-PKCS1-v1_5' || alg.name === 'RSA-PSS' || alg.name === 'RSA-OAEP') {
    return { keyType: 'RSA', keyBits: alg.modulusLength ?? 0 };
  }
  if ((alg.name === 'ECDSA' || alg.name === 'ECDH') && (alg.namedCurve === 'P-256' || alg.namedCurve === 'P-384' || alg.namedCurve === 'P-521')) {
    return { keyType: 'EC', keyBits: Number(alg.namedCurve.slice(2)), namedCurve: alg.namedCurve };
  }
  return undefined;
}

function isoDate(date: Date): string {
  // Certificates may say 9999-12-31; toISOString stays 4-digit for those, but clamp anything beyond.
  const max = Date.UTC(9999, 11, 31, 23, 59, 59);
  return new Date(Math.min(date.getTime(), max)).toISOString();
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
