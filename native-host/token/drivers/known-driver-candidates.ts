/**
 * Where the known drivers (known-drivers.ts) may sit on this computer: a pure function of the platform, the
 * CPU, the environment and a file-existence check, so every OS's search is unit-tested on any OS.
 *
 * Folders searched, per OS:
 * - Windows: %SystemRoot%\System32 and %SystemRoot%\SysWOW64, then the vendor folders of the table. SysWOW64
 *   holds 32-bit DLLs: a 64-bit host cannot load them (LoadLibrary fails with ERROR_BAD_EXE_FORMAT), so one
 *   found there is still listed and the architecture check (binary-architecture.ts) reports it as 32-bit
 *   instead of loading it — the person then knows to install the 64-bit driver.
 * - macOS: /usr/local/lib, /opt/homebrew/lib, /usr/lib (the default dlopen fallback path, where vendor
 *   plugins that load a bare "name.dylib" find it), then vendor folders such as /Library/OpenSC/lib.
 * - Linux: /usr/lib, /usr/lib64, /usr/lib/<multiarch triplet>, its pkcs11/ subfolder, /usr/local/lib, then
 *   vendor folders under /opt.
 */
import { posix, win32 } from 'node:path';
import type { DriverCandidate } from './driver-candidate.js';
import { KNOWN_DRIVERS, type DriverPlatform, type KnownDriver } from './known-drivers.js';

export interface KnownDriverSearch {
  readonly platform: NodeJS.Platform;
  /** process.arch: picks the Debian multiarch folder. */
  readonly arch: string;
  readonly env: NodeJS.ProcessEnv;
  readonly exists: (path: string) => boolean;
  /** Defaults to KNOWN_DRIVERS. */
  readonly drivers?: readonly KnownDriver[];
}

const MULTIARCH_TRIPLET: Readonly<Record<string, string>> = {
  x64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
  ia32: 'i386-linux-gnu',
  arm: 'arm-linux-gnueabihf',
};

export function multiarchTriplet(arch: string): string {
  return MULTIARCH_TRIPLET[arch] ?? 'x86_64-linux-gnu';
}

export const STANDARD_FOLDERS: Readonly<Record<DriverPlatform, readonly string[]>> = {
  win32: ['%SystemRoot%\\System32', '%SystemRoot%\\SysWOW64'],
  darwin: ['/usr/local/lib', '/opt/homebrew/lib', '/usr/lib'],
  linux: ['/usr/lib', '/usr/lib64', '/usr/lib/{triplet}', '/usr/lib/{triplet}/pkcs11', '/usr/local/lib'],
};

/** Windows environment names are case-insensitive; a plain object (tests, a copied env) is not. */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const direct = env[name];
  if (direct) return direct;
  const key = Object.keys(env).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? env[key] || undefined : undefined;
}

/** A folder template with %VARS% and {triplet} filled in, or undefined when a variable is unset. */
export function expandFolder(template: string, search: Pick<KnownDriverSearch, 'arch' | 'env'>): string | undefined {
  let missing = false;
  const expanded = template
    .replace(/%([^%]+)%/g, (_, name: string) => {
      const value = envValue(search.env, name) ?? (name.toLowerCase() === 'systemroot' ? 'C:\\Windows' : undefined);
      if (value === undefined) missing = true;
      return value ?? '';
    })
    .replaceAll('{triplet}', multiarchTriplet(search.arch));
  return missing ? undefined : expanded;
}

function isDriverPlatform(platform: NodeJS.Platform): platform is DriverPlatform {
  return platform === 'win32' || platform === 'darwin' || platform === 'linux';
}

/** Every known driver file that exists, in table order, each once. */
export function knownDriverCandidates(search: KnownDriverSearch): DriverCandidate[] {
  const { platform } = search;
  if (!isDriverPlatform(platform)) return [];
  const join = platform === 'win32' ? win32.join : posix.join;
  const out: DriverCandidate[] = [];
  const seen = new Set<string>();
  for (const driver of search.drivers ?? KNOWN_DRIVERS) {
    const files = driver.files[platform] ?? [];
    if (files.length === 0) continue;
    const folders = [...STANDARD_FOLDERS[platform], ...(driver.folders?.[platform] ?? [])]
      .map((f) => expandFolder(f, search))
      .filter((f): f is string => f !== undefined);
    for (const file of files) {
      for (const folder of folders) {
        const path = join(folder, file);
        // Windows file names are case-insensitive: one file reached by two spellings is one candidate.
        const key = platform === 'win32' ? path.toLowerCase() : path;
        if (seen.has(key) || !search.exists(path)) continue;
        seen.add(key);
        out.push({ path, foundBy: 'known-path', vendor: driver.vendor });
      }
    }
  }
  return out;
}

/** The vendor of a driver file by its name (any folder), for drivers found another way. */
export function vendorOfDriverFile(path: string, drivers: readonly KnownDriver[] = KNOWN_DRIVERS): string | undefined {
  const base = path.split(/[\\/]/).pop()?.toLowerCase() ?? '';
  return drivers.find((d) => Object.values(d.files).some((files) => files?.some((f) => f.toLowerCase() === base)))?.vendor;
}
