/**
 * PKCS#11 modules registered with p11-kit, the way Linux desktops (Debian, Ubuntu, Fedora) register token
 * drivers: one `NAME.module` file per driver with `key: value` lines [pkcs11.conf(5)].
 *
 * Read, lowest precedence first: the package folder /usr/share/p11-kit/modules, the admin folder
 * /etc/pkcs11/modules, the user folder ~/.config/pkcs11/modules (p11-kit takes $XDG_CONFIG_HOME for
 * "~/.config"). A file of the same name in a later folder overrides keys of an earlier one; `user-config:` in
 * /etc/pkcs11/pkcs11.conf may say `none` (user files ignored), `only` (only user files), `override` (a user file
 * replaces the system file of its name) or `merge` (the default: keys merged) [pkcs11.conf(5) "user-config"].
 *
 * Honoured keys: `x-init-reserved:` (the module's C_Initialize parameters), `module:` (a blank value removes
 * the module — how a user disables a system one; a relative
 * name is looked up in p11-kit's module folder), `enable-in:` / `disable-in:` (program base names, comma or
 * space separated, compared with `kyso`, `kyso-host` and the Node.js executable's name). `critical:` is not
 * honoured: one driver failing never stops the others here (see driver-screening.ts). `remote:` modules
 * (p11-kit forwarding to another machine) have no `module:` and are skipped.
 *
 * Two p11-kit modules are skipped on purpose:
 * - p11-kit-proxy.so re-exports every registered module as one: loading it would list each token twice
 *   and C_Initialize every driver inside it at once, outside the per-driver time bound.
 * - p11-kit-trust.so is the system CA trust store as a PKCS#11 token: hundreds of CA certificates, no keys.
 */
import { posix } from 'node:path';
import type { DriverCandidate } from './driver-candidate.js';
import { multiarchTriplet, vendorOfDriverFile } from './known-driver-candidates.js';

export const P11_KIT_PACKAGE_MODULES = '/usr/share/p11-kit/modules';
export const P11_KIT_SYSTEM_MODULES = '/etc/pkcs11/modules';
export const P11_KIT_SYSTEM_CONFIG = '/etc/pkcs11/pkcs11.conf';

/** Module files never loaded (see the file comment). */
export const P11_KIT_SKIPPED_MODULES: readonly string[] = ['p11-kit-proxy.so', 'p11-kit-trust.so'];

/** Program names `enable-in:` / `disable-in:` are compared with. */
export const KYSO_PROGRAM_NAMES: readonly string[] = ['kyso', 'kyso-host'];

export interface P11KitFiles {
  /** Names in a folder; [] when it does not exist. */
  readonly readDir: (dir: string) => readonly string[];
  /** File text, or undefined when it cannot be read. */
  readonly readFile: (path: string) => string | undefined;
  readonly exists: (path: string) => boolean;
}

export interface P11KitSearch {
  readonly env: NodeJS.ProcessEnv;
  readonly arch: string;
  readonly files: P11KitFiles;
  /** Base name of the running executable (e.g. "node"), also matched by enable-in / disable-in. */
  readonly programName?: string;
}

/** `key: value` lines; `#` comments and blank lines ignored; white space around both trimmed [pkcs11.conf(5)]. */
export function parseP11KitConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    if (!/^[A-Za-z0-9._-]+$/.test(key)) continue;
    out.set(key, line.slice(colon + 1).trim());
  }
  return out;
}

/** File names p11-kit accepts: alphanumeric first, letters, digits, `_ , - .`, ending in `.module`. */
export function isModuleFileName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_,.-]*\.module$/.test(name);
}

/** p11-kit's user folder: "~/.config/pkcs11/modules", with ~/.config taken from $XDG_CONFIG_HOME when set. */
export function p11KitUserModulesDir(env: NodeJS.ProcessEnv): string | undefined {
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg && posix.isAbsolute(xdg)) return posix.join(xdg, 'pkcs11', 'modules');
  return env.HOME ? posix.join(env.HOME, '.config', 'pkcs11', 'modules') : undefined;
}

/** Where a relative `module:` name is looked up: Debian multiarch, then Fedora's lib64, then plain lib. */
export function p11KitModuleDirs(arch: string): string[] {
  return [`/usr/lib/${multiarchTriplet(arch)}/pkcs11`, '/usr/lib64/pkcs11', '/usr/lib/pkcs11'];
}

type UserConfigMode = 'none' | 'merge' | 'only' | 'override';

function userConfigMode(files: P11KitFiles): UserConfigMode {
  const text = files.readFile(P11_KIT_SYSTEM_CONFIG);
  const mode = text ? parseP11KitConfig(text).get('user-config') : undefined;
  return mode === 'none' || mode === 'only' || mode === 'override' ? mode : 'merge';
}

function listList(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}

/** Drivers registered with p11-kit that exist on disk, in file-name order. */
export function p11KitModuleCandidates(search: P11KitSearch): DriverCandidate[] {
  const { files } = search;
  const mode = userConfigMode(files);
  const userDir = p11KitUserModulesDir(search.env);
  const layers: Array<{ dir: string; user: boolean }> = [
    ...(mode === 'only' ? [] : [{ dir: P11_KIT_PACKAGE_MODULES, user: false }, { dir: P11_KIT_SYSTEM_MODULES, user: false }]),
    ...(mode === 'none' || !userDir ? [] : [{ dir: userDir, user: true }]),
  ];
  const merged = new Map<string, { keys: Map<string, string>; file: string }>();
  for (const { dir, user } of layers) {
    for (const name of [...files.readDir(dir)].sort()) {
      if (!isModuleFileName(name)) continue;
      const file = posix.join(dir, name);
      const text = files.readFile(file);
      if (text === undefined) continue;
      const keys = parseP11KitConfig(text);
      const earlier = merged.get(name);
      const replace = !earlier || (user && mode === 'override');
      merged.set(name, { keys: replace ? keys : new Map([...earlier.keys, ...keys]), file });
    }
  }
  const programs = new Set([...KYSO_PROGRAM_NAMES, ...(search.programName ? [search.programName] : [])]);
  const out: DriverCandidate[] = [];
  for (const [name, { keys, file }] of [...merged].sort(([a], [b]) => a.localeCompare(b))) {
    const module = keys.get('module');
    if (!module) continue; // blank: disabled (a user override), or a remote: module
    const enableIn = listList(keys.get('enable-in'));
    if (enableIn.length > 0 && !enableIn.some((p) => programs.has(p))) continue;
    if (listList(keys.get('disable-in')).some((p) => programs.has(p))) continue;
    if (P11_KIT_SKIPPED_MODULES.includes(posix.basename(module))) continue;
    const path = posix.isAbsolute(module)
      ? (files.exists(module) ? module : undefined)
      : p11KitModuleDirs(search.arch).map((d) => posix.join(d, module)).find((p) => files.exists(p));
    if (!path) continue; // a registration left behind by an uninstalled driver: p11-kit would skip it too
    // `x-init-reserved:` is p11-kit's way to hand a module its C_Initialize pReserved string (NSS softoken's
    // configdir=…) [pkcs11.conf(5)].
    const initArgs = keys.get('x-init-reserved');
    out.push({
      path, foundBy: 'p11-kit', vendor: vendorOfDriverFile(path) ?? `p11-kit: ${name.replace(/\.module$/, '')}`, registeredIn: file,
      ...(initArgs ? { initArgs } : {}),
    });
  }
  return out;
}
