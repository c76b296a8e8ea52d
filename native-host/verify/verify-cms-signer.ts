/**
 * Verify one SignerInfo of a CMS SignedData [RFC 5652 §5.6]: find the signer's certificate by sid, check the
 * messageDigest attribute against the content, the signature over the DER SET OF signed attributes (or over the
 * content when there are none), ESS signing-certificate binding [RFC 5035], an RFC 3161 signature timestamp
 * [RFC 3161 App. A] when present, then the chain and revocation of the signer's certificate.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { createHash } from 'node:crypto';
import { describeCertificate } from '../../shared/certificates/describe-certificate.js';
import { evaluateTrust } from '../trust/evaluate-trust.js';
import { label } from '../trust/validate-path.js';
import { hashNameForOid, signatureHashName, verifyRawSignature, UnsupportedAlgorithmError } from '../trust/verify-raw-signature.js';
import { weakAlgorithmReason } from './algorithm-policy.js';
import { reason, type Reason } from '../trust/reasons.js';
import type { RevocationResult } from '../trust/revocation-status.js';
import type { CertificateInfo } from '../../shared/protocol/common.js';
import { statusFromReasons, type SignatureFormat, type SignatureReport, type TimestampReport } from './verification-report.js';
import type { VerifyOptions } from './verify-options.js';

const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const OID_SIGNING_TIME = '1.2.840.113549.1.9.5';
const OID_SIGNING_CERTIFICATE = '1.2.840.113549.1.9.16.2.12';
const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';
const OID_TIMESTAMP_TOKEN = '1.2.840.113549.1.9.16.2.14';
export const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';
const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
const OID_SHA1 = '1.3.14.3.2.26';

export interface SignerContext {
  readonly format: SignatureFormat;
  /** For timestamp tokens: no nested timestamp, no revocation, TSA certificates need not carry signing key usage. */
  readonly isTimestamp?: boolean;
  /** Claimed signing time from outside CMS (PDF /M, XAdES SigningTime) when CMS has none. */
  readonly externalSigningTime?: Date;
  readonly name?: string;
  /** PDF: the time of the earliest valid document time-stamp over this signature (proof it existed then). */
  readonly provenTime?: Date;
}

/** Parse a ContentInfo holding SignedData; undefined when it is not one. */
export function parseSignedData(der: Uint8Array): pkijs.SignedData | undefined {
  try {
    const info = pkijs.ContentInfo.fromBER(der as Uint8Array<ArrayBuffer>);
    if (info.contentType !== pkijs.ContentInfo.SIGNED_DATA) return undefined;
    return new pkijs.SignedData({ schema: info.content });
  } catch {
    return undefined;
  }
}

/** The encapsulated content, when the signature is attached (enveloping). */
export function encapsulatedContent(signed: pkijs.SignedData): Uint8Array | undefined {
  const e = signed.encapContentInfo.eContent;
  return e ? new Uint8Array(e.getValue()) : undefined;
}

export function signedDataCertificates(signed: pkijs.SignedData): x509.X509Certificate[] {
  return (signed.certificates ?? [])
    .filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
    .map((c) => new x509.X509Certificate(c.toSchema().toBER(false)));
}

export async function verifySignerInfo(signed: pkijs.SignedData, signerInfo: pkijs.SignerInfo, content: Uint8Array | undefined, options: VerifyOptions, context: SignerContext): Promise<SignatureReport> {
  const reasons: Reason[] = [];
  const certificates = signedDataCertificates(signed);
  const pkiCerts = (signed.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  const index = findSignerIndex(signerInfo, pkiCerts, certificates);
  const name = context.name !== undefined ? { name: context.name } : {};
  if (index < 0) {
    reasons.push(reason('SIGNER_CERT_MISSING'));
    return { status: statusFromReasons(reasons), format: context.format, chain: { status: 'not-built', path: [] }, revocation: { status: 'not-checked' }, reasons, ...name };
  }
  const signerCert = certificates[index]!;
  const digestOid = signerInfo.digestAlgorithm.algorithmId;
  const hashName = hashNameForOid(digestOid);

  // ── the signature value ──
  let signedBytes: Uint8Array | undefined;
  const attrs = signerInfo.signedAttrs?.attributes ?? [];
  if (signerInfo.signedAttrs) {
    const messageDigest = attrs.find((a) => a.type === OID_MESSAGE_DIGEST)?.values[0] as asn1js.OctetString | undefined;
    if (!messageDigest) reasons.push(reason('SIGNATURE_INVALID', 'no messageDigest attribute'));
    else if (!content) reasons.push(reason('CONTENT_MISSING'));
    else if (!hashName) reasons.push(reason('UNSUPPORTED_ALGORITHM', digestOid));
    else if (!equalBytes(createHash(hashName).update(content).digest(), new Uint8Array(messageDigest.valueBlock.valueHexView))) reasons.push(reason('CONTENT_MODIFIED'));
    // [RFC 5652 §5.4] the signature covers the DER of the attributes with the SET OF tag, not [0] IMPLICIT.
    signedBytes = new Uint8Array(signerInfo.signedAttrs.encodedValue.slice(0));
    signedBytes[0] = 0x31;
  } else if (content) {
    signedBytes = content;
  } else {
    reasons.push(reason('CONTENT_MISSING'));
  }
  const signatureValue = new Uint8Array(signerInfo.signature.valueBlock.valueHexView);
  if (signedBytes) {
    try {
      const algorithm = { oid: signerInfo.signatureAlgorithm.algorithmId, params: signerInfo.signatureAlgorithm.algorithmParams };
      if (!verifyRawSignature(new Uint8Array(signerCert.publicKey.rawData), algorithm, signedBytes, signatureValue, digestOid)) reasons.push(reason('SIGNATURE_INVALID'));
    } catch (error) {
      reasons.push(error instanceof UnsupportedAlgorithmError ? reason('UNSUPPORTED_ALGORITHM', error.message) : reason('SIGNATURE_INVALID', 'unreadable key or signature'));
    }
  }
  // One rule for every format (algorithm-policy.ts): SHA-1 or a short RSA key is at best indeterminate.
  const weak = weakAlgorithmReason({
    hashes: [hashName, signatureHashName(signerInfo.signatureAlgorithm.algorithmId, digestOid)],
    signerSpki: new Uint8Array(signerCert.publicKey.rawData),
  }, options.algorithmPolicy);
  if (weak) reasons.push(weak);

  // ── attributes ──
  const signingTimeValue = attrs.find((a) => a.type === OID_SIGNING_TIME)?.values[0] as (asn1js.UTCTime | asn1js.GeneralizedTime) | undefined;
  const signingTime = signingTimeValue?.toDate() ?? context.externalSigningTime;
  const essMismatch = checkSigningCertificate(attrs, signerCert);
  if (essMismatch) reasons.push(reason('SIGNING_CERT_MISMATCH', essMismatch));

  let timestamp: TimestampReport | undefined;
  if (!context.isTimestamp) {
    const token = signerInfo.unsignedAttrs?.attributes.find((a) => a.type === OID_TIMESTAMP_TOKEN)?.values[0];
    if (token) timestamp = await verifyTimestampToken(new Uint8Array(token.toBER(false)), signatureValue, options);
    if (timestamp && timestamp.status === 'invalid') reasons.push(reason('TIMESTAMP_INVALID', timestamp.reasons.map((r) => r.code).join(', ')));
  }

  const assessed = await assessSigner(signerCert, certificates, {
    timestamp, signingTime, isTimestamp: context.isTimestamp === true, ...(context.provenTime ? { provenTime: context.provenTime } : {}),
  }, options);
  reasons.push(...assessed.reasons);
  return {
    status: statusFromReasons(reasons),
    format: context.format,
    signer: assessed.signer,
    ...(signingTime ? { signingTime: signingTime.toISOString() } : {}),
    ...(timestamp ? { timestamp } : {}),
    chain: assessed.chain,
    revocation: assessed.revocation,
    reasons,
    ...name,
  };
}

export interface SignerAssessment {
  readonly signer: CertificateInfo;
  readonly chain: SignatureReport['chain'];
  readonly revocation: RevocationResult;
  readonly reasons: readonly Reason[];
}

/**
 * The signer's certificate, whatever the format: chain at the signing time, revocation now.
 * A valid timestamp proves when the signature existed; a claimed signing time is only the signer's word,
 * but it is what VN verifiers use when there is no timestamp. With neither, "now" is used.
 */
export async function assessSigner(
  signerCert: x509.X509Certificate,
  certificates: readonly x509.X509Certificate[],
  times: { timestamp?: TimestampReport | undefined; signingTime?: Date | undefined; isTimestamp?: boolean; provenTime?: Date },
  options: VerifyOptions,
): Promise<SignerAssessment> {
  const reasons: Reason[] = [];
  // A valid signature time-stamp, else a valid document time-stamp over the signature, proves when it existed.
  const timestampTime = (times.timestamp?.status === 'valid' && times.timestamp.time ? new Date(times.timestamp.time) : undefined) ?? times.provenTime;
  const at = timestampTime ?? times.signingTime ?? options.at ?? new Date();
  // Stored revocation answers speak for a PROVEN time only: judged at a time the signer merely claims, an old
  // "good" would let a revoked key sign with a back-dated time (embedded-validation-data.ts).
  const embedded = options.embedded && !options.embedded.isEmpty && timestampTime ? options.embedded : undefined;
  const trust = await evaluateTrust(signerCert, {
    store: options.trust,
    extra: options.embedded ? [...certificates, ...options.embedded.certificates] : certificates,
    ...(embedded ? { embedded } : {}),
    at,
    checkRevocation: !times.isTimestamp && (options.checkRevocation ?? true),
    requireSigningUsage: !times.isTimestamp,
    ...(options.at ? { revocationAt: options.at } : {}),
    ...(options.aia ? { aia: options.aia } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.cache ? { cache: options.cache } : {}),
  });
  const leafWho = label(signerCert);
  const timeKnown = timestampTime !== undefined || times.signingTime !== undefined;
  for (const r of trust.chain.reasons) {
    if (timeKnown && r.code === 'CERT_EXPIRED' && r.detail === `${leafWho}: notAfter ${signerCert.notAfter.toISOString()}`) reasons.push(reason('SIGNER_EXPIRED_AT_SIGNING', `${at.toISOString()} > ${signerCert.notAfter.toISOString()}`));
    else if (timeKnown && r.code === 'CERT_NOT_YET_VALID' && r.detail === `${leafWho}: notBefore ${signerCert.notBefore.toISOString()}`) reasons.push(reason('SIGNER_NOT_YET_VALID_AT_SIGNING', `${at.toISOString()} < ${signerCert.notBefore.toISOString()}`));
    else reasons.push(r);
  }
  reasons.push(...revocationReasons(trust.revocation, timestampTime));
  return {
    signer: await describeCertificate(new Uint8Array(signerCert.rawData), { at }),
    chain: { status: trust.chain.status, path: trust.chain.path },
    revocation: trust.revocation,
    reasons,
  };
}

function revocationReasons(revocation: RevocationResult, provenTime: Date | undefined): Reason[] {
  switch (revocation.status) {
    case 'good': return [];
    case 'revoked':
      // Revoked after a timestamp proved the signature existed: the signature stays good [ETSI EN 319 102-1 §5.6.2.4].
      if (provenTime && Date.parse(revocation.revokedAt) > provenTime.getTime()) return [];
      return [reason('REVOKED', `${revocation.revokedAt}${revocation.reason ? ` (${revocation.reason})` : ''}`)];
    case 'unknown': return [reason('REVOCATION_UNKNOWN', revocation.url)];
    case 'could-not-check': return [reason('REVOCATION_NOT_CHECKED', revocation.why)];
    case 'not-checked': return [reason('REVOCATION_SKIPPED')];
  }
}

/**
 * Verify an RFC 3161 TimeStampToken over `imprinted` (the signature value it timestamps, or the PDF byte range
 * for a document timestamp): its own CMS signature, its messageImprint, its TSA chain.
 */
export async function verifyTimestampToken(tokenDer: Uint8Array, imprinted: Uint8Array, options: VerifyOptions): Promise<TimestampReport> {
  const signed = parseSignedData(tokenDer);
  const tstBytes = signed ? encapsulatedContent(signed) : undefined;
  if (!signed || !tstBytes || signed.encapContentInfo.eContentType !== OID_TST_INFO || signed.signerInfos.length !== 1) {
    return { status: 'invalid', reasons: [reason('TIMESTAMP_INVALID', 'not an RFC 3161 token')] };
  }
  let tstInfo: pkijs.TSTInfo;
  try {
    tstInfo = pkijs.TSTInfo.fromBER(tstBytes as Uint8Array<ArrayBuffer>);
  } catch {
    return { status: 'invalid', reasons: [reason('TIMESTAMP_INVALID', 'unreadable TSTInfo')] };
  }
  const reasons: Reason[] = [];
  const hashName = hashNameForOid(tstInfo.messageImprint.hashAlgorithm.algorithmId);
  if (!hashName) reasons.push(reason('UNSUPPORTED_ALGORITHM', tstInfo.messageImprint.hashAlgorithm.algorithmId));
  else if (!equalBytes(createHash(hashName).update(imprinted).digest(), new Uint8Array(tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView))) {
    reasons.push(reason('TIMESTAMP_INVALID', 'messageImprint does not match'));
  }
  const tsa = await verifySignerInfo(signed, signed.signerInfos[0]!, tstBytes, { ...options, checkRevocation: false }, { format: 'cms', isTimestamp: true });
  reasons.push(...tsa.reasons.filter((r) => r.code !== 'REVOCATION_SKIPPED'));
  const status = statusFromReasons(reasons);
  return {
    status: status === 'invalid' ? 'invalid' : status,
    time: tstInfo.genTime.toISOString(),
    ...(tsa.signer?.subject.commonName ? { authority: tsa.signer.subject.commonName } : {}),
    reasons,
  };
}

export function findSignerIndex(signerInfo: pkijs.SignerInfo, pkiCerts: pkijs.Certificate[], certs: x509.X509Certificate[]): number {
  const sid = signerInfo.sid as unknown;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return pkiCerts.findIndex((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber));
  }
  // [0] SubjectKeyIdentifier
  const keyId = (sid as { valueBlock?: { valueHexView?: Uint8Array } }).valueBlock?.valueHexView;
  if (!keyId) return -1;
  const hex = Buffer.from(keyId).toString('hex');
  return certs.findIndex((c) => c.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId.toLowerCase() === hex);
}

/** [RFC 5035 §5.4] the first ESSCertID(v2) hash must be the hash of the signer's certificate. */
function checkSigningCertificate(attrs: readonly pkijs.Attribute[], cert: x509.X509Certificate): string | undefined {
  const v2 = attrs.find((a) => a.type === OID_SIGNING_CERTIFICATE_V2);
  const v1 = attrs.find((a) => a.type === OID_SIGNING_CERTIFICATE);
  const attr = v2 ?? v1;
  if (!attr) return undefined;
  try {
    const signingCertificate = attr.values[0] as asn1js.Sequence;
    const certIds = signingCertificate.valueBlock.value[0] as asn1js.Sequence;
    const first = certIds.valueBlock.value[0] as asn1js.Sequence;
    const parts = first.valueBlock.value;
    let hashOid = v2 ? OID_SHA256 : OID_SHA1;
    let hashIndex = 0;
    if (v2 && parts[0] instanceof asn1js.Sequence) {
      hashOid = ((parts[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString();
      hashIndex = 1;
    }
    const hashName = hashNameForOid(hashOid);
    if (!hashName) return `unsupported hash ${hashOid}`;
    const expected = new Uint8Array((parts[hashIndex] as asn1js.OctetString).valueBlock.valueHexView);
    return equalBytes(createHash(hashName).update(new Uint8Array(cert.rawData)).digest(), expected) ? undefined : 'certificate hash differs';
  } catch {
    return 'unreadable attribute';
  }
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
