/**
 * Which origins may ask for signatures. The decision is made in the background from the browser's
 * `sender`, never from the page's payload.
 *
 * INTERFACE CONTRACT (used by the router and the consent window; keep it stable):
 *   decideAccess(request) → allow | ask (the person decides in the extension's own window) | deny with a code
 *   rememberUserChoice(origin, 'always' | 'block')
 *
 * The decision table lives in access-decision.ts (pure, unit-tested); admin policy parsing in
 * managed-policy.ts; the person's list in user-allowlist.ts; storage access in browser-storage.ts.
 */
import { parseRequesterOrigin } from '../../../shared/domain/origin.js';
import type { ErrorCode } from '../../../shared/errors/catalogue.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { PageOperation } from '../../../shared/protocol/page-messages.js';
import { IS_DEVELOPMENT_BUILD } from '../../platform/build-flags.js';
import { decideAccessFrom } from './access-decision.js';
import {
  onManagedStorageChanged, readManagedStorage, readRawSigningOptInsRaw, readUserOriginsRaw, writeRawSigningOptIns, writeUserOrigins,
} from './browser-storage.js';
import { NO_POLICY, parseManagedPolicy, type ManagedPolicy } from './managed-policy.js';
import { parseRawSigningOptIns, withRawSigningOrigin, withoutRawSigningOrigin, type RawSigningOptIn } from './raw-signing-opt-ins.js';
import { parseUserOrigins, withUserDecision, withoutUserOrigin, type UserOriginEntry } from './user-allowlist.js';

export interface AccessRequest {
  /** Origin of the frame that sent the message (from `sender`). */
  readonly frameOrigin: string;
  /** Origin of the tab's top-level page (from `sender.tab.url`), when known. */
  readonly topOrigin: string | undefined;
  readonly operation: PageOperation;
}

export type AccessDecision =
  | { readonly kind: 'allow' }
  /** `origins` (added): normalised origins the person must decide on — the frame's and/or the top page's. */
  | { readonly kind: 'ask'; readonly origins?: readonly string[] }
  /** `reason` (added): e.g. 'raw-signing-not-enabled', so the page's error says what would enable it. */
  | { readonly kind: 'deny'; readonly code: ErrorCode; readonly origin?: string; readonly reason?: string };

export type UserSiteChoice = 'always' | 'block';

export async function decideAccess(request: AccessRequest): Promise<AccessDecision> {
  const [policy, userOrigins, rawSigning] = await Promise.all([readManagedPolicy(), readUserOrigins(), readRawSigningOptIns()]);
  const rawSigningOrigins = rawSigning.map((e) => e.origin);
  const verdict = decideAccessFrom(request, { policy, userOrigins, rawSigningOrigins, isDevelopmentBuild: IS_DEVELOPMENT_BUILD });
  switch (verdict.kind) {
    case 'allow': return { kind: 'allow' };
    case 'ask': return { kind: 'ask', origins: verdict.origins };
    case 'deny': return {
      kind: 'deny', code: verdict.code, ...(verdict.origin ? { origin: verdict.origin } : {}),
      ...(verdict.reason === 'raw-signing-not-enabled' || verdict.reason === 'not-in-policy' ? { reason: verdict.reason } : {}),
    };
  }
}

/**
 * Remember the person's answer for one origin. Throws KysoError ORIGIN_NOT_ALLOWED for a malformed origin,
 * and for 'always' when admin policy does not let persons allow sites (a 'block' is always accepted).
 */
export async function rememberUserChoice(origin: string, choice: UserSiteChoice): Promise<void> {
  const parsed = parseRequesterOrigin(origin);
  if (!parsed.ok) throw new KysoError('ORIGIN_NOT_ALLOWED', { reason: parsed.problem });
  if (choice === 'always' && !(await readManagedPolicy()).allowUserOrigins) throw new KysoError('ORIGIN_NOT_ALLOWED', { reason: 'policy-forbids-user-origins' });
  const entries = await readUserOrigins();
  await writeUserOrigins(withUserDecision(entries, parsed.value.serialized, choice === 'always' ? 'allow' : 'block', Date.now()));
}

/** Options page: forget the person's decision for an origin (it will be asked about again). */
export async function forgetUserChoice(origin: string): Promise<void> {
  await writeUserOrigins(withoutUserOrigin(await readUserOrigins(), origin));
}

/**
 * Options page only: let one exact origin use raw-hash signing (`signHash`), after the person read the warning
 * that such a signature can sign them in anywhere. Throws ORIGIN_NOT_ALLOWED for a malformed origin or a
 * pattern, and when admin policy does not let persons allow sites. There is deliberately no message through
 * which the consent window or a page could call this.
 */
export async function enableRawSigning(origin: string): Promise<void> {
  const parsed = parseRequesterOrigin(origin);
  if (!parsed.ok) throw new KysoError('ORIGIN_NOT_ALLOWED', { reason: parsed.problem });
  if (!(await readManagedPolicy()).allowUserOrigins) throw new KysoError('ORIGIN_NOT_ALLOWED', { reason: 'policy-forbids-user-origins' });
  await writeRawSigningOptIns(withRawSigningOrigin(await readRawSigningOptIns(), parsed.value.serialized, Date.now()));
}

export async function disableRawSigning(origin: string): Promise<void> {
  await writeRawSigningOptIns(withoutRawSigningOrigin(await readRawSigningOptIns(), origin));
}

export async function readRawSigningOptIns(): Promise<RawSigningOptIn[]> {
  return parseRawSigningOptIns(await readRawSigningOptInsRaw());
}

/**
 * Admin policy changes rarely (the browser re-reads it at start or on its policy refresh), so the parsed
 * policy is kept until storage.onChanged reports a change in the managed area. The person's list is read
 * fresh for every decision: a block they just added must apply to the very next request.
 */
let managedPolicyCache: Promise<ManagedPolicy> | undefined;
let watchingManagedChanges = false;

export async function readManagedPolicy(): Promise<ManagedPolicy> {
  if (!watchingManagedChanges) {
    watchingManagedChanges = true;
    onManagedStorageChanged(() => { managedPolicyCache = undefined; });
  }
  if (managedPolicyCache) return managedPolicyCache;
  const pending = readManagedStorage().then((read) => {
    if (read.kind === 'timeout' && managedPolicyCache === pending) managedPolicyCache = undefined; // ask again next time
    return read.kind === 'values' ? parseManagedPolicy(read.values) : NO_POLICY;
  });
  managedPolicyCache = pending;
  return pending;
}

/**
 * Start reading admin policy now, so the first page request does not wait for Chromium's managed-storage
 * start-up (≈ 2 s after the extension starts). Call once from the background's start-up code.
 */
export function warmAccessPolicy(): void {
  void readManagedPolicy();
}

/** Straight from storage (the options page shows what the browser holds right now). */
export async function readManagedPolicyUncached(): Promise<ManagedPolicy> {
  const read = await readManagedStorage();
  return read.kind === 'values' ? parseManagedPolicy(read.values) : NO_POLICY;
}

export async function readUserOrigins(): Promise<UserOriginEntry[]> {
  return parseUserOrigins(await readUserOriginsRaw());
}
