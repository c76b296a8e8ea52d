/**
 * Which PKCS#11 modules (token drivers) the host considers, first tier that names any wins:
 *   1. env `KYSO_PKCS11_MODULE`: paths separated by the platform's list delimiter (`:` POSIX, `;` Windows);
 *   2. a config file `{ "pkcs11Modules": ["/path/lib.so", …] }`: env `KYSO_CONFIG`, else
 *      `$XDG_CONFIG_HOME/kyso/config.json` (~/.config/kyso/config.json), else `/etc/kyso/config.json`;
 *   3. discovery, with no configuration at all: on Linux the modules registered with p11-kit
 *      (drivers/p11-kit-modules.ts), then the documented driver files in the OS's usual folders
 *      (drivers/known-drivers.ts, docs/tokens.md). All found drivers load side by side.
 * The browser starts the host with its own environment, so the config file is how an admin sets drivers
 * for every browser at once. Which of these actually load is decided by drivers/driver-screening.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { PKCS11_MODULE_ENV } from '../config.js';
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

/** Module paths from a config file's text; a file that is not the expected shape yields none. */
export function modulesFromConfig(text: string): string[] {
  try {
    const parsed = JSON.parse(text) as { pkcs11Modules?: unknown };
    if (!Array.isArray(parsed.pkcs11Modules)) return [];
    return [...new Set(parsed.pkcs11Modules.filter((p): p is string => typeof p === 'string' && p.trim() !== '').map((p) => p.trim()))];
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
    return parseModuleList(fromEnv, system.platform === 'win32' ? ';' : ':').map((path) => withVendor({ path, foundBy: 'environment' }));
  }
  for (const file of configFileCandidates(env)) {
    const text = system.readFile(file);
    if (text === undefined) continue;
    const modules = modulesFromConfig(text);
    if (modules.length) return modules.map((path) => withVendor({ path, foundBy: 'config-file', registeredIn: file }));
  }
  return discoveredModules(env, system);
}

function withVendor(candidate: DriverCandidate): DriverCandidate {
  const vendor = vendorOfDriverFile(candidate.path);
  return vendor ? { ...candidate, vendor } : candidate;
}
