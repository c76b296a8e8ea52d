/**
 * Entry of the single `kyso` executable (scripts/package-executable.mjs bundles it with Node's
 * single-executable-application support): ONE file that is the native messaging host when a browser starts it
 * and the `kyso` command line otherwise.
 *
 * A browser always passes its caller as the first argument [Chrome "Native messaging host protocol": the
 * origin `chrome-extension://<id>/`; MDN "Native messaging", "App side": Firefox passes the host manifest's
 * path, then the add-on id]. No CLI command starts with `chrome-extension://` or is a path to a `.json` file
 * followed by an add-on id, so the first argument decides without ambiguity.
 */
import { DRIVER_PROBE_ARGUMENT } from './token/drivers/driver-probe.js';

const ADDON_ID = /^(?:[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+|\{[0-9a-fA-F-]{36}\})$/;

/** True when the arguments are what a browser passes to a native messaging host. */
export function startedByBrowser(args: readonly string[]): boolean {
  const [first, second] = args;
  if (first === undefined) return false;
  if (first.startsWith('chrome-extension://')) return true;
  return second !== undefined && /\.json$/i.test(first) && ADDON_ID.test(second);
}

async function start(args: readonly string[]): Promise<number> {
  // The host's own child for trying a new token driver (driver-probe.ts): this executable cannot run `node -e`.
  if (args[0] === DRIVER_PROBE_ARGUMENT && args.length === 2) {
    const { runDriverProbeInThisProcess } = await import('./token/drivers/driver-probe.js');
    await runDriverProbeInThisProcess(args[1]!);
    return 0;
  }
  if (startedByBrowser(args)) {
    const { runHost } = await import('./host.js');
    return runHost(args);
  }
  const { main } = await import('./cli/main.js');
  return main([...args]);
}

start(process.argv.slice(2)).then(
  (code) => {
    // Host: every reply was written (runHost awaits them); exit even if a driver left a handle open.
    // CLI: same reasoning — the command has finished and printed its result.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`kyso: fatal: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
