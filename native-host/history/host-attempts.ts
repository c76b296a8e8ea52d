/**
 * What the host records for host.signDigest, host.signDigests and host.signDocuments: the checked requester, the digest or the
 * documents' names and SHA-256 values (taken from the upload store BEFORE signing deletes the uploads), and the
 * certificate: the one that signed, as the signing call found it (`signedWith`), else — the call failed before it
 * had one — the one the request named, looked up on the token after the failure.
 */
import type { CertificateInfo } from '../../shared/protocol/common.js';
import type { HostRequestPayload, HostResult } from '../../shared/protocol/host-messages.js';
import type { SigningRecordItem } from '../../shared/protocol/signing-history.js';
import { base64ToBytes, bytesToHex } from '../../shared/domain/base64.js';
import { documentStoreFor } from '../documents/document-store.js';
import { decodeChunk } from '../documents/chunk-base64.js';
import type { HandlerContext } from '../protocol/handler-context.js';
import { checkedRequester, type SigningAttempt } from './record-attempt.js';
import { sha256Hex } from './record-line.js';

/** The certificate a signing call signed with, once it has signed (undefined before, or when it failed). */
export type SignedWith = () => CertificateInfo | undefined;

/**
 * The record's certificate: the signer's when there was one (a look-up after signing listed the token's objects
 * again, ~3 ms per request: docs/benchmarks.md "Eighth run: signDigests' fixed cost"), else the certificate the
 * request named.
 */
function recordedCertificate(context: HandlerContext, certificateId: string, signedWith: SignedWith | undefined): Promise<CertificateInfo> {
  const info = signedWith?.();
  return info ? Promise.resolve(info) : context.tokens().findCertificate(certificateId);
}

export function digestAttempt(context: HandlerContext, payload: HostRequestPayload<'host.signDigest'>, signedWith?: SignedWith): SigningAttempt<HostResult<'host.signDigest'>> {
  const requester = checkedRequester(payload.requester);
  const digest = base64ToBytes(payload.digest, 'INVALID_HASH');
  return {
    operation: 'signDigest',
    requester,
    items: [{ kind: 'digest', hashAlgorithm: payload.hashAlgorithm, digest: bytesToHex(digest), sha256: sha256Hex(digest) }],
    certificate: () => recordedCertificate(context, payload.certificateId, signedWith),
  };
}

export function digestsAttempt(context: HandlerContext, payload: HostRequestPayload<'host.signDigests'>, signedWith?: SignedWith): SigningAttempt<HostResult<'host.signDigests'>> {
  const requester = checkedRequester(payload.requester);
  return {
    operation: 'signDigests',
    requester,
    items: payload.digests.map((encoded): SigningRecordItem => {
      // Node's codecs: the shared pure-JS base64 and hex were most of this map's ~3 ms for 1,000 digests.
      const digest = decodeChunk(encoded, 'INVALID_HASH');
      return { kind: 'digest', hashAlgorithm: payload.hashAlgorithm, digest: Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex'), sha256: sha256Hex(digest) };
    }),
    certificate: () => recordedCertificate(context, payload.certificateId, signedWith),
  };
}

export function documentsAttempt(context: HandlerContext, payload: HostRequestPayload<'host.signDocuments'>): SigningAttempt<HostResult<'host.signDocuments'>> {
  const requester = checkedRequester(payload.requester);
  const store = documentStoreFor(context);
  const names = payload.requester?.documentNames ?? [];
  const items = payload.documents.map((document, i): SigningRecordItem => {
    const name = names[i];
    const base = { kind: document.kind, ...(name ? { name } : {}) };
    if (document.handle !== undefined) {
      try {
        return { ...base, sha256: store.complete(document.handle).sha256 };
      } catch {
        return base; // missing or incomplete upload: the signing call refuses it, and the record says so
      }
    }
    if (document.kind === 'cms' && document.digest !== undefined) {
      const digest = base64ToBytes(document.digest, 'INVALID_HASH');
      return { ...base, hashAlgorithm: document.options?.hashAlgorithm ?? 'SHA-256', digest: bytesToHex(digest), sha256: sha256Hex(digest) };
    }
    return base;
  });
  return {
    operation: 'signDocuments',
    requester,
    items,
    certificate: () => context.tokens().findCertificate(payload.certificateId),
    outcome: (result) => {
      const withResults = items.map((item, i): SigningRecordItem => {
        const outcome = result.results[i];
        if (!outcome) return item;
        return outcome.ok ? { ...item, resultSha256: outcome.sha256 } : { ...item, error: outcome.error.code };
      });
      const failed = result.results.filter((r) => !r.ok);
      const firstError = failed[0];
      return {
        items: withResults,
        result: failed.length === 0 ? 'ok' : failed.length === result.results.length ? 'error' : 'partial',
        ...(firstError && !firstError.ok ? { error: firstError.error.code } : {}),
      };
    },
  };
}
