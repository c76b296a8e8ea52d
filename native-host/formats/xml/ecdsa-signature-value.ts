/**
 * XML Signature wants an ECDSA value as r ‖ s, each left-padded to the curve's byte length [XMLDSig 1.1 §6.4.3,
 * RFC 4050 §3.3]; the Signer port returns DER SEQUENCE { r, s } [RFC 3279 §2.2.3]. This converts, and finds the
 * curve size from the certificate.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { KysoError } from '../../../shared/errors/kyso-error.js';

/** Named curves [RFC 5480 §2.1.1.1] → field size in bytes. */
const CURVE_BYTES: Readonly<Record<string, number>> = {
  '1.2.840.10045.3.1.7': 32, // P-256
  '1.3.132.0.34': 48, // P-384
  '1.3.132.0.35': 66, // P-521
};

export function ecCurveBytes(certificateDer: Uint8Array): number {
  const certificate = pkijs.Certificate.fromBER(new Uint8Array(certificateDer));
  const params = certificate.subjectPublicKeyInfo.algorithm.algorithmParams;
  const oid = params instanceof asn1js.ObjectIdentifier ? params.valueBlock.toString() : '';
  const bytes = CURVE_BYTES[oid];
  if (bytes === undefined) throw new KysoError('UNSUPPORTED_ALGORITHM', { reason: 'EC curve not supported', curve: oid });
  return bytes;
}

export function ecdsaDerToRaw(der: Uint8Array, size: number): Uint8Array {
  const parsed = asn1js.fromBER(new Uint8Array(der));
  const seq = parsed.result;
  if (parsed.offset === -1 || !(seq instanceof asn1js.Sequence) || seq.valueBlock.value.length !== 2) {
    throw new KysoError('TOKEN_ERROR', { reason: 'ECDSA signature is not a DER SEQUENCE { r, s }' });
  }
  const out = new Uint8Array(size * 2);
  seq.valueBlock.value.forEach((part, index) => {
    if (!(part instanceof asn1js.Integer)) throw new KysoError('TOKEN_ERROR', { reason: 'ECDSA signature part is not an INTEGER' });
    let bytes = new Uint8Array(part.valueBlock.valueHexView);
    while (bytes.length > size && bytes[0] === 0) bytes = bytes.subarray(1);
    if (bytes.length > size) throw new KysoError('TOKEN_ERROR', { reason: 'ECDSA signature part longer than the curve' });
    out.set(bytes, index * size + (size - bytes.length));
  });
  return out;
}
