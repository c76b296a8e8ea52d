/**
 * CRX3, the signed package Chrome installs from a self-hosted update URL [Chromium components/crx_file:
 * crx3.proto and crx_verifier.cc]:
 *   "Cr24" | uint32 LE 3 | uint32 LE header size | CrxFileHeader (protobuf) | ZIP
 *   CrxFileHeader { repeated AsymmetricKeyProof sha256_with_rsa = 2; bytes signed_header_data = 10000; }
 *   AsymmetricKeyProof { bytes public_key = 1 (SubjectPublicKeyInfo DER); bytes signature = 2; }
 *   SignedData { bytes crx_id = 1 (first 16 bytes of SHA-256 of the public key) }
 * The RSA PKCS#1 v1.5 SHA-256 signature covers "CRX3 SignedData\x00" | uint32 LE len(signed_header_data) |
 * signed_header_data | ZIP. The extension ID is the crx_id in hex written with the letters a–p.
 */
import { createHash, createPublicKey, sign } from 'node:crypto';

function varint(n) {
  const bytes = [];
  while (n > 0x7f) { bytes.push((n & 0x7f) | 0x80); n >>>= 7; }
  bytes.push(n);
  return Buffer.from(bytes);
}

/** A length-delimited protobuf field (wire type 2). */
function field(number, bytes) {
  return Buffer.concat([varint((number << 3) | 2), varint(bytes.length), bytes]);
}

/** @param {import('node:crypto').KeyObject} publicKey */
export function publicKeyDer(publicKey) {
  return publicKey.export({ type: 'spki', format: 'der' });
}

/** The 32-letter extension ID of a public key (SubjectPublicKeyInfo DER). */
export function extensionIdOf(spkiDer) {
  return [...createHash('sha256').update(spkiDer).digest().subarray(0, 16).toString('hex')]
    .map((c) => String.fromCharCode('a'.charCodeAt(0) + parseInt(c, 16))).join('');
}

/**
 * @param {Buffer} zip
 * @param {import('node:crypto').KeyObject} privateKey an RSA private key
 */
export function crx3(zip, privateKey) {
  const spki = publicKeyDer(createPublicKey(privateKey));
  const crxId = createHash('sha256').update(spki).digest().subarray(0, 16);
  const signedHeaderData = field(1, crxId);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(signedHeaderData.length, 0);
  const signature = sign('sha256', Buffer.concat([Buffer.from('CRX3 SignedData\x00', 'latin1'), length, signedHeaderData, zip]), privateKey);
  const header = Buffer.concat([field(2, Buffer.concat([field(1, spki), field(2, signature)])), field(10000, signedHeaderData)]);
  const prefix = Buffer.alloc(12);
  prefix.write('Cr24', 0, 'latin1');
  prefix.writeUInt32LE(3, 4);
  prefix.writeUInt32LE(header.length, 8);
  return { crx: Buffer.concat([prefix, header, zip]), extensionId: extensionIdOf(spki) };
}

/** The gupdate answer Chrome fetches from an update URL [Chrome "Self-hosting", update manifest]. */
export function updateXml({ extensionId, version, crxUrl }) {
  const attr = (s) => s.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');
  return [
    "<?xml version='1.0' encoding='UTF-8'?>",
    "<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>",
    `  <app appid='${attr(extensionId)}'>`,
    `    <updatecheck codebase='${attr(crxUrl)}' version='${attr(version)}' />`,
    '  </app>',
    '</gupdate>',
    '',
  ].join('\n');
}
