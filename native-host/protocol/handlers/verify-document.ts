/**
 * `host.verifyDocument`: verify every signature of a PDF, XML or CMS document sent inline (base64, see
 * shared/protocol/verify-document-request.ts for the size bound) against the host's trust store
 * (KYSO_TRUST_DIR) plus any roots the caller names for this call. No token, no PIN.
 */
import type { HostRequestPayload, HostResult } from '../../../shared/protocol/host-messages.js';
import { base64ToBytes } from '../../../shared/domain/base64.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { TrustStore, parseCertificates } from '../../trust/trust-store.js';
import { verifyDocument as verify } from '../../verify/verify-document.js';
import type { HandlerContext } from '../handler-context.js';

export async function verifyDocument(_context: HandlerContext, payload: HostRequestPayload<'host.verifyDocument'>): Promise<HostResult<'host.verifyDocument'>> {
  const document = base64ToBytes(payload.document, 'BAD_REQUEST');
  const content = payload.content !== undefined ? base64ToBytes(payload.content, 'BAD_REQUEST') : undefined;
  let trust = await TrustStore.load({ useEnvironment: true });
  if (payload.trustRoots?.length) {
    const extra = payload.trustRoots.flatMap((root) => {
      try {
        return parseCertificates(base64ToBytes(root, 'BAD_REQUEST'));
      } catch {
        throw new KysoError('INVALID_DOCUMENT', { what: 'a trust root is not a certificate' });
      }
    });
    trust = trust.with(extra);
  }
  const report = await verify(document, {
    trust,
    checkRevocation: payload.checkRevocation ?? true,
    ...(content ? { content } : {}),
    ...(payload.requireElement !== undefined ? { requireElement: payload.requireElement } : {}),
  });
  // The report type allows readonly arrays; the result schema re-validates it in the dispatcher.
  return report as unknown as HostResult<'host.verifyDocument'>;
}
