/**
 * Which PKCS#11 modules (token drivers) the host considers, first tier that names any wins:
 *   1. env `KYSO_PKCS11_MODULE`: paths separated by the platform's list delimiter (`:` POSIX, `;` Windows);
 *   2. a config file `{ "pkcs11Modules": ["/path/lib.so", { "path": "/path/nss.so", "initArgs": "…" }, …] }`: env `KYSO_CONFIG`, else
 *      `$XDG_CONFIG_HOME/kyso/config.json` (~/.config/kyso/config.json), else `/etc/kyso/config.json`;
 *   3. discovery, with no configuration at all: on Linux the modules registered with p11-kit
 *      (drivers/p11-kit-modules.ts), then the documented driver files in the OS's usual folders
 *      (drivers/known-drivers.ts, docs/tokens.md). All found drivers load side by side.
 * A driver that needs C_Initialize parameters (NSS softoken) gets them from `KYSO_PKCS11_INIT_ARGS` (the first
 * module of KYSO_PKCS11_MODULE), an entry's `initArgs` in the config file, or p11-kit's `x-init-reserved:`.
 * The browser starts the host with its own environment, so the config file is how an admin sets drivers
 * for every browser at once. Which of these actually load is decided by drivers/driver-screening.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { PKCS11_INIT_ARGS_ENV, PKCS11_MODULE_ENV } from '../config.js';
import type { DriverCandidate } from './drivers/driver-candidate.js';
import { knownDriverCandidates, vendorOfDriverFile } from './drivers/known-driver-candidates.js';
import { p11KitModuleCandidates, type P11KitFiles } from './drivers/p11-kit-modules.js';

export const CONFIG_FILE_ENV = 'KYSO_CONFIG';

export function parseModuleList(value: string, listDelimiter: string = delimiter): string[] {
  const seen = new Set<string>();
  for (const part of value.split(listDelimiter)) {
    const path = part.trim();
    if (path) seen.add(path);
  }
  return [...seen];
}

export function configFileCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env[CONFIG_FILE_ENV]) return [env[CONFIG_FILE_ENV]!];
  const xdg = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return [join(xdg, 'kyso', 'config.json'), '/etc/kyso/config.json'];
}

/** A module named by configuration, with its C_Initialize parameters when it needs some. */
export interface ConfiguredModule {
  readonly path: string;
  readonly initArgs?: string;
}

/** Longer than any real init string (NSS's is ~100 characters plus a folder path); bounds what goes to a driver. */
export const MAX_INIT_ARGS_LENGTH = 4096;

function configuredModule(entry: unknown): ConfiguredModule | undefined {
  if (typeof entry === 'string') return entry.trim() ? { path: entry.trim() } : undefined;
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { path, initArgs } = entry as { path?: unknown; initArgs?: unknown };
  if (typeof path !== 'string' || !path.trim()) return undefined;
  // A malformed initArgs drops the entry: loading the driver without its parameters would only fail later, less clearly.
  if (initArgs !== undefined && (typeof initArgs !== 'string' || initArgs.length > MAX_INIT_ARGS_LENGTH || initArgs.includes('\u0000'))) return undefined;
  return initArgs ? { path: path.trim(), initArgs } : { path: path.trim() };
}

/**
 * Modules from a config file's text: `pkcs11Modules` entries are a path, or `{ "path", "initArgs" }`. A file
 * that is not the expected shape yields none; an entry that is not either shape is left out.
 */
export function modulesFromConfig(text: string): ConfiguredModule[] {
  try {
    const parsed = JSON.parse(text) as { pkcs11Modules?: unknown };
    if (!Array.isArray(parsed.pkcs11Modules)) return [];
    const out = new Map<string, ConfiguredModule>();
    for (const entry of parsed.pkcs11Modules) {
      const module = configuredModule(entry);
      if (module && !out.has(module.path)) out.set(module.path, module);
    }
    return [...out.values()];
  } catch {
    return [];
  }
}

/** What discovery reads from this computer (replaced by a simulated file system in unit tests). */
export interface DiscoverySystem extends P11KitFiles {
  readonly platform: NodeJS.Platform;
  readonly arch: string;
  readonly programName: string;
}

export const realDiscoverySystem: DiscoverySystem = {
  platform: process.platform,
  arch: process.arch,
  programName: basename(process.execPath).replace(/\.exe$/i, ''),
  exists: (path) => existsSync(path),
  readDir: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
  readFile: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** Drivers found with no configuration: p11-kit registrations (Linux), then known driver files. */
export function discoveredModules(env: NodeJS.ProcessEnv, system: DiscoverySystem): DriverCandidate[] {
  const fromP11Kit = system.platform === 'linux'
    ? p11KitModuleCandidates({ env, arch: system.arch, files: system, programName: system.programName })
    : [];
  return [...fromP11Kit, ...knownDriverCandidates({ platform: system.platform, arch: system.arch, env, exists: system.exists })];
}

/** The drivers to consider for this process, with how each was found. */
export function moduleCandidates(env: NodeJS.ProcessEnv = process.env, system: DiscoverySystem = realDiscoverySystem): DriverCandidate[] {
  const fromEnv = env[PKCS11_MODULE_ENV];
  if (fromEnv && fromEnv.trim()) {
    const initArgs = env[PKCS11_INIT_ARGS_ENV];
    // One variable cannot say which of several modules it is for: it goes with the first (docs/tokens.md).
    // Handing NSS-style parameters to every module would break the others (SoftHSM2 refuses a non-NULL pReserved).
    return parseModuleList(fromEnv, system.platform === 'win32' ? ';' : ':').map((path, index) => withVendor({
      path, foundBy: 'environment', ...(index === 0 && initArgs && initArgs.length <= MAX_INIT_ARGS_LENGTH ? { initArgs } : {}),
    }));
  }
  for (const file of configFileCandidates(env)) {
    const text = system.readFile(file);
    if (text === undefined) continue;
    const modules = modulesFromConfig(text);
    if (modules.length) return modules.map((m) => withVendor({ ...m, foundBy: 'config-file', registeredIn: file }));
  }
  return discoveredModules(env, system);
}

function withVendor(candidate: DriverCandidate): DriverCandidate {
  const vendor = vendorOfDriverFile(candidate.path);
  return vendor ? { ...candidate, vendor } : candidate;
}
