/**
 * Turn a certificate (DER) into the `CertificateInfo` every part of Kyso shows: the consent window,
 * the SDK's certificate objects and `kyso list`. Vietnamese diacritics are kept as encoded (UTF8String).
 */
import type { CertificateInfo, UnusableReason } from '../protocol/common.js';
import { bytesToBase64, bytesToHex } from '../domain/base64.js';
import { parseSubjectIdentifiers } from './subject-identifiers.js';
import { recogniseIssuerCa } from './known-cas.js';
import { allValues, firstValue, formatName, NAME_OIDS, type NameAttribute } from './decode-name.js';
import { extendedKeyUsageOids, keyUsageBits, policyOids, readCertificateFields, type CertificateFields } from './certificate-fields.js';
import { KysoError } from '../errors/kyso-error.js';

/** KeyUsage names by bit number [RFC 5280 §4.2.1.3]; encipherOnly (7) and decipherOnly (8) are not shown. */
const KEY_USAGE_NAMES: readonly string[] = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign'];

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

/** Read DER; anything that is not an X.509 certificate becomes INVALID_DOCUMENT, never a reader exception. */
export function parseCertificate(der: Uint8Array): CertificateFields {
  try {
    return readCertificateFields(der);
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

  let keyUsageBitsSet: number[] | undefined;
  let ekuOids: string[] | undefined;
  let policies: string[];
  try {
    keyUsageBitsSet = keyUsageBits(cert);
    ekuOids = extendedKeyUsageOids(cert);
    policies = policyOids(cert) ?? [];
  } catch (cause) {
    throw new KysoError('INVALID_DOCUMENT', { what: 'certificate', bytes: der.length }, { cause });
  }
  const keyUsage = (keyUsageBitsSet ?? []).filter((bit) => bit < KEY_USAGE_NAMES.length).map((bit) => KEY_USAGE_NAMES[bit]!);
  const extendedKeyUsage = (ekuOids ?? []).map((oid) => EKU_NAMES[oid] ?? oid);

  const key = cert.publicKey.keyType ? cert.publicKey : undefined;
  const unusableReasons: UnusableReason[] = [];
  if (at < cert.notBefore) unusableReasons.push('notYetValid');
  if (at > cert.notAfter) unusableReasons.push('expired');
  // No keyUsage extension means any usage [RFC 5280 §4.2.1.3]; otherwise one of the signing bits is needed.
  if (keyUsageBitsSet && !keyUsage.includes('digitalSignature') && !keyUsage.includes('nonRepudiation')) unusableReasons.push('noSigningKeyUsage');
  if (options.hasPrivateKey === false) unusableReasons.push('noPrivateKey');
  if (!key) unusableReasons.push('unsupportedKey');

  // Names decoded from the DER (T61String/BMPString handled, decode-name.ts).
  const subjectAttrs = cert.subject.attributes;
  const issuerAttrs = cert.issuer.attributes;
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
    serialNumber: cert.serialNumberHex.replace(/^0+(?=.)/, ''),
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

function isoDate(date: Date): string {
  // Certificates may say 9999-12-31; toISOString stays 4-digit for those, but clamp anything beyond.
  const max = Date.UTC(9999, 11, 31, 23, 59, 59);
  return new Date(Math.min(date.getTime(), max)).toISOString();
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
