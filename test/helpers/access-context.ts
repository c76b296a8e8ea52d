/**
 * An access context (extension/background/access/access-decision.ts) from a short description, and a verdict as
 * one comparable string: what the tests of the raw-signing opt-in (unit and security) decide over.
 */
import type { AccessContext, AccessVerdict } from '../../extension/background/access/access-decision.js';
import { NO_POLICY, parseManagedPolicy } from '../../extension/background/access/managed-policy.js';

export interface AccessContextOptions {
  /** Managed policy as the admin writes it (none when undefined). */
  readonly policy?: unknown;
  /** Origins the person allowed "always" / blocked on the options page. */
  readonly allow?: readonly string[];
  readonly block?: readonly string[];
  /** Origins the person turned signHash on for. */
  readonly raw?: readonly string[];
  readonly dev?: boolean;
}

export function accessContext(options: AccessContextOptions = {}): AccessContext {
  return {
    policy: options.policy === undefined ? NO_POLICY : parseManagedPolicy(options.policy),
    userOrigins: [
      ...(options.allow ?? []).map((origin) => ({ origin, decision: 'allow' as const, addedAt: 1 })),
      ...(options.block ?? []).map((origin) => ({ origin, decision: 'block' as const, addedAt: 1 })),
    ],
    rawSigningOrigins: options.raw ?? [],
    isDevelopmentBuild: options.dev ?? false,
  };
}

/** `allow`, `ask`… or `deny:<code>[:<reason>]`. */
export const verdictText = (v: AccessVerdict): string => (v.kind === 'deny' ? `deny:${v.code}${v.reason ? `:${v.reason}` : ''}` : v.kind);
