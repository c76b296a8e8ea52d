/**
 * What the host records for host.signDigest, host.signDigests and host.signDocuments: the checked requester, the digest or the
 * documents' names and SHA-256 values (taken from the upload store BEFORE signing deletes the uploads), and the
 * certificate: for digests the one that signed, as the signing call found it (SignedBy), else — the call failed
 * before it had one — the one the request named, looked up on the token after the failure.
 */
import type { CertificateInfo } from '../../shared/protocol/common.js';
import type { HostRequestPayload, HostResult } from '../../shared/protocol/host-messages.js';
import type { SigningRecordItem } from '../../shared/protocol/signing-history.js';
import { decodeChunk } from '../documents/chunk-base64.js';
import { documentStoreFor } from '../documents/document-store.js';
import type { HandlerContext } from '../protocol/handler-context.js';
import { checkedRequester, type SigningAttempt } from './record-attempt.js';
import { sha256Hex } from './record-line.js';

/**
 * A digest signing call's wire result with the certificate that signed, as the signer found it: the record names it
 * without listing the token's objects again (~3 ms per request: docs/benchmarks.md "Eighth run: signDigests' fixed
 * cost"). A call that failed has none, and the record looks up the certificate the request named.
 */
export interface SignedBy<R> {
  readonly result: R;
  readonly signedWith: CertificateInfo;
}

function recordedCertificate(context: HandlerContext, certificateId: string, signed: SignedBy<unknown> | undefined): Promise<CertificateInfo> {
  return signed ? Promise.resolve(signed.signedWith) : context.tokens().findCertificate(certificateId);
}

/** What a record item says of a digest; `digest` decoded once by the handler, which signs the same bytes. */
function digestFields(hashAlgorithm: HostRequestPayload<'host.signDigest'>['hashAlgorithm'], digest: Uint8Array): Pick<SigningRecordItem, 'hashAlgorithm' | 'digest' | 'sha256'> {
  // Node's codecs: the shared pure-JS hex was most of a 1,000-digest record's ~3 ms.
  return { hashAlgorithm, digest: Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex'), sha256: sha256Hex(digest) };
}

export function digestAttempt(context: HandlerContext, payload: HostRequestPayload<'host.signDigest'>, digest: Uint8Array): SigningAttempt<SignedBy<HostResult<'host.signDigest'>>> {
  return {
    operation: 'signDigest',
    requester: checkedRequester(payload.requester),
    items: [{ kind: 'digest', ...digestFields(payload.hashAlgorithm, digest) }],
    certificate: (signed) => recordedCertificate(context, payload.certificateId, signed),
  };
}

export function digestsAttempt(context: HandlerContext, payload: HostRequestPayload<'host.signDigests'>, digests: readonly Uint8Array[]): SigningAttempt<SignedBy<HostResult<'host.signDigests'>>> {
  return {
    operation: 'signDigests',
    requester: checkedRequester(payload.requester),
    items: digests.map((digest): SigningRecordItem => ({ kind: 'digest', ...digestFields(payload.hashAlgorithm, digest) })),
    certificate: (signed) => recordedCertificate(context, payload.certificateId, signed),
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
      return { ...base, ...digestFields(document.options?.hashAlgorithm ?? 'SHA-256', decodeChunk(document.digest, 'INVALID_HASH')) };
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
