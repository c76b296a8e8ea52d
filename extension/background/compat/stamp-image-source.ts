/**
 * Where the background reads the signer image and seal at signing time: the person's (storage.local, options page)
 * and the admin's (storage.managed, policy `signatureImages`), combined by effectiveStampImages. A storage that does
 * not answer in time counts as empty — a stamp without an image, never a signature that waits forever (Chromium
 * answers the first managed read only ≈ 2 s after start: background/access/browser-storage.ts).
 */
import { STAMP_IMAGES_POLICY_KEY, STAMP_IMAGES_STORAGE_KEY, effectiveStampImages, parseStampImages, type StampImages } from '../../compat/stamp-images.js';

export const STAMP_IMAGE_READ_TIMEOUT_MS = 10_000;

export interface StampImageStorage {
  localGet(key: string): Promise<Record<string, unknown>>;
  managedGet?: ((keys: string[]) => Promise<Record<string, unknown>>) | undefined;
  readonly timeoutMs?: number;
}

async function bounded<T>(read: Promise<T> | undefined, timeoutMs: number): Promise<T | undefined> {
  if (!read) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([read.catch(() => undefined), new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), timeoutMs); })]);
  } finally {
    clearTimeout(timer);
  }
}

export async function readStampImages(storage: StampImageStorage): Promise<StampImages> {
  const timeoutMs = storage.timeoutMs ?? STAMP_IMAGE_READ_TIMEOUT_MS;
  const [local, managed] = await Promise.all([
    bounded(storage.localGet(STAMP_IMAGES_STORAGE_KEY), timeoutMs),
    bounded(storage.managedGet?.([STAMP_IMAGES_POLICY_KEY]), timeoutMs),
  ]);
  return effectiveStampImages(parseStampImages(local?.[STAMP_IMAGES_STORAGE_KEY]), parseStampImages(managed?.[STAMP_IMAGES_POLICY_KEY]));
}
