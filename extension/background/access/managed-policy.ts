/**
 * Admin policy, from `storage.managed` (Chrome/Edge: the `3rdparty.extensions.<id>` policy validated against
 * extension/managed-schema.json; Firefox: `3rdparty.Extensions["kyso@kyso.vn"]` in policies.json).
 *
 * Parsing is tolerant: one bad entry is skipped and reported in `problems` (the options page shows them),
 * the rest of the policy still applies. Firefox without a policy throws from `storage.managed.get`: the
 * reader turns that into an empty object, which parses to "no policy".
 *
 * Keys:
 *   allowedOrigins   string[]  exact origins or `https://*.suffix` patterns that may ask without a prompt
 *   blockedOrigins   string[]  origins or patterns that may never ask (beats every allow)
 *   allowUserOrigins boolean   may the person allow other sites (default true)
 *   operations       { [origin or pattern]: PolicyOperation[] }  per-site allowed operations; absent = all
 */
import { parseOriginEntry, type OriginEntry, type OriginProblem } from '../../../shared/domain/origin.js';
import { isPolicyOperation, type PolicyOperation } from './operations.js';

export const MANAGED_POLICY_KEYS = ['allowedOrigins', 'blockedOrigins', 'allowUserOrigins', 'operations'] as const;

/** Bounds on what we read from policy: a policy is written by hand, thousands of entries is a mistake. */
const MAX_POLICY_ENTRIES = 1000;

export interface OperationRule {
  readonly entry: OriginEntry;
  readonly operations: ReadonlySet<PolicyOperation>;
}

export interface PolicyProblem {
  readonly key: (typeof MANAGED_POLICY_KEYS)[number];
  /** The offending value, shortened, for the options page. */
  readonly value: string;
  readonly problem: OriginProblem | 'not-a-list' | 'not-a-boolean' | 'not-an-object' | 'unknown-operation' | 'too-many-entries';
}

export interface ManagedPolicy {
  readonly allowed: readonly OriginEntry[];
  readonly blocked: readonly OriginEntry[];
  readonly allowUserOrigins: boolean;
  readonly operations: readonly OperationRule[];
  readonly problems: readonly PolicyProblem[];
  /** False when storage.managed held none of our keys. */
  readonly present: boolean;
}

export const NO_POLICY: ManagedPolicy = { allowed: [], blocked: [], allowUserOrigins: true, operations: [], problems: [], present: false };

/** Turn whatever `storage.managed.get()` returned into a policy. Never throws. */
export function parseManagedPolicy(raw: unknown): ManagedPolicy {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return NO_POLICY;
  const record = raw as Record<string, unknown>;
  const present = MANAGED_POLICY_KEYS.some((key) => record[key] !== undefined);
  if (!present) return NO_POLICY;
  const problems: PolicyProblem[] = [];
  return {
    allowed: parseEntryList('allowedOrigins', record.allowedOrigins, problems),
    blocked: parseEntryList('blockedOrigins', record.blockedOrigins, problems),
    allowUserOrigins: parseAllowUserOrigins(record.allowUserOrigins, problems),
    operations: parseOperations(record.operations, problems),
    problems,
    present,
  };
}

/**
 * Chrome converts Windows registry REG_SZ JSON into arrays/objects by the schema; other routes
 * (hand-written Firefox policies, older Edge) may still hand us the JSON text, so accept both.
 */
function jsonIfString(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try { return JSON.parse(value) as unknown; } catch { return value; }
}

function shorten(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

function parseEntryList(key: 'allowedOrigins' | 'blockedOrigins', value: unknown, problems: PolicyProblem[]): OriginEntry[] {
  if (value === undefined) return [];
  const list = jsonIfString(value);
  if (!Array.isArray(list)) {
    problems.push({ key, value: shorten(value), problem: 'not-a-list' });
    return [];
  }
  if (list.length > MAX_POLICY_ENTRIES) problems.push({ key, value: `${list.length}`, problem: 'too-many-entries' });
  const entries: OriginEntry[] = [];
  for (const item of list.slice(0, MAX_POLICY_ENTRIES)) {
    const parsed = parseOriginEntry(item);
    if (parsed.ok) entries.push(parsed.value);
    else problems.push({ key, value: shorten(item), problem: parsed.problem });
  }
  return entries;
}

/**
 * Absent → true (the default). Present but unreadable → FALSE: an admin who wrote the key meant to
 * restrict (the default already allows), so the safe reading of a typo is the restrictive one.
 */
function parseAllowUserOrigins(value: unknown, problems: PolicyProblem[]): boolean {
  if (value === undefined) return true;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 1) return true;
  if (value === 'false' || value === 0) return false;
  problems.push({ key: 'allowUserOrigins', value: shorten(value), problem: 'not-a-boolean' });
  return false;
}

function parseOperations(value: unknown, problems: PolicyProblem[]): OperationRule[] {
  if (value === undefined) return [];
  const object = jsonIfString(value);
  if (!object || typeof object !== 'object' || Array.isArray(object)) {
    problems.push({ key: 'operations', value: shorten(value), problem: 'not-an-object' });
    return [];
  }
  const rules: OperationRule[] = [];
  for (const [site, ops] of Object.entries(object as Record<string, unknown>).slice(0, MAX_POLICY_ENTRIES)) {
    const parsed = parseOriginEntry(site);
    if (!parsed.ok) {
      problems.push({ key: 'operations', value: shorten(site), problem: parsed.problem });
      continue;
    }
    const list = jsonIfString(ops);
    if (!Array.isArray(list)) {
      // A rule we cannot read must not widen access: the site gets no restrictable operation at all.
      problems.push({ key: 'operations', value: shorten(`${site}: ${shorten(ops)}`), problem: 'not-a-list' });
      rules.push({ entry: parsed.value, operations: new Set() });
      continue;
    }
    const allowed = new Set<PolicyOperation>();
    for (const op of list) {
      if (isPolicyOperation(op)) allowed.add(op);
      else problems.push({ key: 'operations', value: shorten(`${site}: ${shorten(op)}`), problem: 'unknown-operation' });
    }
    rules.push({ entry: parsed.value, operations: allowed });
  }
  return rules;
}
