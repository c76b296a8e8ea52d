/**
 * The fields of an X.509 certificate Kyso describes or compares, read straight from its DER [RFC 5280 §4.1] with
 * der-reader.ts: serial number, validity, issuer and subject (raw and decoded), the public key's type and size,
 * and the extensions (key usage, extended key usage, policies, AIA). This is the one reading behind
 * describe-certificate.ts (`kyso list`, the consent window, filters, expected-signer checks, the SDK), of the
 * signer's issuer and serial in a CMS (native-host/formats/cms/signing-certificate-v2.ts) and of the CLI's chain
 * check (native-host/formats/cms/token-chain-complete.ts). It needs no schema library: @peculiar/x509 and asn1js
 * cost ~60 ms of a `kyso` start to compile and evaluate, and 0.1–0.4 s to describe one certificate under load
 * (docs/benchmarks.md "Fifth run: start-up of `kyso sign-*`").
 */
import { bitStringBytesOf, childrenOf, contentsOf, DER_TAG, DerError, encodingOf, expectTag, integerHexOf, oidOf, readElement, timeOf, type DerElement } from './der-reader.js';
import { decodeName, type NameAttribute } from './decode-name.js';

export interface CertificateName {
  /** The Name's DER (the SEQUENCE), as encoded in the certificate. */
  readonly der: Uint8Array;
  /** Its attributes in encoding order, strings decoded (decode-name.ts). */
  readonly attributes: readonly NameAttribute[];
}

export interface CertificatePublicKey {
  /** OID of the SubjectPublicKeyInfo algorithm. */
  readonly algorithm: string;
  readonly keyType?: 'RSA' | 'EC';
  /** RSA: the modulus' length in bytes × 8 (as WebCrypto's modulusLength); EC: the curve's size. */
  readonly keyBits?: number;
  readonly namedCurve?: 'P-256' | 'P-384' | 'P-521';
}

export interface CertificateExtension {
  readonly critical: boolean;
  /** extnValue's contents: the extension's own DER. */
  readonly value: Uint8Array;
}

export interface CertificateFields {
  /** Lower-case hex of the serial number's encoding (a leading 00 kept). */
  readonly serialNumberHex: string;
  /** The serial number's INTEGER as encoded (tag and length included): CMS and XAdES copy it [RFC 5652 §10.2.4]. */
  readonly serialNumberDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly issuer: CertificateName;
  readonly subject: CertificateName;
  readonly publicKey: CertificatePublicKey;
  /** By OID; the first when a certificate repeats one. */
  readonly extensions: ReadonlyMap<string, CertificateExtension>;
}

export const EXTENSION_OID = {
  keyUsage: '2.5.29.15', extendedKeyUsage: '2.5.29.37', certificatePolicies: '2.5.29.32', authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
} as const;

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const NAMED_CURVES: Readonly<Record<string, 'P-256' | 'P-384' | 'P-521'>> = {
  '1.2.840.10045.3.1.7': 'P-256', '1.3.132.0.34': 'P-384', '1.3.132.0.35': 'P-521',
};

/** Read a certificate; anything that is not one throws DerError. */
export function readCertificateFields(der: Uint8Array): CertificateFields {
  // Bytes after the certificate are ignored, as @peculiar/x509 (which described certificates before) ignored them:
  // a token may pad CKA_VALUE.
  const certificate = readElement(der);
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
  const [tbsElement, signatureAlgorithm, signatureValue, ...rest] = childrenOf(der, expectTag(certificate, DER_TAG.sequence));
  expectTag(signatureAlgorithm, DER_TAG.sequence);
  bitStringBytesOf(der, expectTag(signatureValue, DER_TAG.bitString));
  if (rest.length > 0) throw new DerError('extra fields in the certificate');
  const tbs = childrenOf(der, expectTag(tbsElement, DER_TAG.sequence));
  // [0] EXPLICIT version is optional; then serial, signature, issuer, validity, subject, subjectPublicKeyInfo.
  let i = tbs[0]?.tag === 0xa0 ? 1 : 0;
  const serial = expectTag(tbs[i++], DER_TAG.integer);
  expectTag(tbs[i++], DER_TAG.sequence);
  const issuer = nameAt(der, tbs[i++]);
  const [notBefore, notAfter] = childrenOf(der, expectTag(tbs[i++], DER_TAG.sequence));
  const subject = nameAt(der, tbs[i++]);
  const publicKey = readPublicKey(der, expectTag(tbs[i++], DER_TAG.sequence));
  // issuerUniqueID [1], subjectUniqueID [2], extensions [3] EXPLICIT.
  const extensionsElement = tbs.slice(i).find((e) => e.tag === 0xa3);
  return {
    serialNumberHex: integerHexOf(der, serial),
    serialNumberDer: encodingOf(der, serial),
    notBefore: timeOf(der, required(notBefore)),
    notAfter: timeOf(der, required(notAfter)),
    issuer,
    subject,
    publicKey,
    extensions: extensionsElement ? readExtensions(der, extensionsElement) : new Map(),
  };
}

function required(element: DerElement | undefined): DerElement {
  if (!element) throw new DerError('missing field');
  return element;
}

function nameAt(der: Uint8Array, element: DerElement | undefined): CertificateName {
  const name = expectTag(element, DER_TAG.sequence);
  return { der: encodingOf(der, name), attributes: decodeName(der, name) };
}

function readPublicKey(der: Uint8Array, spki: DerElement): CertificatePublicKey {
  const [algorithmIdentifier, key] = childrenOf(der, spki);
  const [algorithmOid, parameters] = childrenOf(der, expectTag(algorithmIdentifier, DER_TAG.sequence));
  const algorithm = oidOf(der, required(algorithmOid));
  const keyBytes = bitStringBytesOf(der, required(key));
  if (algorithm === RSA_ENCRYPTION || algorithm === RSASSA_PSS) {
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } [RFC 8017 §A.1.1]
    const [modulus] = childrenOf(keyBytes, expectTag(readElement(keyBytes), DER_TAG.sequence));
    const body = contentsOf(keyBytes, expectTag(modulus, DER_TAG.integer));
    return { algorithm, keyType: 'RSA', keyBits: (body[0] === 0 ? body.length - 1 : body.length) * 8 };
  }
  if (algorithm === EC_PUBLIC_KEY && parameters?.tag === DER_TAG.oid) {
    const namedCurve = NAMED_CURVES[oidOf(der, parameters)];
    if (namedCurve) return { algorithm, keyType: 'EC', keyBits: Number(namedCurve.slice(2)), namedCurve };
  }
  return { algorithm };
}

function readExtensions(der: Uint8Array, wrapper: DerElement): Map<string, CertificateExtension> {
  const out = new Map<string, CertificateExtension>();
  const [list] = childrenOf(der, wrapper);
  for (const extension of childrenOf(der, expectTag(list, DER_TAG.sequence))) {
    // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    const parts = childrenOf(der, expectTag(extension, DER_TAG.sequence));
    const oid = oidOf(der, required(parts[0]));
    const critical = parts[1]?.tag === DER_TAG.boolean ? der[parts[1].contentStart] !== 0 : false;
    const value = expectTag(parts[parts[1]?.tag === DER_TAG.boolean ? 2 : 1], DER_TAG.octetString);
    if (!out.has(oid)) out.set(oid, { critical, value: contentsOf(der, value) });
  }
  return out;
}

/** KeyUsage bits set, by bit number (0 = digitalSignature) [RFC 5280 §4.2.1.3]; undefined without the extension. */
export function keyUsageBits(fields: CertificateFields): number[] | undefined {
  const extension = fields.extensions.get(EXTENSION_OID.keyUsage);
  if (!extension) return undefined;
  const bits = bitStringBytesOf(extension.value, readElement(extension.value));
  const out: number[] = [];
  for (let bit = 0; bit < bits.length * 8; bit++) if (bits[bit >> 3]! & (0x80 >> (bit & 7))) out.push(bit);
  return out;
}

/** ExtendedKeyUsage purposes (OIDs) [RFC 5280 §4.2.1.12]; undefined without the extension. */
export function extendedKeyUsageOids(fields: CertificateFields): string[] | undefined {
  const extension = fields.extensions.get(EXTENSION_OID.extendedKeyUsage);
  if (!extension) return undefined;
  const v = extension.value;
  return childrenOf(v, expectTag(readElement(v), DER_TAG.sequence)).map((e) => oidOf(v, e));
}

/** Policy identifiers (OIDs) of certificatePolicies [RFC 5280 §4.2.1.4]; undefined without the extension. */
export function policyOids(fields: CertificateFields): string[] | undefined {
  const extension = fields.extensions.get(EXTENSION_OID.certificatePolicies);
  if (!extension) return undefined;
  const v = extension.value;
  return childrenOf(v, expectTag(readElement(v), DER_TAG.sequence)).map((info) => oidOf(v, required(childrenOf(v, expectTag(info, DER_TAG.sequence))[0])));
}

/** The caIssuers URIs of the AuthorityInfoAccess extension [RFC 5280 §4.2.2.1]. */
export function caIssuersUrls(fields: CertificateFields): string[] {
  const extension = fields.extensions.get(EXTENSION_OID.authorityInfoAccess);
  if (!extension) return [];
  const v = extension.value;
  const out: string[] = [];
  for (const description of childrenOf(v, expectTag(readElement(v), DER_TAG.sequence))) {
    const [method, location] = childrenOf(v, expectTag(description, DER_TAG.sequence));
    // GeneralName uniformResourceIdentifier is [6] IMPLICIT IA5String.
    if (oidOf(v, required(method)) === '1.3.6.1.5.5.7.48.2' && location?.tag === 0x86) out.push(String.fromCharCode(...contentsOf(v, location)));
  }
  return out;
}
