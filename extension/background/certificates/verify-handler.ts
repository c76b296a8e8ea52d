/**
 * `kyso.verify`: pass the document to the host's verifier and the report back. Decided: no consent window and
 * no site question — verification needs no token and no PIN and reveals nothing about the person; the access
 * policy still applies (policy operation "verify", refused without a prompt for unlisted sites, see
 * access/operations.ts), so only allowed portals can make the host verify (and fetch OCSP/CRL) for them.
 */
import { HOST_QUICK_REQUEST_TIMEOUT_MS } from '../../../shared/limits.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { PageRequestPayload, PageResult } from '../../../shared/protocol/page-messages.js';
import type { NativeHostClient } from '../native/host-client.js';

export async function verifyForPage(
  host: Pick<NativeHostClient, 'request'>, payload: PageRequestPayload<'kyso.verify'>, signal: AbortSignal, askOrigins: readonly string[] = [],
): Promise<PageResult<'kyso.verify'>> {
  // The policy never says "ask" for verify (mayAskPerson false); if it ever did, refuse rather than verify unasked.
  if (askOrigins.length > 0) throw new KysoError('ORIGIN_NOT_ALLOWED', { origin: askOrigins[0]!.slice(0, 255) });
  // Revocation checks may take a few network round trips; the quick deadline (30 s) covers the verifier's own timeouts.
  return host.request('host.verifyDocument', payload, { timeoutMs: HOST_QUICK_REQUEST_TIMEOUT_MS, signal });
}
