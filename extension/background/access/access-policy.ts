/**
 * Which origins may ask for signatures. The decision is made in the background from the browser's
 * `sender`, never from the page's payload.
 *
 * INTERFACE CONTRACT (used by the router and the consent window; keep it stable):
 *   decideAccess(request) → allow | ask (the person decides in the extension's own window) | deny with a code
 *   rememberUserChoice(origin, 'always' | 'block')
 *
 * First slice (spine): development builds allow http://localhost and http://127.0.0.1 on any port;
 * everything else is denied. The trust-boundary issue replaces the body with admin policy + user allowlist.
 */
import type { ErrorCode } from '../../../shared/errors/catalogue.js';
import type { PageOperation } from '../../../shared/protocol/page-messages.js';
import { IS_DEVELOPMENT_BUILD } from '../../platform/build-flags.js';

export interface AccessRequest {
  /** Origin of the frame that sent the message (from `sender`). */
  readonly frameOrigin: string;
  /** Origin of the tab's top-level page (from `sender.tab.url`), when known. */
  readonly topOrigin: string | undefined;
  readonly operation: PageOperation;
}

export type AccessDecision =
  | { readonly kind: 'allow' }
  | { readonly kind: 'ask' }
  | { readonly kind: 'deny'; readonly code: ErrorCode };

export type UserSiteChoice = 'always' | 'block';

export async function decideAccess(request: AccessRequest): Promise<AccessDecision> {
  const origins = [request.frameOrigin, request.topOrigin ?? request.frameOrigin];
  for (const origin of origins) {
    const verdict = classify(origin);
    if (verdict.kind !== 'allow') return verdict;
  }
  return { kind: 'allow' };
}

export async function rememberUserChoice(_origin: string, _choice: UserSiteChoice): Promise<void> {
  // The spine has no user allowlist yet; see the trust-boundary issue.
}

function classify(origin: string): AccessDecision {
  let url: URL;
  try { url = new URL(origin); } catch { return { kind: 'deny', code: 'ORIGIN_NOT_ALLOWED' }; }
  const isLocal = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol === 'http:' && !isLocal) return { kind: 'deny', code: 'INSECURE_ORIGIN' };
  if (IS_DEVELOPMENT_BUILD && isLocal && (url.protocol === 'http:' || url.protocol === 'https:')) return { kind: 'allow' };
  return { kind: 'deny', code: 'ORIGIN_NOT_ALLOWED' };
}
