/**
 * What a XAdES signature's UnsignedSignatureProperties prove [ETSI EN 319 132-1 §5.3, §5.5]: a SignatureTimeStamp
 * (an RFC 3161 token over the canonicalised ds:SignatureValue element, with the CanonicalizationMethod it names)
 * gives B-T; CertificateValues and RevocationValues (OCSP responses, CRLs) are validation data for B-LT, used
 * offline like a PAdES DSS (embedded-validation-data.ts). Only the signature's own QualifyingProperties are read.
 */
import type { Element } from '@xmldom/xmldom';
import { canonicalize, type C14nMethod } from '../../formats/xml/canonicalize.js';
import { C14N_URI } from '../../formats/xml/xml-algorithms.js';
import { EmbeddedValidationData, parseCertificates } from '../embedded-validation-data.js';
import type { TimestampReport } from '../verification-report.js';
import { verifyTimestampToken } from '../verify-cms-signer.js';
import type { VerifyOptions } from '../verify-options.js';
import { reason } from '../../trust/reasons.js';
import { childElements } from './element-path.js';

const XADES_NS = new Set(['http://uri.etsi.org/01903/v1.3.2#', 'http://uri.etsi.org/01903/v1.4.1#']);
/** Base64 items per list at most (a hostile document could carry millions). */
const MAX_VALUES = 1024;

export interface XadesUnsigned {
  readonly timestamp?: TimestampReport;
  readonly embedded?: EmbeddedValidationData;
}

export async function xadesUnsignedProperties(signature: Element, options: VerifyOptions): Promise<XadesUnsigned> {
  const properties = descendants(signature, 'UnsignedSignatureProperties').filter((e) => XADES_NS.has(e.namespaceURI ?? ''))[0];
  if (!properties) return {};
  const out: { timestamp?: TimestampReport; embedded?: EmbeddedValidationData } = {};
  const stamp = childElements(properties).find((e) => e.localName === 'SignatureTimeStamp');
  if (stamp) out.timestamp = await signatureTimestamp(signature, stamp, options);
  const values = (container: string, item: string) => descendants(properties, container).flatMap((c) => descendants(c, item)).slice(0, MAX_VALUES)
    .map((e) => base64(e.textContent ?? '')).filter((d): d is Uint8Array => d !== undefined);
  const certificates = parseCertificates(values('CertificateValues', 'EncapsulatedX509Certificate'));
  const ocsps = values('RevocationValues', 'EncapsulatedOCSPValue');
  const crls = values('RevocationValues', 'EncapsulatedCRLValue');
  if (certificates.length + ocsps.length + crls.length > 0) out.embedded = new EmbeddedValidationData(certificates, ocsps, crls);
  return out;
}

async function signatureTimestamp(signature: Element, stamp: Element, options: VerifyOptions): Promise<TimestampReport> {
  const value = childElements(signature).find((e) => e.localName === 'SignatureValue');
  const methodUri = childElements(stamp).find((e) => e.localName === 'CanonicalizationMethod')?.getAttribute('Algorithm') ?? C14N_URI.inc;
  const method = (Object.keys(C14N_URI) as C14nMethod[]).find((m) => C14N_URI[m] === methodUri);
  const token = base64(childElements(stamp).find((e) => e.localName === 'EncapsulatedTimeStamp')?.textContent ?? '');
  if (!value || !method || !token) return { status: 'invalid', reasons: [reason('TIMESTAMP_INVALID', 'SignatureTimeStamp without a usable token or canonicalisation method')] };
  return verifyTimestampToken(token, new TextEncoder().encode(canonicalize(value, method)), options);
}

function descendants(root: Element, localName: string): Element[] {
  return Array.from(root.getElementsByTagNameNS('*', localName));
}

function base64(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(clean)) return undefined;
  return new Uint8Array(Buffer.from(clean, 'base64'));
}
