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
