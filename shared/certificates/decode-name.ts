/**
 * Decode the subject/issuer names of a certificate ourselves, from the DER, so every string type Vietnamese CAs
 * have used comes out readable [X.520, RFC 5280 §4.1.2.4 DirectoryString]:
 *   UTF8String → UTF-8 · BMPString → UTF-16BE · UniversalString → UTF-32BE · Printable/IA5/Visible → ASCII
 *   T61String → UTF-8 when the bytes are valid multi-byte UTF-8 (older VN CA software wrote UTF-8 into T61String),
 *               otherwise ISO 8859-1, the usual reading of T.61 for Latin letters.
 * Pure JS (der-reader.ts + TextDecoder): runs in the host, the extension and the page SDK alike.
 */
import { childrenOf, contentsOf, DER_TAG, oidOf, type DerElement } from './der-reader.js';

export interface NameAttribute {
  readonly oid: string;
  readonly value: string;
}

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.9': 'STREET', '2.5.4.10': 'O', '2.5.4.11': 'OU',
  '2.5.4.12': 'T', '2.5.4.5': 'SERIALNUMBER', '2.5.4.4': 'SN', '2.5.4.42': 'G', '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC', '1.2.840.113549.1.9.1': 'E',
};

export const NAME_OIDS = {
  commonName: '2.5.4.3', country: '2.5.4.6', locality: '2.5.4.7', province: '2.5.4.8', organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11', title: '2.5.4.12', serialNumber: '2.5.4.5', uid: '0.9.2342.19200300.100.1.1', email: '1.2.840.113549.1.9.1',
} as const;

/**
 * The attributes of a Name (a SEQUENCE OF RDN, each a SET OF AttributeTypeAndValue) in encoding order. Elements
 * that are not shaped as one are skipped; a malformed encoding throws DerError.
 */
export function decodeName(der: Uint8Array, name: DerElement): NameAttribute[] {
  const out: NameAttribute[] = [];
  if (name.tag !== DER_TAG.sequence) return out;
  for (const rdn of childrenOf(der, name)) {
    if (rdn.tag !== DER_TAG.set) continue;
    for (const atv of childrenOf(der, rdn)) {
      if (atv.tag !== DER_TAG.sequence) continue;
      const [type, value] = childrenOf(der, atv);
      if (type?.tag !== DER_TAG.oid || !value) continue;
      out.push({ oid: oidOf(der, type), value: decodeString(value.tag, contentsOf(der, value)) });
    }
  }
  return out;
}

function decodeString(tag: number, bytes: Uint8Array): string {
  switch (tag) {
    case 12: return new TextDecoder('utf-8').decode(bytes); // UTF8String
    case 30: return new TextDecoder('utf-16be').decode(bytes); // BMPString
    case 28: return decodeUtf32be(bytes); // UniversalString
    case 20: return decodeT61(bytes); // T61String / TeletexString
    default: return latin1(bytes); // PrintableString, IA5String, VisibleString, NumericString …
  }
}

function decodeT61(bytes: Uint8Array): string {
  if (bytes.some((b) => b >= 0x80)) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      // not UTF-8: read as ISO 8859-1 below
    }
  }
  return latin1(bytes);
}

function latin1(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

function decodeUtf32be(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    out += String.fromCodePoint(((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0);
  }
  return out;
}

/** First value of an attribute. */
export function firstValue(attributes: readonly NameAttribute[], oid: string): string | undefined {
  return attributes.find((a) => a.oid === oid)?.value;
}

export function allValues(attributes: readonly NameAttribute[], oid: string): string[] {
  return attributes.filter((a) => a.oid === oid).map((a) => a.value);
}

/** "C=VN, O=…, CN=…" in encoding order, values escaped as RFC 4514 asks for ',', '+', '"', '\\', '<', '>', ';'. */
export function formatName(attributes: readonly NameAttribute[]): string {
  return attributes.map((a) => `${SHORT_NAMES[a.oid] ?? a.oid}=${a.value.replace(/([,+"\\<>;])/g, '\\$1')}`).join(', ');
}
