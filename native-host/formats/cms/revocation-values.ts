/**
 * CAdES-B-LT [ETSI EN 319 122-1 §5.5, §6.3]: the validation data of a CMS signature goes in the SignedData's own
 * unsigned fields — every certificate of the signer's and the TSA's paths in `certificates`, OCSP responses and
 * CRLs in `crls` (RevocationInfoChoices [RFC 5652 §10.2.1]: a CRL as a CertificateList, an OCSP response as
 * OtherRevocationInfoFormat id-ri-ocsp-response [RFC 5940 §4.1]). Neither field is covered by the signature, so the
 * signed attributes and the signature value are copied byte for byte: the DER is edited, never re-encoded.
 */
import * as asn1js from 'asn1js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { ValidationMaterial } from './collect-validation-data.js';
import { compareDer, derTlv } from './der-encoding.js';

export const OID_RI_OCSP_RESPONSE = '1.3.6.1.5.5.7.16.2';
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';

/** The SignedData's fields as DER slices, in order [RFC 5652 §5.1]. */
interface SignedDataParts {
  readonly version: Uint8Array;
  readonly digestAlgorithms: Uint8Array;
  readonly encapContentInfo: Uint8Array;
  /** Each element of [0] certificates (CertificateChoices), as DER. */
  readonly certificates: Uint8Array[];
  /** Each element of [1] crls (RevocationInfoChoice), as DER. */
  readonly crls: Uint8Array[];
  readonly signerInfos: Uint8Array;
}

/** The CMS with `material` added to its certificates and crls (duplicates skipped). */
export function addRevocationValues(cmsDer: Uint8Array, material: ValidationMaterial): Uint8Array {
  const parts = splitSignedData(cmsDer);
  const seen = new Set([...parts.certificates, ...parts.crls].map(hex));
  const push = (list: Uint8Array[], der: Uint8Array) => {
    if (!seen.has(hex(der))) { seen.add(hex(der)); list.push(der); }
  };
  for (const c of material.certificates) push(parts.certificates, c);
  for (const c of material.crls) push(parts.crls, c);
  for (const o of material.ocspResponses) {
    // OtherRevocationInfoFormat ::= SEQUENCE { otherRevInfoFormat OID, otherRevInfo ANY } in [1] IMPLICIT.
    push(parts.crls, derTlv(0xa1, [new Uint8Array(new asn1js.ObjectIdentifier({ value: OID_RI_OCSP_RESPONSE }).toBER(false)), o]));
  }
  const hasOther = parts.crls.some((c) => c[0] === 0xa1);
  // version 5 when an "other" revocation format is present [RFC 5652 §5.1].
  const version = hasOther ? new Uint8Array([0x02, 0x01, 0x05]) : parts.version;
  const fields = [version, parts.digestAlgorithms, parts.encapContentInfo];
  if (parts.certificates.length > 0) fields.push(derTlv(0xa0, sortedSet(parts.certificates)));
  if (parts.crls.length > 0) fields.push(derTlv(0xa1, sortedSet(parts.crls)));
  fields.push(parts.signerInfos);
  const signedData = derTlv(0x30, fields);
  return derTlv(0x30, [new Uint8Array(new asn1js.ObjectIdentifier({ value: OID_SIGNED_DATA }).toBER(false)), derTlv(0xa0, [signedData])]);
}

/** OCSP responses and CRLs a CMS carries in its crls field, as DER (for offline verification). */
export function revocationValuesOf(cmsDer: Uint8Array): { ocspResponses: Uint8Array[]; crls: Uint8Array[] } {
  let parts: SignedDataParts;
  try {
    parts = splitSignedData(cmsDer);
  } catch {
    return { ocspResponses: [], crls: [] };
  }
  const ocspResponses: Uint8Array[] = [];
  const crls: Uint8Array[] = [];
  for (const choice of parts.crls) {
    if (choice[0] === 0x30) { crls.push(choice); continue; }
    if (choice[0] !== 0xa1) continue;
    const parsed = asn1js.fromBER(choice.slice().buffer);
    const items = (parsed.result as asn1js.Constructed).valueBlock?.value ?? [];
    const format = items[0];
    if (items.length === 2 && format instanceof asn1js.ObjectIdentifier && format.valueBlock.toString() === OID_RI_OCSP_RESPONSE) {
      ocspResponses.push(new Uint8Array(items[1]!.valueBeforeDecodeView));
    }
  }
  return { ocspResponses, crls };
}

function splitSignedData(cmsDer: Uint8Array): SignedDataParts {
  const parsed = asn1js.fromBER(cmsDer.slice().buffer);
  const contentInfo = parsed.result;
  const outer = contentInfo instanceof asn1js.Sequence ? contentInfo.valueBlock.value : [];
  const oid = outer[0];
  const wrapper = outer[1] as asn1js.Constructed | undefined;
  if (parsed.offset === -1 || !(oid instanceof asn1js.ObjectIdentifier) || oid.valueBlock.toString() !== OID_SIGNED_DATA || !wrapper) {
    throw new KysoError('INVALID_DOCUMENT', { reason: 'not a CMS SignedData' });
  }
  const signedData = wrapper.valueBlock.value[0];
  const fields = signedData instanceof asn1js.Sequence ? signedData.valueBlock.value : [];
  if (fields.length < 4) throw new KysoError('INVALID_DOCUMENT', { reason: 'a CMS SignedData lacks fields' });
  const raw = (b: asn1js.AsnType) => new Uint8Array((b as asn1js.BaseBlock).valueBeforeDecodeView);
  const tagged = (tag: number) => fields.find((f) => f.idBlock.tagClass === 3 && f.idBlock.tagNumber === tag) as asn1js.Constructed | undefined;
  const elements = (block: asn1js.Constructed | undefined) => (block?.valueBlock.value ?? []).map(raw);
  return {
    version: raw(fields[0]!),
    digestAlgorithms: raw(fields[1]!),
    encapContentInfo: raw(fields[2]!),
    certificates: elements(tagged(0)),
    crls: elements(tagged(1)),
    signerInfos: raw(fields[fields.length - 1]!),
  };
}

/** SET OF elements in DER order [X.690 §11.6]. */
function sortedSet(elements: readonly Uint8Array[]): Uint8Array[] {
  return [...elements].sort(compareDer);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
