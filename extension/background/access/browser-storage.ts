/**
 * The thin layer between the access policy and browser storage. The only file under access/ (and the
 * options page) that touches a browser API — switch it to extension/platform/ when that adapter grows
 * storage methods.
 */
import browser from 'webextension-polyfill';
import { MANAGED_POLICY_KEYS } from './managed-policy.js';
import { RAW_SIGNING_STORAGE_KEY } from './raw-signing-opt-ins.js';
import { USER_ORIGINS_STORAGE_KEY } from './user-allowlist.js';

/**
 * Chromium answers the first storage.managed read ≈ 2 s after the extension starts (measured with Chromium
 * 156: 1.9 s with and without a policy; < 5 ms afterwards). Wait well beyond that before giving up.
 */
const MANAGED_READ_TIMEOUT_MS = 10_000;

export type ManagedRead =
  | { readonly kind: 'values'; readonly values: Record<string, unknown> }
  /** No managed storage here (Firefox without policy throws; some browsers lack the API): no policy. */
  | { readonly kind: 'unavailable' }
  /** No answer in time: treated as no policy for this request, and asked again next time. */
  | { readonly kind: 'timeout' };

/** Raw admin policy from storage.managed. Never throws. */
export async function readManagedStorage(): Promise<ManagedRead> {
  const managed = browser.storage?.managed;
  if (!managed) return { kind: 'unavailable' };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<ManagedRead>((resolve) => { timer = setTimeout(() => resolve({ kind: 'timeout' }), MANAGED_READ_TIMEOUT_MS); });
    const read = managed.get([...MANAGED_POLICY_KEYS]).then((values): ManagedRead => ({ kind: 'values', values }));
    return await Promise.race([read, timeout]);
  } catch {
    return { kind: 'unavailable' };
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

/** Raw stored raw-signing opt-ins (parse with parseRawSigningOptIns). */
export async function readRawSigningOptInsRaw(): Promise<unknown> {
  const stored = await browser.storage.local.get(RAW_SIGNING_STORAGE_KEY);
  return stored[RAW_SIGNING_STORAGE_KEY];
}

export async function writeRawSigningOptIns(entries: readonly unknown[]): Promise<void> {
  await browser.storage.local.set({ [RAW_SIGNING_STORAGE_KEY]: entries });
}

/** Called when admin policy, the user list or the raw-signing opt-ins change (options page refreshes itself). */
export function onAccessStorageChanged(listener: () => void): void {
  browser.storage.onChanged.addListener((changes, areaName) => {
    if (areaName === 'managed' || (areaName === 'local' && (USER_ORIGINS_STORAGE_KEY in changes || RAW_SIGNING_STORAGE_KEY in changes))) listener();
  });
}

/** Admin policy changed (browsers refresh policy periodically and on chrome://policy "Reload"). */
export function onManagedStorageChanged(listener: () => void): void {
  browser.storage.onChanged.addListener((_changes, areaName) => {
    if (areaName === 'managed') listener();
  });
}
