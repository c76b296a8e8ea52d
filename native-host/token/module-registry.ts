/**
 * One loaded Pkcs11Module per library file per process, shared by every TokenService and finalised when the
 * last user lets go. PKCS#11 allows one C_Initialize per process [PKCS#11 2.40 §5.4]: a second service that
 * finalised "its" copy would pull the library from under the first. Keyed by the file's real path: the same
 * library reached through a symlink or a p11-kit registration is the same loaded library (dlopen shares it).
 */
import { Pkcs11Module } from './pkcs11-module.js';

const modules = new Map<string, { module: Pkcs11Module; users: number }>();
const keys = new WeakMap<Pkcs11Module, string>();

/** `realPath`: the library's resolved path when known (driver-screening.ts), else `path` itself. */
export function acquireModule(path: string, realPath: string = path, initArgs?: string): Pkcs11Module {
  const entry = modules.get(realPath);
  // A module that failed to load is retried for the next user (the driver may have been installed since).
  // One given up as not responding is kept too: loading it again would call into a driver that hangs.
  if (entry && (entry.module.loaded || entry.module.givenUp)) {
    entry.users++;
    return entry.module;
  }
  const module = Pkcs11Module.load(path, initArgs, realPath);
  if (module.loaded) {
    modules.set(realPath, { module, users: 1 });
    keys.set(module, realPath);
  }
  return module;
}

export function releaseModule(module: Pkcs11Module): void {
  const key = keys.get(module);
  const entry = key === undefined ? undefined : modules.get(key);
  if (!entry || entry.module !== module) {
    module.finalize();
    return;
  }
  entry.users--;
  if (entry.users <= 0) {
    modules.delete(key!);
    module.finalize();
  }
}
