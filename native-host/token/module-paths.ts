/**
 * Which PKCS#11 modules (token drivers) the host loads. `KYSO_PKCS11_MODULE` lists paths separated by the
 * platform's path-list delimiter (`:` POSIX, `;` Windows). Without it, known driver paths that exist on disk.
 */
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
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

export function parseModuleList(value: string, listDelimiter: string = delimiter): string[] {
  const seen = new Set<string>();
  for (const part of value.split(listDelimiter)) {
    const path = part.trim();
    if (path) seen.add(path);
  }
  return [...seen];
}

/** Module paths for this process: the environment's list, or the defaults that exist. */
export function configuredModulePaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = env[PKCS11_MODULE_ENV];
  if (fromEnv && fromEnv.trim()) return parseModuleList(fromEnv);
  return DEFAULT_MODULE_CANDIDATES.filter((p) => existsSync(p));
}
