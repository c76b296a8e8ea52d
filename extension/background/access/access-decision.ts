/**
 * The access decision as a pure function: no browser, no storage — everything it needs is passed in,
 * so the whole decision table is unit-tested (test/unit/access-decision.test.ts).
 *
 * Order (first match wins), applied to the requesting frame's origin AND the tab's top origin:
 *  1. malformed / opaque / not secure        → deny INSECURE_ORIGIN (http, non-loopback) or ORIGIN_NOT_ALLOWED
 *  2. blocked by admin policy                → deny ORIGIN_BLOCKED
 *  3. blocked by the person                  → deny ORIGIN_BLOCKED   (a person may refuse a site an admin allowed)
 *  4. allowed by policy, by the person (only while policy lets persons allow sites), or a loopback
 *     origin in a development build         → allowed
 *  5. otherwise unknown.
 * Then: both allowed → per-site operations check (OPERATION_NOT_ALLOWED) → raw-signing opt-in check
 * (OPERATION_NOT_ALLOWED, reason 'raw-signing-not-enabled'; operations.ts "THE RAW-SIGNING RULE") → allow.
 * Some unknown → operations check; then if the operation may prompt and policy lets persons allow sites
 * → ask (the consent window shows both origins); else deny ORIGIN_NOT_ALLOWED.
 * Status and certificate listing never prompt: an unlisted site gets ORIGIN_NOT_ALLOWED and learns nothing
 * about the host or tokens (it does learn the extension is installed, from the SDK's acknowledgement).
 */
import {
  entryMatchesOrigin, entrySpecificity, isLoopbackHost, isSecureRequesterOrigin, parseRequesterOrigin,
  type Origin, type OriginEntry, type OriginProblem,
} from '../../../shared/domain/origin.js';
import type { ErrorCode } from '../../../shared/errors/catalogue.js';
import type { ManagedPolicy } from './managed-policy.js';
import { operationAccess, type PolicyOperation } from './operations.js';
import type { UserOriginEntry } from './user-allowlist.js';

export interface AccessInput {
  /** Origin of the frame that sent the message, as the browser reported it. */
  readonly frameOrigin: string;
  /** Origin (or URL) of the tab's top-level page; undefined when the sender is the top frame or unknown. */
  readonly topOrigin: string | undefined;
  /** Page operation name (`kyso.signHash` …). */
  readonly operation: string;
}

export interface AccessContext {
  readonly policy: ManagedPolicy;
  readonly userOrigins: readonly UserOriginEntry[];
  /** Origins the person enabled raw-hash signing for on the options page (serialized, exact). */
  readonly rawSigningOrigins: readonly string[];
  readonly isDevelopmentBuild: boolean;
}

/** Why an operation was refused for a site that is otherwise allowed. */
export type OperationRefusal = 'unknown-operation' | 'not-in-policy' | 'raw-signing-not-enabled';

export type AccessVerdict =
  | { readonly kind: 'allow'; readonly origins: readonly string[] }
  /** `origins`: the normalised origins the person must decide on (the frame's and/or the top page's). */
  | { readonly kind: 'ask'; readonly origins: readonly string[] }
  | { readonly kind: 'deny'; readonly code: ErrorCode; readonly origin?: string; readonly reason?: OriginProblem | OperationRefusal };

type OriginStatus = 'allowed' | 'unknown';

export function decideAccessFrom(input: AccessInput, context: AccessContext): AccessVerdict {
  const access = operationAccess(input.operation);
  if (!access) return { kind: 'deny', code: 'OPERATION_NOT_ALLOWED', reason: 'unknown-operation' };

  // 1. Both origins must be well-formed and secure before anything else is looked at.
  const origins: Origin[] = [];
  for (const raw of input.topOrigin === undefined ? [input.frameOrigin] : [input.frameOrigin, input.topOrigin]) {
    const parsed = parseRequesterOrigin(raw);
    if (!parsed.ok) return { kind: 'deny', code: 'ORIGIN_NOT_ALLOWED', reason: parsed.problem };
    const origin = parsed.value;
    if (!isSecureRequesterOrigin(origin, { allowLoopbackHttp: context.isDevelopmentBuild })) {
      const code = origin.scheme === 'http' && !isLoopbackHost(origin.host) ? 'INSECURE_ORIGIN' : 'ORIGIN_NOT_ALLOWED';
      return { kind: 'deny', code, origin: origin.serialized, reason: 'insecure-scheme' };
    }
    if (!origins.some((o) => o.serialized === origin.serialized)) origins.push(origin);
  }

  // 2–3. A block on either origin wins over every allow.
  for (const origin of origins) {
    if (context.policy.blocked.some((e) => entryMatchesOrigin(e, origin))) return { kind: 'deny', code: 'ORIGIN_BLOCKED', origin: origin.serialized };
    if (userDecision(context.userOrigins, origin) === 'block') return { kind: 'deny', code: 'ORIGIN_BLOCKED', origin: origin.serialized };
  }

  // 4–5.
  const statuses = origins.map((origin) => ({ origin, status: statusOf(origin, context) }));

  if (access.policyName !== undefined) {
    for (const { origin } of statuses) {
      if (!operationPermitted(context.policy, origin, access.policyName)) {
        return { kind: 'deny', code: 'OPERATION_NOT_ALLOWED', origin: origin.serialized, reason: 'not-in-policy' };
      }
    }
  }
  // Raw signing: every origin involved (the frame's and the top page's) must be opted in. A development
  // build's loopback trust does not extend to it: tests and the demo opt in like a person would.
  if (access.rawSigning) {
    for (const { origin } of statuses) {
      if (!rawSigningEnabled(context, origin, access.policyName)) {
        return { kind: 'deny', code: 'OPERATION_NOT_ALLOWED', origin: origin.serialized, reason: 'raw-signing-not-enabled' };
      }
    }
  }

  const unknown = statuses.filter((s) => s.status === 'unknown').map((s) => s.origin.serialized);
  if (unknown.length === 0) return { kind: 'allow', origins: origins.map((o) => o.serialized) };
  if (access.mayAskPerson && context.policy.allowUserOrigins) return { kind: 'ask', origins: unknown };
  return { kind: 'deny', code: 'ORIGIN_NOT_ALLOWED', ...(unknown[0] ? { origin: unknown[0] } : {}) };
}

function statusOf(origin: Origin, context: AccessContext): OriginStatus {
  if (context.policy.allowed.some((e) => entryMatchesOrigin(e, origin))) return 'allowed';
  // When policy forbids persons to allow sites, their earlier "always" no longer counts (their blocks still do).
  if (context.policy.allowUserOrigins && userDecision(context.userOrigins, origin) === 'allow') return 'allowed';
  if (context.isDevelopmentBuild && isLoopbackHost(origin.host)) return 'allowed';
  return 'unknown';
}

function userDecision(entries: readonly UserOriginEntry[], origin: Origin): UserOriginEntry['decision'] | undefined {
  return entries.find((e) => e.origin === origin.serialized)?.decision;
}

/**
 * The most specific `operations` rule that matches the origin decides (exact origin over pattern, longer
 * pattern over shorter); no matching rule = every operation permitted, except raw signing (below).
 */
export function operationPermitted(policy: ManagedPolicy, origin: Origin, operation: PolicyOperation): boolean {
  const rule = operationRuleFor(policy, origin);
  return rule === undefined || rule.operations.has(operation);
}

function operationRuleFor(policy: ManagedPolicy, origin: Origin): { entry: OriginEntry; operations: ReadonlySet<PolicyOperation> } | undefined {
  let best: { entry: OriginEntry; operations: ReadonlySet<PolicyOperation> } | undefined;
  for (const rule of policy.operations) {
    if (!entryMatchesOrigin(rule.entry, origin)) continue;
    if (!best || entrySpecificity(rule.entry) > entrySpecificity(best.entry)) best = rule;
  }
  return best;
}

/**
 * Raw signing is enabled for an origin only by name: the admin's most specific `operations` rule for it lists
 * the operation, or — when no admin rule covers the origin and policy lets persons allow sites — the person
 * enabled it for this exact origin on the options page. An admin rule that omits it wins over the person.
 */
export function rawSigningEnabled(context: AccessContext, origin: Origin, operation: PolicyOperation | undefined): boolean {
  if (operation === undefined) return false;
  const rule = operationRuleFor(context.policy, origin);
  if (rule) return rule.operations.has(operation);
  return context.policy.allowUserOrigins && context.rawSigningOrigins.includes(origin.serialized);
}
