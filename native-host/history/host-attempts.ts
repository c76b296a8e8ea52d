/**
 * What the host records for host.signDigest, host.signDigests and host.signDocuments: the checked requester, the digest or the
 * documents' names and SHA-256 values (taken from the upload store BEFORE signing deletes the uploads), and the
 * certificate the request named (from the token service's cache, after signing).
 */
import type { HostRequestPayload, HostResult } from '../../shared/protocol/host-messages.js';
import type { SigningRecordItem } from '../../shared/protocol/signing-history.js';
import { base64ToBytes, bytesToHex } from '../../shared/domain/base64.js';
import { documentStoreFor } from '../documents/document-store.js';
import type { HandlerContext } from '../protocol/handler-context.js';
import { checkedRequester, type SigningAttempt } from './record-attempt.js';
import { sha256Hex } from './record-line.js';

export function digestAttempt(context: HandlerContext, payload: HostRequestPayload<'host.signDigest'>): SigningAttempt<HostResult<'host.signDigest'>> {
  const requester = checkedRequester(payload.requester);
  const digest = base64ToBytes(payload.digest, 'INVALID_HASH');
  return {
    operation: 'signDigest',
    requester,
    items: [{ kind: 'digest', hashAlgorithm: payload.hashAlgorithm, digest: bytesToHex(digest), sha256: sha256Hex(digest) }],
    certificate: () => context.tokens().findCertificate(payload.certificateId),
  };
}

export function digestsAttempt(context: HandlerContext, payload: HostRequestPayload<'host.signDigests'>): SigningAttempt<HostResult<'host.signDigests'>> {
  const requester = checkedRequester(payload.requester);
  return {
    operation: 'signDigests',
    requester,
    items: payload.digests.map((encoded): SigningRecordItem => {
      const digest = base64ToBytes(encoded, 'INVALID_HASH');
      return { kind: 'digest', hashAlgorithm: payload.hashAlgorithm, digest: bytesToHex(digest), sha256: sha256Hex(digest) };
    }),
    certificate: () => context.tokens().findCertificate(payload.certificateId),
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
