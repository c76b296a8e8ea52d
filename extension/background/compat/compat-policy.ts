/**
 * Admin policy key `pluginCompatibility` (managed-schema.json) and the decision "may this frame use the plugin
 * transport?". Pure functions; the caller reads storage.
 *
 *   absent or true   compatibility on for every origin allowed to sign (by policy or by the person)
 *   false            off everywhere
 *   [origins]        on only for these origins / `https://*.suffix` patterns (still only where signing is allowed)
 *   anything else    off (an admin who wrote the key meant to restrict; the safe reading of a typo is "off")
 *
 * Chrome's managed schema allows ONE type per key [developer.chrome.com manifest/storage "Schema format"], so on
 * Chrome/Edge the key is a boolean and the list form is the second key `pluginCompatibilityOrigins`; Firefox's
 * policies.json (no schema) may give either form in `pluginCompatibility`. `false` wins over any list.
 */
import { entryMatchesOrigin, parseOriginEntry, parseRequesterOrigin, type OriginEntry } from '../../../shared/domain/origin.js';

export const PLUGIN_COMPATIBILITY_KEY = 'pluginCompatibility';
export const PLUGIN_COMPATIBILITY_ORIGINS_KEY = 'pluginCompatibilityOrigins';

/** Both keys together: `false` (or an unreadable value) in the first wins; else a list in either restricts. */
export function parseCompatibilityPolicyKeys(values: Readonly<Record<string, unknown>>): CompatibilityPolicy {
  const main = parseCompatibilityPolicy(values[PLUGIN_COMPATIBILITY_KEY]);
  if (main.kind !== 'all' || values[PLUGIN_COMPATIBILITY_ORIGINS_KEY] === undefined) return main;
  return parseCompatibilityPolicy(values[PLUGIN_COMPATIBILITY_ORIGINS_KEY]);
}

export type CompatibilityPolicy = { readonly kind: 'all' } | { readonly kind: 'none' } | { readonly kind: 'only'; readonly entries: readonly OriginEntry[] };

const MAX_ENTRIES = 1000;

export function parseCompatibilityPolicy(raw: unknown): CompatibilityPolicy {
  if (raw === undefined || raw === true || raw === 'true') return { kind: 'all' };
  let value: unknown = raw;
  if (typeof value === 'string') { try { value = JSON.parse(value) as unknown; } catch { return { kind: 'none' }; } }
  if (!Array.isArray(value)) return { kind: 'none' };
  const entries: OriginEntry[] = [];
  for (const item of value.slice(0, MAX_ENTRIES)) {
    const parsed = parseOriginEntry(item);
    if (parsed.ok) entries.push(parsed.value);
  }
  return { kind: 'only', entries };
}

/** Does the admin policy leave compatibility on for every one of these origins (frame and top page)? */
export function compatibilityPermits(policy: CompatibilityPolicy, origins: readonly string[]): boolean {
  if (policy.kind === 'all') return true;
  if (policy.kind === 'none') return false;
  return origins.every((raw) => {
    const parsed = parseRequesterOrigin(raw);
    return parsed.ok && policy.entries.some((entry) => entryMatchesOrigin(entry, parsed.value));
  });
}
