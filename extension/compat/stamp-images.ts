/**
 * The signer's image (handwritten signature, for approval) and the organisation's seal (for issuing) that Kyso draws
 * in Decree 30 stamps of VGCA calls (Phụ lục I: a blue handwritten signature; the red seal at its real size; PNG
 * with a transparent background recommended). The person stores them on the options page; an admin may set them by
 * policy (`signatureImages: {signer, seal}`, base64). Kept in the extension's storage.local — a site never reads
 * them; a page only gets a signed PDF whose stamp contains them, after the person's consent.
 *
 * Every image is checked here — where it is stored AND where it is used — for type (PNG or JPEG by their
 * signatures, not by name), size (≤ 512 KB) and dimensions (32…2000 px a side). Pure: unit-tested.
 */
import * as v from 'valibot';
import { base64ToBytes } from '../../shared/domain/base64.js';

export const STAMP_IMAGES_STORAGE_KEY = 'kyso.stampImages';
export const STAMP_IMAGES_POLICY_KEY = 'signatureImages';
export const STAMP_IMAGE_LIMIT_BYTES = 512 * 1024;
export const STAMP_IMAGE_MIN_PX = 32;
export const STAMP_IMAGE_MAX_PX = 2000;

export type StampImageRole = 'signer' | 'seal';
export type StampImageProblem = 'type' | 'size' | 'dimensions';

export interface StampImageFacts {
  readonly type: 'image/png' | 'image/jpeg';
  readonly width: number;
  readonly height: number;
}

export type StampImageCheck = { readonly ok: true; readonly facts: StampImageFacts } | { readonly ok: false; readonly problem: StampImageProblem };

/** PNG: IHDR is the first chunk, width and height big-endian at bytes 16 and 20 [PNG spec §11.2.2]. */
function pngSize(b: Uint8Array): { width: number; height: number } | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length < 33 || signature.some((x, i) => b[i] !== x)) return undefined;
  if (String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== 'IHDR') return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** JPEG: the first SOFn marker segment carries height and width [ITU T.81 §B.2.2]. */
function jpegSize(b: Uint8Array): { width: number; height: number } | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) { i++; continue; }
    const length = (b[i + 2]! << 8) | b[i + 3]!;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return { height: (b[i + 5]! << 8) | b[i + 6]!, width: (b[i + 7]! << 8) | b[i + 8]! };
    if (length < 2) return undefined;
    i += 2 + length;
  }
  return undefined;
}

export function inspectStampImage(bytes: Uint8Array): StampImageCheck {
  if (bytes.length > STAMP_IMAGE_LIMIT_BYTES) return { ok: false, problem: 'size' };
  const png = pngSize(bytes);
  const jpeg = png ? undefined : jpegSize(bytes);
  const size = png ?? jpeg;
  if (!size) return { ok: false, problem: 'type' };
  const within = (n: number) => n >= STAMP_IMAGE_MIN_PX && n <= STAMP_IMAGE_MAX_PX;
  if (!within(size.width) || !within(size.height)) return { ok: false, problem: 'dimensions' };
  return { ok: true, facts: { type: png ? 'image/png' : 'image/jpeg', ...size } };
}

/** One stored image: base64 bytes plus what was checked when it was stored (re-checked on every read). */
export interface StoredStampImage extends StampImageFacts {
  readonly data: string;
  /** The file name the person chose (shown on the options page). */
  readonly name: string;
}

export type StampImages = Partial<Record<StampImageRole, StoredStampImage>>;

const StoredSchema = v.object({ data: v.pipe(v.string(), v.maxLength(Math.ceil(STAMP_IMAGE_LIMIT_BYTES / 3) * 4)), name: v.optional(v.pipe(v.string(), v.maxLength(255)), '') });

/** A base64 image → the stored form, or the problem with it. */
export function storedImageOf(data: string, name: string): { ok: true; image: StoredStampImage } | { ok: false; problem: StampImageProblem } {
  let bytes: Uint8Array;
  try { bytes = base64ToBytes(data); } catch { return { ok: false, problem: 'type' }; }
  const check = inspectStampImage(bytes);
  return check.ok ? { ok: true, image: { data, name: name.slice(0, 255), ...check.facts } } : check;
}

/** Storage or policy value → the images that pass the checks (anything else is dropped, never drawn). */
export function parseStampImages(raw: unknown): StampImages {
  if (!raw || typeof raw !== 'object') return {};
  const out: { -readonly [K in StampImageRole]?: StoredStampImage } = {};
  for (const role of ['signer', 'seal'] as const) {
    const value = (raw as Record<string, unknown>)[role];
    // Policy gives bare base64 strings; storage keeps {data, name}.
    const parsed = v.safeParse(StoredSchema, typeof value === 'string' ? { data: value, name: '' } : value);
    if (!parsed.success) continue;
    const stored = storedImageOf(parsed.output.data, parsed.output.name);
    if (stored.ok) out[role] = stored.image;
  }
  return out;
}

/**
 * The images a stamp uses. The seal is the organisation's: the admin's wins. The signer image is the person's own
 * handwriting: theirs wins, the admin's is the fallback (a per-user policy).
 */
export function effectiveStampImages(person: StampImages, admin: StampImages): StampImages {
  const seal = admin.seal ?? person.seal;
  const signer = person.signer ?? admin.signer;
  return { ...(signer ? { signer } : {}), ...(seal ? { seal } : {}) };
}
