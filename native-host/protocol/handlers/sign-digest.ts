/**
 * `host.signDigest`: log in with the PIN the person typed in the consent window, sign the digest, log out.
 * The PIN lives in this call only; it is never logged or kept.
 */
import type { HostRequestPayload, HostResult } from '../../../shared/protocol/host-messages.js';
import { bytesToBase64 } from '../../../shared/domain/base64.js';
import { decodeChunk } from '../../documents/chunk-base64.js';
import type { HandlerContext } from '../handler-context.js';
import { verifyExpectedSigner } from './verify-expected-signer.js';
import { digestAttempt, type SignedBy } from '../../history/host-attempts.js';
import { recordedAttempt } from '../../history/record-attempt.js';
import { completeChain } from '../../formats/cms/complete-chain.js';

export async function signDigest(context: HandlerContext, payload: HostRequestPayload<'host.signDigest'>): Promise<HostResult<'host.signDigest'>> {
  const digest = decodeChunk(payload.digest, 'INVALID_HASH');
  // The record (signing history) is written and fsync'd before the signature leaves this function.
  return (await recordedAttempt(digestAttempt(context, payload, digest), () => signDigestNow(context, payload, digest))).result;
}

async function signDigestNow(context: HandlerContext, payload: HostRequestPayload<'host.signDigest'>, digest: Uint8Array): Promise<SignedBy<HostResult<'host.signDigest'>>> {
  // Before login: a wrong signer must never cost a PIN try.
  await verifyExpectedSigner(context, payload.certificateId, payload.expectedSigner);
  const outcome = await context.tokens().signDigest({
    certificateId: payload.certificateId,
    digest,
    hashAlgorithm: payload.hashAlgorithm,
    signatureScheme: payload.signatureScheme,
    pin: payload.pin,
  });
  const result = {
    signature: bytesToBase64(outcome.signature),
    signatureAlgorithm: outcome.signatureAlgorithm,
    hashAlgorithm: outcome.hashAlgorithm,
    certificate: bytesToBase64(outcome.certificate),
    // The full chain (token, trust store, AIA), for the portal's own CMS: a verifier without the intermediate can validate.
    chain: (await completeChain(outcome)).map(bytesToBase64),
  };
  return { result, signedWith: outcome.certificateInfo };
}
