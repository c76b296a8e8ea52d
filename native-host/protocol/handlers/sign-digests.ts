/**
 * `host.signDigests`: the digests the person approved together in ONE consent (kyso.signHashes), signed under
 * one login with the PIN typed in that consent window; logged out before the reply. The PIN lives in this
 * call only; it is never logged or kept.
 */
import type { HostRequestPayload, HostResult } from '../../../shared/protocol/host-messages.js';
import { bytesToBase64 } from '../../../shared/domain/base64.js';
import type { HandlerContext } from '../handler-context.js';
import { verifyExpectedSigner } from './verify-expected-signer.js';
import { digestsAttempt, type SignedBy } from '../../history/host-attempts.js';
import { recordedAttempt } from '../../history/record-attempt.js';
import { decodeChunk, encodeChunk } from '../../documents/chunk-base64.js';

export async function signDigests(context: HandlerContext, payload: HostRequestPayload<'host.signDigests'>): Promise<HostResult<'host.signDigests'>> {
  const digests = payload.digests.map((digest) => decodeChunk(digest, 'INVALID_HASH'));
  // One history record for the batch (every digest listed), written and fsync'd before the signatures leave.
  return (await recordedAttempt(digestsAttempt(context, payload, digests), () => signDigestsNow(context, payload, digests))).result;
}

async function signDigestsNow(context: HandlerContext, payload: HostRequestPayload<'host.signDigests'>, digests: readonly Uint8Array[]): Promise<SignedBy<HostResult<'host.signDigests'>>> {
  // Before login: a wrong signer must never cost a PIN try.
  await verifyExpectedSigner(context, payload.certificateId, payload.expectedSigner);
  const outcome = await context.tokens().signDigests({
    certificateId: payload.certificateId,
    digests,
    hashAlgorithm: payload.hashAlgorithm,
    signatureScheme: payload.signatureScheme,
    pin: payload.pin,
  });
  const result = {
    // Node's codec (documents/chunk-base64.ts): the shared pure-JS one cost ~4 ms per 1,000 signatures.
    signatures: outcome.signatures.map(encodeChunk),
    signatureAlgorithm: outcome.signatureAlgorithm,
    hashAlgorithm: outcome.hashAlgorithm,
    certificate: bytesToBase64(outcome.certificate),
    chain: outcome.chain.map(bytesToBase64),
  };
  return { result, signedWith: outcome.certificateInfo };
}
