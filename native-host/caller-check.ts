/**
 * Which extension started this host. The browser, not the extension, writes the arguments:
 *   Chrome/Chromium/Edge: argv[1] = "chrome-extension://<id>/" (on Windows also --parent-window=…)
 *     [Chrome "Native messaging", "Native messaging host protocol"];
 *   Firefox: argv[1] = path of the host manifest, argv[2] = the add-on id [MDN "Native messaging", "App side"].
 * The browser already enforces allowed_origins / allowed_extensions; this second check stops a host
 * manifest edited (or copied) to admit another extension from reaching the token.
 */
import { ALLOWED_EXTENSIONS_ENV, CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID } from './config.js';

const CHROME_ORIGIN = /^chrome-extension:\/\/([a-p]{32})\/?$/;

export interface Caller {
  readonly browser: 'chromium' | 'firefox' | 'unknown';
  /** The extension id, or '' when the arguments name none. */
  readonly extensionId: string;
}

/** `args` are the host's arguments without node and the script (process.argv.slice(2)). */
export function identifyCaller(args: readonly string[]): Caller {
  for (const arg of args) {
    const match = CHROME_ORIGIN.exec(arg);
    if (match) return { browser: 'chromium', extensionId: match[1]! };
  }
  // Firefox: manifest path, then the add-on id (an email-like or {uuid} id).
  const [first, second] = args;
  if (first && second && /\.json$/i.test(first) && /^(?:[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+|\{[0-9a-fA-F-]{36}\})$/.test(second)) {
    return { browser: 'firefox', extensionId: second };
  }
  return { browser: 'unknown', extensionId: '' };
}

export function allowedExtensionIds(env: NodeJS.ProcessEnv = process.env): Set<string> {
  const extra = (env[ALLOWED_EXTENSIONS_ENV] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return new Set([CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID, ...extra]);
}

export function isCallerAllowed(caller: Caller, allowed: ReadonlySet<string>): boolean {
  return caller.extensionId !== '' && allowed.has(caller.extensionId);
}
