/**
 * Ask an OCSP responder about one certificate [RFC 6960]. The request carries a fresh nonce [RFC 8954]; the
 * answer is accepted only when it is signed by the issuing CA itself or by a responder certificate that CA
 * issued with id-kp-OCSPSigning [RFC 6960 §4.2.2.2], names our certificate, is fresh, and echoes the nonce when
 * it carries one (many production responders send pre-signed answers without it).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { randomBytes } from 'node:crypto';
import { fetchHttp, FetchError } from './http-fetch.js';
import { OCSP_RESPONSE_MAX_BYTES, REVOCATION_CLOCK_SKEW_MS } from './trust-limits.js';
import { verifyRawSignature } from './verify-raw-signature.js';
import { signedBy } from './build-chain.js';
import { samePublicKey } from './trust-store.js';
import { RevocationSourceError, revocationReasonName, type RevocationResult } from './revocation-status.js';

const OID_NONCE = '1.3.6.1.5.5.7.48.1.2';
const OID_BASIC_RESPONSE = '1.3.6.1.5.5.7.48.1.1';
const OID_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
const OCSP_STATUS_NAMES = ['successful', 'malformedRequest', 'internalError', 'tryLater', 'unused4', 'sigRequired', 'unauthorized'];

export type OcspAnswer = Exclude<RevocationResult, { status: 'could-not-check' | 'not-checked' }> & { readonly nextUpdateMs?: number };

export async function queryOcsp(cert: x509.X509Certificate, issuer: x509.X509Certificate, url: string, options: { at?: Date; timeoutMs?: number } = {}): Promise<OcspAnswer> {
  return (await queryOcspEvidence(cert, issuer, url, options)).answer;
}

/** queryOcsp, also returning the responder's DER answer (kept as validation data: PAdES DSS, CAdES-LT). */
export async function queryOcspEvidence(cert: x509.X509Certificate, issuer: x509.X509Certificate, url: string, options: { at?: Date; timeoutMs?: number } = {}): Promise<{ answer: OcspAnswer; der: Uint8Array }> {
  const now = options.at ?? new Date();
  const pkiCert = toPkijs(cert);
  const pkiIssuer = toPkijs(issuer);
  const request = new pkijs.OCSPRequest();
  await request.createForCertificate(pkiCert, { hashAlgorithm: 'SHA-1', issuerCertificate: pkiIssuer });
  const certId = request.tbsRequest.requestList[0]!.reqCert;
  const nonce = new asn1js.OctetString({ valueHex: randomBytes(16) }).toBER(false);
  request.tbsRequest.requestExtensions = [new pkijs.Extension({ extnID: OID_NONCE, extnValue: nonce })];
  const body = new Uint8Array(request.toSchema(true).toBER(false));

  let bytes: Uint8Array;
  try {
    bytes = await fetchHttp(url, { method: 'POST', body, contentType: 'application/ocsp-request', accept: 'application/ocsp-response', maxBytes: OCSP_RESPONSE_MAX_BYTES, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  } catch (error) {
    throw new RevocationSourceError(error instanceof FetchError ? error.message : 'network error');
  }

  return { answer: await readOcspResponse(bytes, cert, issuer, { at: now, url, certId, nonce: new Uint8Array(nonce) }), der: bytes };
}

export interface ReadOcspOptions {
  /** The time the answer must be current at (a live query: now). */
  readonly at: Date;
  readonly url: string;
  /** The CertID asked about; default one computed with SHA-1 [RFC 6960 §4.1.1]. */
  readonly certId?: pkijs.CertID;
  /** The nonce sent; an answer echoing another is refused. Absent for stored answers (PAdES DSS). */
  readonly nonce?: Uint8Array;
  /**
   * Stored answers (embedded validation data) are judged at a past time: they were issued after it, so only
   * "from the future" is checked against thisUpdate, never staleness against now.
   */
  readonly stored?: boolean;
}

/**
 * Check a DER OCSPResponse about `cert` (signed by its issuer or a delegated responder, names the certificate,
 * current at `at`) and say what it answers. Used for live queries and for OCSP responses embedded in a document.
 */
export async function readOcspResponse(bytes: Uint8Array, cert: x509.X509Certificate, issuer: x509.X509Certificate, options: ReadOcspOptions): Promise<OcspAnswer> {
  const now = options.at;
  const url = options.url;
  let basic: pkijs.BasicOCSPResponse;
  try {
    const response = pkijs.OCSPResponse.fromBER(bytes as Uint8Array<ArrayBuffer>);
    const status = response.responseStatus.valueBlock.valueDec;
    if (status !== 0) throw new RevocationSourceError(`responder said ${OCSP_STATUS_NAMES[status] ?? status}`);
    if (!response.responseBytes || response.responseBytes.responseType !== OID_BASIC_RESPONSE) throw new RevocationSourceError('not a basic OCSP response');
    basic = pkijs.BasicOCSPResponse.fromBER(response.responseBytes.response.valueBlock.valueHexView as Uint8Array<ArrayBuffer>);
  } catch (error) {
    if (error instanceof RevocationSourceError) throw error;
    throw new RevocationSourceError('unreadable OCSP response');
  }

  const thisUpdateOf = basic.tbsResponseData.responses[0]?.thisUpdate;
  await checkResponseSignature(basic, issuer, options.stored && thisUpdateOf ? thisUpdateOf : now);
  const single = options.certId
    ? basic.tbsResponseData.responses.find((r) => r.certID.isEqual(options.certId!))
    : await singleResponseFor(basic, cert, issuer);
  if (!single) throw new RevocationSourceError('response does not name this certificate');
  const responseNonce = basic.tbsResponseData.responseExtensions?.find((e) => e.extnID === OID_NONCE);
  if (options.nonce && responseNonce && !equalBytes(new Uint8Array(responseNonce.extnValue.valueBlock.valueHexView), options.nonce)) {
    throw new RevocationSourceError('nonce mismatch (replayed response?)');
  }
  const thisUpdate: Date = single.thisUpdate;
  const nextUpdate: Date | undefined = single.nextUpdate;
  if (!options.stored && thisUpdate.getTime() > now.getTime() + REVOCATION_CLOCK_SKEW_MS) throw new RevocationSourceError('response from the future');
  if (!options.stored && nextUpdate && nextUpdate.getTime() < now.getTime() - REVOCATION_CLOCK_SKEW_MS) throw new RevocationSourceError('stale response (nextUpdate passed)');

  const certStatus = single.certStatus as asn1js.BaseBlock & { idBlock: { tagNumber: number }; valueBlock: { value?: asn1js.BaseBlock[] } };
  const dates = { thisUpdate: thisUpdate.toISOString(), ...(nextUpdate ? { nextUpdate: nextUpdate.toISOString(), nextUpdateMs: nextUpdate.getTime() } : {}) };
  switch (certStatus.idBlock.tagNumber) {
    case 0: return { status: 'good', source: 'ocsp', url, ...dates };
    case 1: {
      const [time, reasonBlock] = certStatus.valueBlock.value ?? [];
      const revokedAt = time instanceof asn1js.GeneralizedTime ? time.toDate() : decodeGeneralizedTime(time);
      const reasonCode = reasonBlock ? readEnumerated(reasonBlock) : undefined;
      const reasonName = revocationReasonName(reasonCode);
      return { status: 'revoked', source: 'ocsp', url, revokedAt: revokedAt.toISOString(), ...(reasonName ? { reason: reasonName } : {}) };
    }
    case 2: return { status: 'unknown', source: 'ocsp', url };
    default: throw new RevocationSourceError('unknown certStatus');
  }
}

/** CertID hash algorithms a stored response may use [RFC 6960 §4.1.1; SHA-1 by far the most common]. */
const CERT_ID_HASHES: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'SHA-1', '2.16.840.1.101.3.4.2.1': 'SHA-256', '2.16.840.1.101.3.4.2.2': 'SHA-384', '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

/** The SingleResponse about `cert` in a stored answer, its CertID computed with the hash that answer used. */
async function singleResponseFor(basic: pkijs.BasicOCSPResponse, cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<pkijs.SingleResponse | undefined> {
  for (const response of basic.tbsResponseData.responses) {
    const hashAlgorithm = CERT_ID_HASHES[response.certID.hashAlgorithm.algorithmId];
    if (!hashAlgorithm) continue;
    const id = new pkijs.CertID();
    await id.createForCertificate(toPkijs(cert), { hashAlgorithm, issuerCertificate: toPkijs(issuer) });
    if (response.certID.isEqual(id)) return response;
  }
  return undefined;
}

/** [RFC 6960 §4.2.2.2] the signer is the CA, or a certificate the CA issued for OCSP signing. */
async function checkResponseSignature(basic: pkijs.BasicOCSPResponse, issuer: x509.X509Certificate, now: Date): Promise<void> {
  const tbs = basic.tbsResponseData.tbsView?.byteLength ? basic.tbsResponseData.tbsView : new Uint8Array(basic.tbsResponseData.toSchema(true).toBER(false));
  const signature = new Uint8Array(basic.signature.valueBlock.valueHexView);
  const algorithm = { oid: basic.signatureAlgorithm.algorithmId, params: basic.signatureAlgorithm.algorithmParams };
  const candidates: x509.X509Certificate[] = [issuer, ...(basic.certs ?? []).map((c) => new x509.X509Certificate(c.toSchema().toBER(false)))];
  for (const candidate of candidates) {
    let ok = false;
    try {
      ok = verifyRawSignature(new Uint8Array(candidate.publicKey.rawData), algorithm, tbs, signature);
    } catch {
      throw new RevocationSourceError('unsupported OCSP signature algorithm');
    }
    if (!ok) continue;
    if (samePublicKey(candidate, issuer)) return;
    const eku = candidate.getExtension(x509.ExtendedKeyUsageExtension);
    const delegated = eku?.usages.map(String).includes(OID_OCSP_SIGNING) ?? false;
    if (!delegated) throw new RevocationSourceError('responder certificate lacks id-kp-OCSPSigning');
    if (!(await signedBy(candidate, issuer))) throw new RevocationSourceError('responder certificate not issued by the CA');
    if (now < candidate.notBefore || now > candidate.notAfter) throw new RevocationSourceError('responder certificate not valid now');
    return;
  }
  throw new RevocationSourceError('OCSP response signature invalid or signer unknown');
}

export function toPkijs(cert: x509.X509Certificate): pkijs.Certificate {
  return pkijs.Certificate.fromBER(cert.rawData);
}

function readEnumerated(block: asn1js.BaseBlock): number | undefined {
  const inner = (block as unknown as { valueBlock: { value?: asn1js.BaseBlock[] } }).valueBlock.value?.[0] ?? block;
  const dec = (inner as unknown as { valueBlock: { valueDec?: number } }).valueBlock.valueDec;
  if (typeof dec === 'number') return dec;
  const hex = (inner as unknown as { valueBlock: { valueHexView?: Uint8Array } }).valueBlock.valueHexView;
  return hex && hex.length === 1 ? hex[0] : undefined;
}

function decodeGeneralizedTime(block: asn1js.BaseBlock | undefined): Date {
  if (!block) throw new RevocationSourceError('revoked without a time');
  const reparsed = asn1js.fromBER(block.toBER(false)).result;
  if (reparsed instanceof asn1js.GeneralizedTime) return reparsed.toDate();
  throw new RevocationSourceError('bad revocation time');
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
