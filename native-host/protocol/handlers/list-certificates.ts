/** `host.listCertificates`: certificates on every token, described (Vietnamese identifiers, usability). */
import type { HostRequestPayload, HostResult } from '../../../shared/protocol/host-messages.js';
import type { HandlerContext } from '../handler-context.js';

export async function listCertificates(context: HandlerContext, payload: HostRequestPayload<'host.listCertificates'>): Promise<HostResult<'host.listCertificates'>> {
  return { certificates: await context.tokens().listCertificates(payload.filter) };
}
