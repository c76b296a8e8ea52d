/**
 * `host.revealCertificates`: a token that shows its certificates only after login is opened once with the PIN the
 * person typed in the consent window; its certificates are remembered (token-service.ts) and listed from then on.
 * The PIN lives in this call only; it is never logged or kept.
 */
import type { HostRequestPayload, HostResult } from '../../../shared/protocol/host-messages.js';
import type { HandlerContext } from '../handler-context.js';

export async function revealCertificates(context: HandlerContext, payload: HostRequestPayload<'host.revealCertificates'>): Promise<HostResult<'host.revealCertificates'>> {
  return { certificateCount: await context.tokens().revealCertificates(payload.tokenId, payload.pin) };
}
