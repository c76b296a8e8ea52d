/**
 * Which key pair a certificate on a token belongs to. Tokens are meant to give a certificate the CKA_ID of its
 * key [PKCS#11 2.40 §4.8 CKA_ID], but real ones do not always: some write certificates without CKA_ID, some with
 * an ID of their own (issue 13 §2). The public key is the one thing certificate and key cannot disagree on, so
 * it decides first — RSA modulus or EC point, read from the key objects — and CKA_ID is used only where no key
 * object's public value could be read (and then never against a key whose value says otherwise).
 */
import { nodeCrypto } from './lazy-builtins.js';

/** A key object as found on a token. */
export interface TokenKeyObject {
  /** CKA_ID as hex ('' when the object has none). */
  readonly ckaId: string;
  /** The public value, normalised by `publicValueHex`: RSA modulus or EC point; '' when not readable. */
  readonly publicValue: string;
}

/** How to find the private key after login. */
export interface KeyReference {
  /** The key pair's CKA_ID ('' when the keys have none). */
  readonly ckaId: string;
  /** The certificate's public value ('' when it could not be read), to find or check the private key by. */
  readonly publicValue: string;
}

const stripLeadingZeros = (hex: string): string => hex.replace(/^(00)+(?=[0-9a-f]{2})/u, '');

/**
 * RSA modulus → hex without leading zero bytes. EC point → the bare point in hex: tokens hand CKA_EC_POINT as a
 * DER OCTET STRING [PKCS#11 2.40 §2.3.3] and some (older drivers) as the raw point; both become the raw point.
 */
export function publicValueHex(kind: 'rsa-modulus' | 'ec-point', bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  if (kind === 'rsa-modulus') return stripLeadingZeros(b.toString('hex'));
  if (b[0] === 0x04 && b.length > 2) {
    // DER OCTET STRING header: short form (length < 128) or long form 0x81 LL.
    if (b[1] === b.length - 2) return b.subarray(2).toString('hex');
    if (b[1] === 0x81 && b[2] === b.length - 3) return b.subarray(3).toString('hex');
  }
  return b.toString('hex');
}

/**
 * Public values of certificates already read, by the certificate's bytes. Every listing pairs every certificate on
 * every token (and a signature lists the token again): parsing the X.509 and exporting its key was ~0.2 ms per
 * certificate each time (docs/benchmarks.md "Eighth run: signDigests' fixed cost"). The value is a function of the
 * bytes alone, so a certificate that changes on the token is a new key here: nothing can be stale.
 */
const publicValues = new Map<string, string>();
const PUBLIC_VALUES_MAX_ENTRIES = 512;

/** The certificate's public value in the same form, '' for a key type Kyso cannot compare. */
export function certificatePublicValue(der: Uint8Array): string {
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let value = publicValues.get(key);
  if (value === undefined) {
    value = readPublicValue(der);
    if (publicValues.size >= PUBLIC_VALUES_MAX_ENTRIES) publicValues.clear();
    publicValues.set(key, value);
  }
  return value;
}

function readPublicValue(der: Uint8Array): string {
  try {
    const jwk = new (nodeCrypto().X509Certificate)(der).publicKey.export({ format: 'jwk' });
    if (jwk.kty === 'RSA' && jwk.n) return stripLeadingZeros(Buffer.from(jwk.n, 'base64url').toString('hex'));
    if (jwk.kty === 'EC' && jwk.x && jwk.y) return `04${Buffer.from(jwk.x, 'base64url').toString('hex')}${Buffer.from(jwk.y, 'base64url').toString('hex')}`;
  } catch {
    // Not X.509 or an unknown key type: no public-key pairing for it.
  }
  return '';
}

/**
 * The key pair of a certificate among the key objects visible now (before login often only the public keys),
 * or undefined when it has none.
 */
export function pairCertificate(
  certificate: { readonly der: Uint8Array; readonly ckaId: string },
  keys: { readonly privateKeys: readonly TokenKeyObject[]; readonly publicKeys: readonly TokenKeyObject[] },
): KeyReference | undefined {
  const publicValue = certificatePublicValue(certificate.der);
  const all = [...keys.privateKeys, ...keys.publicKeys];
  if (publicValue) {
    const same = all.find((k) => k.publicValue === publicValue);
    if (same) return { ckaId: same.ckaId, publicValue };
  }
  if (certificate.ckaId === '') return undefined;
  // By CKA_ID only when no key with that ID says it holds another public key.
  const byId = all.filter((k) => k.ckaId === certificate.ckaId);
  if (byId.length === 0 || (publicValue && byId.some((k) => k.publicValue !== '' && k.publicValue !== publicValue))) return undefined;
  return { ckaId: certificate.ckaId, publicValue };
}
