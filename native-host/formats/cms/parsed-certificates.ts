/**
 * Certificates parsed once per signer, not once per document: a batch (kyso sign-cms of 300 files, a
 * host.signDocuments request) signs every document with the same Signer, whose `certificate` and `chain` are the
 * same Uint8Array objects throughout, so they key a WeakMap — the cache lives exactly as long as the signer's bytes
 * and never outlives them (docs/benchmarks.md "CMS batch").
 *
 * The cached objects are only read (issuer, serial number, toSchema); nothing mutates a parsed certificate.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { KysoError } from '../../../shared/errors/kyso-error.js';

const parsed = new WeakMap<Uint8Array, pkijs.Certificate>();

/** The certificate parsed from `der` (X.509 DER), from the cache when these very bytes were parsed before. */
export function parsedCertificate(der: Uint8Array): pkijs.Certificate {
  let certificate = parsed.get(der);
  if (!certificate) {
    try {
      certificate = pkijs.Certificate.fromBER(der.slice().buffer);
    } catch (cause) {
      throw new KysoError('CERTIFICATE_NOT_USABLE', { reason: 'certificate is not valid DER' }, { cause });
    }
    parsed.set(der, certificate);
  }
  return certificate;
}

const embedded = new WeakMap<Uint8Array, pkijs.Certificate>();

/**
 * The certificate for SignedData.certificates [RFC 5652 §5.1]: it encodes as the token's own DER bytes, verbatim.
 * pkijs' Certificate.toSchema() re-parses and re-encodes the TBSCertificate on every call (~1 ms per certificate
 * per document); a certificate is already DER, so its bytes ARE its encoding. Still a pkijs.Certificate (a
 * prototype child of the parsed one), so pkijs' CertificateSet treats it as one.
 */
export function certificateForEmbedding(der: Uint8Array): pkijs.Certificate {
  let certificate = embedded.get(der);
  if (!certificate) {
    const bytes = der.slice();
    certificate = Object.create(parsedCertificate(der), {
      toSchema: { value: () => verbatimDer(bytes) },
    }) as pkijs.Certificate;
    embedded.set(der, certificate);
  }
  return certificate;
}

/**
 * An element that asn1js encodes as exactly these bytes (already DER), in both of its encoding paths: into the
 * parent's ViewWriter, or returned whole. asn1js' own RawData only does the latter, which a SET's writer drops.
 */
function verbatimDer(bytes: Uint8Array): asn1js.AsnType {
  return {
    toBER(_sizeOnly?: boolean, writer?: { write(buffer: ArrayBuffer): void }): ArrayBuffer {
      const buffer = bytes.slice().buffer;
      if (!writer) return buffer;
      writer.write(buffer);
      return new ArrayBuffer(0);
    },
  } as unknown as asn1js.AsnType;
}
