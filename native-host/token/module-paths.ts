/**
 * Which PKCS#11 modules (token drivers) the host loads, first match wins:
 *   1. env `KYSO_PKCS11_MODULE`: paths separated by the platform's list delimiter (`:` POSIX, `;` Windows);
 *   2. a config file `{ "pkcs11Modules": ["/path/lib.so", …] }`: env `KYSO_CONFIG`, else
 *      `$XDG_CONFIG_HOME/kyso/config.json` (~/.config/kyso/config.json), else `/etc/kyso/config.json`;
 *   3. known driver paths that exist on disk.
 * The browser starts the host with its own environment, so the config file is how an admin sets drivers
 * for every browser at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { PKCS11_MODULE_ENV } from '../config.js';

/**
 * Driver locations tried when nothing is configured. Only paths that exist are loaded. The vendor names are
 * the usual Linux install paths of drivers shipped with tokens sold by Vietnamese CAs (SafeNet eToken,
 * Feitian ePass2003) and OpenSC; none is verified on this machine except through the `existsSync` check.
 */
export const DEFAULT_MODULE_CANDIDATES: readonly string[] = [
  '/usr/lib/libeTPkcs11.so',
  '/usr/lib/libshuttle_p11v220.so',
  '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so',
  '/usr/lib/opensc-pkcs11.so',
];

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

/** Module paths for this process. */
export function configuredModulePaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = env[PKCS11_MODULE_ENV];
  if (fromEnv && fromEnv.trim()) return parseModuleList(fromEnv);
  for (const file of configFileCandidates(env)) {
    if (!existsSync(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const modules = modulesFromConfig(text);
    if (modules.length) return modules;
  }
  return DEFAULT_MODULE_CANDIDATES.filter((p) => existsSync(p));
}
