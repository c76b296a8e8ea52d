/**
 * Early install of the WebSocket shim. A portal's plugin script may open its socket while the page is still being
 * parsed (VNPT-CA's script checks for the plugin on load); the content script's question to the background comes
 * back a few milliseconds too late for that. So the shim is ALSO registered as a MAIN-world content script at
 * document_start for the sites that may use it (admin-allowed origins and patterns, the person's allowed sites, and
 * loopback in a development build), filtered by `pluginCompatibility`. Match patterns cannot name ports, so this is
 * a superset: the registered shim only QUEUES sockets until the per-frame gate (compat-gate.ts) answers; when the gate
 * says no, the bridge tells it to fail them and put the browser's WebSocket back — exactly "no service".
 * Every other site gets nothing registered and nothing injected.
 */
import { isLoopbackHost, parseRequesterOrigin, type OriginEntry } from '../../../shared/domain/origin.js';
import type { CompatibilityPolicy } from './compat-policy.js';

export const SHIM_SCRIPT_ID = 'kyso-compat-shim';
/**
 * The content-script half (compat-bridge.js, ISOLATED world) is registered for the same patterns: only frames of
 * these sites ask the background whether they may use the transport. Every other frame of every other site runs
 * just the tiny page relay and sends nothing (issue 14: no work on sites that are not allowed).
 */
export const BRIDGE_SCRIPT_ID = 'kyso-compat-bridge';
export const COMPAT_BRIDGE_FILE = 'compat-bridge.js';

/** The hosts (exact or `*.suffix`) the shim is registered for, per scheme; ports are not part of match patterns. */
export interface ShimTargets {
  readonly exact: readonly { scheme: string; host: string }[];
  readonly suffixes: readonly { scheme: string; suffix: string }[];
}

export function shimTargets(input: {
  readonly policy: CompatibilityPolicy;
  readonly adminAllowed: readonly OriginEntry[];
  readonly userAllowed: readonly string[];
  readonly developmentBuild: boolean;
}): ShimTargets {
  if (input.policy.kind === 'none') return { exact: [], suffixes: [] };
  const entries: OriginEntry[] = [...input.adminAllowed];
  for (const raw of input.userAllowed) {
    const parsed = parseRequesterOrigin(raw);
    if (parsed.ok) entries.push(parsed.value);
  }
  // With an admin list, register for those only (the gate still requires signing to be allowed too).
  const chosen = input.policy.kind === 'only' ? input.policy.entries : entries;
  const exact = chosen.filter((e) => e.kind === 'origin').map((e) => ({ scheme: e.scheme, host: (e as { host: string }).host }));
  const suffixes = chosen.filter((e) => e.kind === 'pattern').map((e) => ({ scheme: e.scheme, suffix: (e as { hostSuffix: string }).hostSuffix }));
  if (input.developmentBuild && input.policy.kind === 'all') {
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) exact.push({ scheme: 'http', host }, { scheme: 'https', host });
  }
  return { exact: dedupe(exact, (t) => `${t.scheme}://${t.host}`), suffixes: dedupe(suffixes, (t) => `${t.scheme}://*.${t.suffix}`) };
}

function dedupe<T>(list: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return list.filter((t) => (seen.has(key(t)) ? false : (seen.add(key(t)), true)));
}

/** Chrome/Firefox match patterns for the targets [developer.chrome.com match patterns: no ports]. */
export function matchPatterns(targets: ShimTargets): string[] {
  return [
    ...targets.exact.map((t) => `${t.scheme}://${t.host}/*`),
    ...targets.suffixes.map((t) => `${t.scheme}://*.${t.suffix}/*`),
  ];
}

/** Did the registered shim (probably) run in a frame of this origin? Then a "no" must switch it off. */
export function targetsCover(targets: ShimTargets, origin: string): boolean {
  const parsed = parseRequesterOrigin(origin);
  if (!parsed.ok) return false;
  const { scheme, host } = parsed.value;
  return targets.exact.some((t) => t.scheme === scheme && t.host === host)
    || targets.suffixes.some((t) => t.scheme === scheme && host.endsWith(`.${t.suffix}`))
    || false;
}

export { isLoopbackHost };
