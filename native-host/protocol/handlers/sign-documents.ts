/**
 * `host.signDocuments`: one login (TokenService.openSigner) for every document of the request, each signed on
 * its own — one document that fails (damaged PDF, bad anchor) gets its typed error and the others are still
 * signed. A login failure (wrong PIN) fails the whole request and keeps the uploads, so the person can retry.
 * After signing, the uploads are deleted; the results wait in the store until read (host.documentRead).
 */
import type { HostRequestPayload, HostResult } from '../../../shared/protocol/host-messages.js';
import { bytesToBase64 } from '../../../shared/domain/base64.js';
import { serializeError, KysoError } from '../../../shared/errors/kyso-error.js';
import type { DocumentResult } from '../../../shared/protocol/document-schemas.js';
import { documentStoreFor } from '../../documents/document-store.js';
import { signStoredDocument } from '../../documents/sign-stored-document.js';
import type { HandlerContext } from '../handler-context.js';
import { verifyExpectedSigner } from './verify-expected-signer.js';
import { documentsAttempt } from '../../history/host-attempts.js';
import { recordedAttempt } from '../../history/record-attempt.js';
import { withCompleteChain } from '../../formats/cms/complete-chain.js';

export async function signDocuments(context: HandlerContext, payload: HostRequestPayload<'host.signDocuments'>): Promise<HostResult<'host.signDocuments'>> {
  // The record (signing history) is written and fsync'd before the results are handed back.
  return recordedAttempt(documentsAttempt(context, payload), () => signDocumentsNow(context, payload));
}

async function signDocumentsNow(context: HandlerContext, payload: HostRequestPayload<'host.signDocuments'>): Promise<HostResult<'host.signDocuments'>> {
  const store = documentStoreFor(context);
  // Refuse before asking the token when an upload is missing or incomplete: nothing was signed yet.
  for (const item of payload.documents) if (item.handle !== undefined) store.complete(item.handle);
  await verifyExpectedSigner(context, payload.certificateId, payload.expectedSigner);
  // The full chain (token, trust store, AIA) goes into every signature, so verifiers without the intermediate can validate.
  const signer = await withCompleteChain(await context.tokens().openSigner(payload.certificateId, payload.pin));
  const results: DocumentResult[] = [];
  try {
    for (const item of payload.documents) {
      try {
        const signed = await signStoredDocument(store, item, signer);
        results.push({ ok: true, ...signed });
      } catch (error) {
        const kyso = error instanceof KysoError ? error : new KysoError('INTERNAL_ERROR');
        context.logger.log(kyso.code === 'INTERNAL_ERROR' ? 'error' : 'info', 'document not signed', {
          kind: item.kind, code: kyso.code, ...(error instanceof KysoError ? {} : { cause: error instanceof Error ? error.message : String(error) }),
        });
        results.push({ ok: false, error: serializeError(kyso) });
      }
    }
  } finally {
    await signer.close();
    for (const item of payload.documents) if (item.handle !== undefined) await store.discard(item.handle);
  }
  return { certificate: bytesToBase64(signer.certificate), chain: signer.chain.map(bytesToBase64), results };
}
