/**
 * Whether this process is the single `kyso` executable (Node single-executable application, built by
 * `npm run package`, scripts/lib/package/executable.mjs) rather than Node running a script. The one place that
 * decides: install (the executable is the host), doctor (it is the host build), the driver probe (the executable
 * cannot run `-e`, so it is started with DRIVER_PROBE_ARGUMENT instead).
 */
export function runningAsSingleExecutable(): boolean {
  // process.getBuiltinModule (Node ≥ 20.16), not import(): a single executable's main script can load only
  // built-in modules, and only synchronously [Node docs, "Single executable applications", "require(id)"].
  try {
    return process.getBuiltinModule('node:sea').isSea();
  } catch {
    return false;
  }
}

/** Set by the executable's bundle (scripts/lib/package/executable.mjs, BANNER); not declared when Node runs a script. */
declare const __kysoAddonPath: string | undefined;

/**
 * pkcs11js's native addon as the single executable loads it: `pkcs11.node` beside the executable's real file (the
 * one rule, computed once by the bundle's first line; its pkcs11js loads that file too). Undefined outside the
 * executable. Worker threads load it by this path (token-call-thread.ts): they cannot reach the bundle's copy.
 */
export function singleExecutableAddonPath(): string | undefined {
  return typeof __kysoAddonPath === 'string' ? __kysoAddonPath : undefined;
}
