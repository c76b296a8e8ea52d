/**
 * The thin layer between the access policy and browser storage. The only file under access/ (and the
 * options page) that touches a browser API — switch it to extension/platform/ when that adapter grows
 * storage methods.
 */
import browser from 'webextension-polyfill';
import { MANAGED_POLICY_KEYS } from './managed-policy.js';
import { USER_ORIGINS_STORAGE_KEY } from './user-allowlist.js';

/** A storage.managed read that has not answered by then is treated as "no policy" (see readManagedStorage). */
const MANAGED_READ_TIMEOUT_MS = 2000;

/**
 * Raw admin policy. Firefox throws when no policy exists for the add-on; Chrome without a managed schema
 * returns {}; some browsers lack `storage.managed` entirely. All of these mean "no policy".
 */
export async function readManagedStorage(): Promise<Record<string, unknown>> {
  const managed = browser.storage?.managed;
  if (!managed) return {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<Record<string, unknown>>((resolve) => { timer = setTimeout(() => resolve({}), MANAGED_READ_TIMEOUT_MS); });
    return await Promise.race([managed.get([...MANAGED_POLICY_KEYS]), timeout]);
  } catch {
    return {};
  } finally {
    clearTimeout(timer);
  }
}

/** Raw stored user list (parse with parseUserOrigins). */
export async function readUserOriginsRaw(): Promise<unknown> {
  const stored = await browser.storage.local.get(USER_ORIGINS_STORAGE_KEY);
  return stored[USER_ORIGINS_STORAGE_KEY];
}

export async function writeUserOrigins(entries: readonly unknown[]): Promise<void> {
  await browser.storage.local.set({ [USER_ORIGINS_STORAGE_KEY]: entries });
}

/** Called when admin policy or the user list changes (options page refreshes itself). */
export function onAccessStorageChanged(listener: () => void): void {
  browser.storage.onChanged.addListener((changes, areaName) => {
    if (areaName === 'managed' || (areaName === 'local' && USER_ORIGINS_STORAGE_KEY in changes)) listener();
  });
}

/** Admin policy changed (browsers refresh policy periodically and on chrome://policy "Reload"). */
export function onManagedStorageChanged(listener: () => void): void {
  browser.storage.onChanged.addListener((_changes, areaName) => {
    if (areaName === 'managed') listener();
  });
}
