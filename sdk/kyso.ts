/**
 * Kyso page SDK: what a portal imports to ask the person to sign with their USB token.
 *
 *   import { getStatus, listCertificates, signHash, KysoError } from './kyso.js';
 *   const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
 *   const { signature, certificate } = await signHash({ hash: toBase64(digest), hashAlgorithm: 'SHA-256' });
 *
 * Every failure is a `KysoError` with a stable `.code` (see the error catalogue).
 */
import { KysoError } from '../shared/errors/kyso-error.js';
import { base64ToBytes, bytesToBase64 } from '../shared/domain/base64.js';
import { SCHEMES_FOR_KEY } from '../shared/domain/algorithms.js';
import type { CertificateFilter, CertificateInfo, SignatureResult, SignaturesResult } from '../shared/protocol/common.js';
import type { PageRequestPayload } from '../shared/protocol/page-messages.js';
import { createTransport, type Call, type TransportOptions } from './transport.js';
import { digestVerifier, verifyDigestSignature } from './verify/verify-signature.js';
import { authenticateAndCheck, type AuthenticateParams, type AuthToken } from './auth.js';
import { verifyWith, type VerificationReport, type VerifyOptions } from './verify-document.js';
import { readStatus, type KysoStatus } from './status.js';

export { KysoError };
export { signPdf, signXml, signCms, signBatch } from './documents.js';
export type { SignPdfParams, SignXmlParams, SignCmsParams, SignBatchParams, SignedDocument, SignedCms, SignBatchResult, BatchDocument, BatchItemResult, DocumentInput } from './documents.js';
export type { CertificateFilter, CertificateInfo, SignatureResult, SignaturesResult };
export type { KysoStatus, MissingPiece, ExtensionMissingStatus, ExtensionStatus } from './status.js';
export type SignHashParams = PageRequestPayload<'kyso.signHash'>;
export type SignHashesParams = PageRequestPayload<'kyso.signHashes'>;
export type { AuthenticateParams, AuthToken };
export type { VerificationReport, VerifyOptions };

export interface KysoClient {
  getStatus(): Promise<KysoStatus>;
  listCertificates(filter?: CertificateFilter): Promise<CertificateInfo[]>;
  signHash(params: SignHashParams): Promise<SignatureResult>;
  signHashes(params: SignHashesParams): Promise<SignaturesResult>;
  authenticate(params: AuthenticateParams): Promise<AuthToken>;
  verify(document: Uint8Array | ArrayBuffer, options?: VerifyOptions): Promise<VerificationReport>;
}

/** A client bound to a window (the default functions use the page's own window). */
export function createClient(options: TransportOptions): KysoClient {
  const call = createTransport(options);
  return {
    getStatus: () => readStatus((request) => call('kyso.getStatus', request)),
    listCertificates: async (filter) => (await call('kyso.listCertificates', filter ? { filter } : {})).certificates,
    signHash: (params) => signAndCheck(call, params),
    signHashes: (params) => signManyAndCheck(call, params),
    authenticate: (params) => authenticateAndCheck(call, params, options.origin),
    verify: (document, verifyOptions) => verifyWith(call, document, verifyOptions),
  };
}

/** Sign, then check the signature against the returned certificate before the portal sees it. */
async function signAndCheck(call: Call, params: SignHashParams): Promise<SignatureResult> {
  const result = await call('kyso.signHash', params);
  if (result.hashAlgorithm !== params.hashAlgorithm) throw new KysoError('PROTOCOL_ERROR', { reason: 'hash algorithm changed' });
  if (params.signatureScheme && result.signatureAlgorithm !== params.signatureScheme) throw new KysoError('PROTOCOL_ERROR', { reason: 'signature scheme changed' });
  const certificate = base64ToBytes(result.certificate, 'PROTOCOL_ERROR');
  if (params.certificateId && params.certificateId !== await certificateId(certificate)) {
    throw new KysoError('PROTOCOL_ERROR', { reason: 'signed with another certificate' });
  }
  const valid = await verifyDigestSignature({
    certificate,
    digest: base64ToBytes(params.hash, 'INVALID_HASH'),
    hashAlgorithm: params.hashAlgorithm,
    scheme: result.signatureAlgorithm,
    signature: base64ToBytes(result.signature, 'PROTOCOL_ERROR'),
  });
  if (!valid) throw new KysoError('PROTOCOL_ERROR', { reason: 'signature does not verify' });
  return result;
}

/**
 * Sign many digests under one consent, then check EVERY signature against the returned certificate and its own
 * digest (in order) before the portal sees any: one wrong or swapped signature fails the whole call.
 */
async function signManyAndCheck(call: Call, params: SignHashesParams): Promise<SignaturesResult> {
  const result = await call('kyso.signHashes', params);
  if (result.hashAlgorithm !== params.hashAlgorithm) throw new KysoError('PROTOCOL_ERROR', { reason: 'hash algorithm changed' });
  if (params.signatureScheme && result.signatureAlgorithm !== params.signatureScheme) throw new KysoError('PROTOCOL_ERROR', { reason: 'signature scheme changed' });
  if (result.signatures.length !== params.hashes.length) throw new KysoError('PROTOCOL_ERROR', { reason: 'signature count differs from hash count' });
  const certificate = base64ToBytes(result.certificate, 'PROTOCOL_ERROR');
  if (params.certificateId && params.certificateId !== await certificateId(certificate)) {
    throw new KysoError('PROTOCOL_ERROR', { reason: 'signed with another certificate' });
  }
  const check = await digestVerifier(certificate, params.hashAlgorithm, result.signatureAlgorithm);
  if (!check) throw new KysoError('PROTOCOL_ERROR', { reason: 'certificate key cannot be read' });
  for (let index = 0; index < params.hashes.length; index++) {
    const valid = await check(base64ToBytes(params.hashes[index]!.hash, 'INVALID_HASH'), base64ToBytes(result.signatures[index]!, 'PROTOCOL_ERROR'));
    if (!valid) throw new KysoError('PROTOCOL_ERROR', { reason: 'signature does not verify', index });
  }
  return result;
}

/** Kyso certificate id: base64url SHA-256 of the DER (as listCertificates returns it). */
async function certificateId(der: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', der as BufferSource));
  return bytesToBase64(digest).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

let pageClient: KysoClient | undefined;
function client(): KysoClient {
  pageClient ??= createClient({ target: window, origin: location.origin });
  return pageClient;
}

/**
 * Extension, host, driver and token state; `missing` names the first piece the person lacks ('extension' |
 * 'host' | 'driver' | 'token', null when all are there) so the portal can show the right install link
 * (sdk/README.md). Never asks the person (unless the site still needs their permission).
 */
export function getStatus(): Promise<KysoStatus> {
  return client().getStatus();
}

/** Certificates on the plugged-in tokens (optionally filtered). */
export function listCertificates(filter?: CertificateFilter): Promise<CertificateInfo[]> {
  return client().listCertificates(filter);
}

/**
 * Ask the person to sign a hash: Kyso's window shows your site, the description and the digest; the person
 * picks a certificate and types the PIN. Resolves with a signature already checked against the certificate.
 */
export function signHash(params: SignHashParams): Promise<SignatureResult> {
  return client().signHash(params);
}

/**
 * Ask the person to sign many digests at once (e-invoices, records): ONE window shows your site, your
 * description, the count and the items' descriptions; one PIN; `signatures[i]` signs `hashes[i].hash`, each
 * already checked against the certificate. Raw signing like signHash: the site must be opted in the same way.
 */
export function signHashes(params: SignHashesParams): Promise<SignaturesResult> {
  return client().signHashes(params);
}

/**
 * Sign in with the token [after Web eID]: pass a fresh random challenge from your server (base64, 32–128
 * bytes); the person approves "Sign in to <your origin>" and types the PIN. Send the returned token to your
 * server and check it there with `verifyAuthToken` from `server.js` (origin, challenge, signature, trust).
 */
export function authenticate(params: AuthenticateParams): Promise<AuthToken> {
  return client().authenticate(params);
}

/**
 * Verify the signatures of a PDF, XML or CMS document (≤ 5.75 MiB with its content) with Kyso's verifier on the
 * person's computer: no window, no PIN. `report.status` is valid | invalid | indeterminate; each signature has
 * its signer (identifiers MST/CCCD…), chain, revocation and reasons in Vietnamese and English.
 */
export function verify(document: Uint8Array | ArrayBuffer, options?: VerifyOptions): Promise<VerificationReport> {
  return client().verify(document, options);
}

/** Convenience for portals: bytes ⇄ base64, the encoding every Kyso field uses. */
export const toBase64 = bytesToBase64;
export const fromBase64 = (text: string): Uint8Array => base64ToBytes(text);

/** Signature schemes a key type can produce (the first is what Kyso uses by default). */
export const SIGNATURE_SCHEMES_FOR_KEY = SCHEMES_FOR_KEY;
