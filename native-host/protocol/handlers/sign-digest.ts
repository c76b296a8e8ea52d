/**
 * `host.signDigest`: log in with the PIN the person typed in the consent window, sign the digest, log out.
 * The PIN lives in this call only; it is never logged or kept.
 */
import type { CertificateInfo } from '../../../shared/protocol/common.js';
import type { HostRequestPayload, HostResult } from '../../../shared/protocol/host-messages.js';
import { base64ToBytes, bytesToBase64 } from '../../../shared/domain/base64.js';
import type { HandlerContext } from '../handler-context.js';
import { verifyExpectedSigner } from './verify-expected-signer.js';
import { digestAttempt } from '../../history/host-attempts.js';
import { recordedAttempt } from '../../history/record-attempt.js';
import { completeChain } from '../../formats/cms/complete-chain.js';

export async function signDigest(context: HandlerContext, payload: HostRequestPayload<'host.signDigest'>): Promise<HostResult<'host.signDigest'>> {
  // The record (signing history) is written and fsync'd before the signature leaves this function.
  let signedWith: CertificateInfo | undefined;
  return recordedAttempt(digestAttempt(context, payload, () => signedWith), () => signDigestNow(context, payload, (info) => { signedWith = info; }));
}

async function signDigestNow(context: HandlerContext, payload: HostRequestPayload<'host.signDigest'>, signed: (info: CertificateInfo) => void): Promise<HostResult<'host.signDigest'>> {
  const digest = base64ToBytes(payload.digest, 'INVALID_HASH');
  // Before login: a wrong signer must never cost a PIN try.
  await verifyExpectedSigner(context, payload.certificateId, payload.expectedSigner);
  const outcome = await context.tokens().signDigest({
    certificateId: payload.certificateId,
    digest,
    hashAlgorithm: payload.hashAlgorithm,
    signatureScheme: payload.signatureScheme,
    pin: payload.pin,
  });
  signed(outcome.certificateInfo);
  return {
    signature: bytesToBase64(outcome.signature),
    signatureAlgorithm: outcome.signatureAlgorithm,
    hashAlgorithm: outcome.hashAlgorithm,
    certificate: bytesToBase64(outcome.certificate),
    // The full chain (token, trust store, AIA), for the portal's own CMS: a verifier without the intermediate can validate.
    chain: (await completeChain(outcome)).map(bytesToBase64),
  };
}
