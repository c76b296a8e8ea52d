/**
 * `host.verifyDocument`: verify every signature of a PDF, XML or CMS document sent inline (base64, see
 * shared/protocol/verify-document-request.ts for the size bound) against the host's trust store
 * (KYSO_TRUST_DIR) plus any roots the caller names for this call. No token, no PIN.
 *
 * The caller is the extension acting for a PAGE (the CLI calls the verifier directly), so: the page's roots count
 * for its report only and never lead to a network request (TrustStore.withReportOnlyRoots), and the report leaves
 * out per-URL network errors — "connection refused" vs "HTTP 404" vs "timed out" per URL would tell a page what
 * answers on the person's network [security.md "Revocation fetches as a network probe (SSRF)"].
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
    trust = trust.withReportOnlyRoots(extra);
  }
  const report = await verify(document, {
    trust,
    checkRevocation: payload.checkRevocation ?? true,
    ...(content ? { content } : {}),
    ...(payload.requireElement !== undefined ? { requireElement: payload.requireElement } : {}),
    // The caller's format hint and weak-algorithm policy, as `kyso verify --format/--policy` (one rule for all callers).
    ...(payload.format !== undefined ? { format: payload.format } : {}),
    ...(payload.acceptWeakAlgorithms !== undefined ? { algorithmPolicy: { acceptWeakAlgorithms: { use: payload.acceptWeakAlgorithms.use } } } : {}),
  });
  // The report type allows readonly arrays; the result schema re-validates it in the dispatcher.
  return withoutNetworkDetails(report) as unknown as HostResult<'host.verifyDocument'>;
}

/** What a page is told when revocation could not be checked, whatever the network said. */
export const PAGE_REVOCATION_NOT_CHECKED = 'revocation status could not be checked';

/**
 * The report as a page may see it: a "could-not-check" keeps its status but loses the per-URL attempts and the
 * joined error text, and REVOCATION_NOT_CHECKED reasons lose their detail (the same text). The CLI keeps them.
 */
export function withoutNetworkDetails<T>(report: T): T {
  const scrub = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(scrub);
    if (value === null || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    if (record.status === 'could-not-check' && Array.isArray(record.attempts)) return { status: 'could-not-check', why: PAGE_REVOCATION_NOT_CHECKED, attempts: [] };
    if (record.code === 'REVOCATION_NOT_CHECKED' && 'detail' in record) { const { detail: _d, ...rest } = record; return rest; }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, scrub(v)]));
  };
  return scrub(report) as T;
}
