/**
 * The person's own opt-ins to raw-hash signing (`signHash`, see operations.ts "THE RAW-SIGNING RULE"):
 * exact origins only, each with the time it was enabled, kept in storage.local. Written only by the options
 * page, behind its warning; nothing in the consent window or the page protocol writes it.
 */
import { parseRequesterOrigin } from '../../../shared/domain/origin.js';

/** storage.local key holding `RawSigningOptIn[]`. */
export const RAW_SIGNING_STORAGE_KEY = 'kysoRawSigningOrigins';
/** A handful at most in practice; the list is read on every raw-signing request. */
export const MAX_RAW_SIGNING_ORIGINS = 100;

export interface RawSigningOptIn {
  /** Canonical serialized origin (see shared/domain/origin.ts). */
  readonly origin: string;
  /** Milliseconds since the Unix epoch. */
  readonly addedAt: number;
}

/** Read the stored list; drops what is malformed, re-normalises origins, first entry per origin wins. */
export function parseRawSigningOptIns(raw: unknown): RawSigningOptIn[] {
  if (!Array.isArray(raw)) return [];
  const seen = new Set<string>();
  const entries: RawSigningOptIn[] = [];
  for (const item of raw.slice(0, MAX_RAW_SIGNING_ORIGINS)) {
    if (!item || typeof item !== 'object') continue;
    const { origin, addedAt } = item as Record<string, unknown>;
    const parsed = parseRequesterOrigin(origin);
    if (!parsed.ok || seen.has(parsed.value.serialized)) continue;
    seen.add(parsed.value.serialized);
    entries.push({ origin: parsed.value.serialized, addedAt: typeof addedAt === 'number' && Number.isFinite(addedAt) ? addedAt : 0 });
  }
  return entries;
}

/** New list with `origin` enabled (newest first); the oldest opt-in goes when the list is full. */
export function withRawSigningOrigin(entries: readonly RawSigningOptIn[], origin: string, now: number): RawSigningOptIn[] {
  return [{ origin, addedAt: now }, ...entries.filter((e) => e.origin !== origin)].slice(0, MAX_RAW_SIGNING_ORIGINS);
}

export function withoutRawSigningOrigin(entries: readonly RawSigningOptIn[], origin: string): RawSigningOptIn[] {
  return entries.filter((e) => e.origin !== origin);
}
