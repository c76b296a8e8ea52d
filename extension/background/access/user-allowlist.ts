/**
 * The person's own list of sites (storage.local): exact origins only, each allowed or blocked, with the
 * time it was added. Patterns are for admins; a person answers for the one site in front of them.
 */
import { parseOriginEntry, parseRequesterOrigin, type Origin, type OriginProblem } from '../../../shared/domain/origin.js';

/** storage.local key holding `UserOriginEntry[]`. */
export const USER_ORIGINS_STORAGE_KEY = 'kysoUserOrigins';
/** Kept small: the list is read on every request. */
export const MAX_USER_ORIGINS = 500;

export type UserOriginDecision = 'allow' | 'block';

export interface UserOriginEntry {
  /** Canonical serialized origin (see shared/domain/origin.ts). */
  readonly origin: string;
  readonly decision: UserOriginDecision;
  /** Milliseconds since the Unix epoch. */
  readonly addedAt: number;
}

export type UserOriginProblem = OriginProblem | 'pattern-not-allowed';

/** Read the stored list; drops what is malformed (storage could hold an older or corrupted shape). */
export function parseUserOrigins(raw: unknown): UserOriginEntry[] {
  if (!Array.isArray(raw)) return [];
  const seen = new Set<string>();
  const entries: UserOriginEntry[] = [];
  for (const item of raw.slice(0, MAX_USER_ORIGINS)) {
    if (!item || typeof item !== 'object') continue;
    const { origin, decision, addedAt } = item as Record<string, unknown>;
    if (decision !== 'allow' && decision !== 'block') continue;
    // Re-normalise rather than drop: an entry written under older normalisation rules is still the person's
    // decision, and silently dropping a block would unblock a site. The first (newest) entry for an origin wins.
    const parsed = parseRequesterOrigin(origin);
    if (!parsed.ok || seen.has(parsed.value.serialized)) continue;
    seen.add(parsed.value.serialized);
    entries.push({ origin: parsed.value.serialized, decision, addedAt: typeof addedAt === 'number' && Number.isFinite(addedAt) ? addedAt : 0 });
  }
  return entries;
}

/** Validate what a person typed in the options page: one exact https origin (http only for loopback). */
export function parseUserOriginInput(text: string): { ok: true; value: Origin } | { ok: false; problem: UserOriginProblem } {
  const parsed = parseOriginEntry(text);
  if (!parsed.ok) return parsed;
  if (parsed.value.kind === 'pattern') return { ok: false, problem: 'pattern-not-allowed' };
  return { ok: true, value: parsed.value };
}

/**
 * New list with `origin` set to `decision` (replacing an earlier entry for the same origin, newest first).
 * When the list is full the oldest ALLOW goes first: dropping a block would quietly unblock a site.
 */
export function withUserDecision(entries: readonly UserOriginEntry[], origin: string, decision: UserOriginDecision, now: number): UserOriginEntry[] {
  const next = [{ origin, decision, addedAt: now }, ...entries.filter((e) => e.origin !== origin)];
  while (next.length > MAX_USER_ORIGINS) {
    const oldestAllow = next.map((e) => e.decision).lastIndexOf('allow');
    next.splice(oldestAllow > 0 ? oldestAllow : next.length - 1, 1);
  }
  return next;
}

export function withoutUserOrigin(entries: readonly UserOriginEntry[], origin: string): UserOriginEntry[] {
  return entries.filter((e) => e.origin !== origin);
}
