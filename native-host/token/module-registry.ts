/**
 * One loaded Pkcs11Module per library path per process, shared by every TokenService and finalised when the
 * last user lets go. PKCS#11 allows one C_Initialize per process [PKCS#11 2.40 §5.4]: a second service that
 * finalised "its" copy would pull the library from under the first.
 */
import { Pkcs11Module } from './pkcs11-module.js';

const modules = new Map<string, { module: Pkcs11Module; users: number }>();

export function acquireModule(path: string): Pkcs11Module {
  const entry = modules.get(path);
  // A module that failed to load is retried for the next user (the driver may have been installed since).
  if (entry && entry.module.loaded) {
    entry.users++;
    return entry.module;
  }
  const module = Pkcs11Module.load(path);
  if (module.loaded) modules.set(path, { module, users: 1 });
  return module;
}

export function releaseModule(module: Pkcs11Module): void {
  const entry = modules.get(module.path);
  if (!entry || entry.module !== module) {
    module.finalize();
    return;
  }
  entry.users--;
  if (entry.users <= 0) {
    modules.delete(module.path);
    module.finalize();
  }
}
