/**
 * Options page section "Ảnh chữ ký và con dấu / Signature images": the person stores the image of their handwritten
 * signature (drawn on approval, VGCA /SignApproved) and the organisation's seal (on issuing, /SignIssued), as
 * Decree 30/2020 Phụ lục I shows them. Each file is checked before it is stored (extension/compat/stamp-images.ts:
 * PNG or JPEG by content, ≤ 512 KB, 32–2000 px a side) and kept in the extension's storage.local, which no site
 * can read. An image the admin set by policy is shown, and for the seal it is the one in force.
 */
import { browserApi } from '../../platform/browser-api.js';
import { bytesToBase64 } from '../../../shared/domain/base64.js';
import {
  STAMP_IMAGES_POLICY_KEY, STAMP_IMAGES_STORAGE_KEY, STAMP_IMAGE_MAX_PX, STAMP_IMAGE_MIN_PX, parseStampImages, storedImageOf,
  type StampImageProblem, type StampImageRole, type StampImages,
} from '../../compat/stamp-images.js';
import { el } from '../dom.js';
import type { UiLanguage } from './options-text.js';

const TEXT = {
  vi: {
    heading: 'Ảnh chữ ký và con dấu',
    note: `Kyso vẽ các ảnh này vào chữ ký số theo Nghị định 30/2020 khi cổng dùng VGCA Sign Service: ảnh chữ ký tay khi ký phê duyệt, con dấu khi ký ban hành. PNG nền trong suốt hoặc JPEG, tối đa 512 KB, cạnh ${STAMP_IMAGE_MIN_PX}–${STAMP_IMAGE_MAX_PX} px. Trang web không đọc được các ảnh này.`,
    roles: { signer: 'Ảnh chữ ký tay (ký phê duyệt)', seal: 'Con dấu của cơ quan (ký ban hành)' },
    none: 'Chưa có ảnh.', choose: 'Chọn ảnh', remove: 'Xoá ảnh',
    adminSeal: 'Quản trị viên đã đặt con dấu; Kyso dùng con dấu đó.', adminSigner: 'Quản trị viên đã đặt ảnh chữ ký; Kyso dùng nó khi bạn chưa lưu ảnh của mình.',
    problems: { type: 'Tệp không phải ảnh PNG hoặc JPEG.', size: 'Ảnh lớn hơn 512 KB.', dimensions: `Kích thước ảnh phải từ ${STAMP_IMAGE_MIN_PX} đến ${STAMP_IMAGE_MAX_PX} px mỗi cạnh.` } as Record<StampImageProblem, string>,
    saveFailed: 'Không lưu được ảnh.',
  },
  en: {
    heading: 'Signature images',
    note: `Kyso draws these images in Decree 30/2020 signatures when a portal uses the VGCA Sign Service: your handwritten signature on approval, the seal on issuing. PNG with a transparent background or JPEG, at most 512 KB, ${STAMP_IMAGE_MIN_PX}–${STAMP_IMAGE_MAX_PX} px a side. Sites cannot read these images.`,
    roles: { signer: 'Handwritten signature (approval)', seal: 'Organisation seal (issuing)' },
    none: 'No image.', choose: 'Choose image', remove: 'Remove image',
    adminSeal: 'Your administrator set the seal; Kyso uses that one.', adminSigner: 'Your administrator set a signature image; Kyso uses it when you have not stored your own.',
    problems: { type: 'The file is not a PNG or JPEG image.', size: 'The image is larger than 512 KB.', dimensions: `Each side must be ${STAMP_IMAGE_MIN_PX}–${STAMP_IMAGE_MAX_PX} px.` } as Record<StampImageProblem, string>,
    saveFailed: 'The image could not be saved.',
  },
} as const;

const ROLES: readonly StampImageRole[] = ['signer', 'seal'];
let language: UiLanguage = 'vi';
let stored: StampImages = {};
let admin: StampImages = {};
const errors: Partial<Record<StampImageRole, { problem: StampImageProblem } | { saveFailed: true }>> = {};

const $ = (id: string) => document.getElementById(id)!;

async function load(): Promise<void> {
  stored = parseStampImages((await browserApi.localStorageGet(STAMP_IMAGES_STORAGE_KEY).catch(() => ({})) as Record<string, unknown>)[STAMP_IMAGES_STORAGE_KEY]);
  const managed = await browserApi.managedStorage()?.get([STAMP_IMAGES_POLICY_KEY]).catch(() => undefined) as Record<string, unknown> | undefined;
  admin = parseStampImages(managed?.[STAMP_IMAGES_POLICY_KEY]);
  render();
}

async function save(next: StampImages): Promise<void> {
  const value = Object.fromEntries(Object.entries(next).map(([role, image]) => [role, { data: image.data, name: image.name }]));
  await browserApi.localStorageSet({ [STAMP_IMAGES_STORAGE_KEY]: value });
}

async function onChosen(role: StampImageRole, input: HTMLInputElement): Promise<void> {
  const file = input.files?.[0];
  if (!file) return;
  delete errors[role];
  // Size first: a huge file is refused without reading it.
  const checked = file.size > 512 * 1024 ? { ok: false as const, problem: 'size' as const } : storedImageOf(bytesToBase64(new Uint8Array(await file.arrayBuffer())), file.name);
  if (!checked.ok) { errors[role] = { problem: checked.problem }; render(); return; }
  try { await save({ ...stored, [role]: checked.image }); } catch { errors[role] = { saveFailed: true }; }
  await load();
}

async function onRemove(role: StampImageRole): Promise<void> {
  const next = { ...stored };
  delete next[role];
  delete errors[role];
  try { await save(next); } catch { errors[role] = { saveFailed: true }; }
  await load();
}

function render(): void {
  const t = TEXT[language];
  $('stamp-images-heading').textContent = t.heading;
  $('stamp-images-note').textContent = t.note;
  const body = $('stamp-images-body');
  body.replaceChildren();
  for (const role of ROLES) {
    const image = stored[role];
    const row = el('div', { className: 'stamp-image-row', testid: `stamp-image-${role}` });
    row.append(el('h3', { text: t.roles[role] }));
    if (image) {
      const preview = el('img', { testid: `stamp-image-preview-${role}` });
      preview.src = `data:${image.type};base64,${image.data}`;
      preview.alt = t.roles[role];
      preview.className = 'stamp-image-preview';
      row.append(preview, el('span', { className: 'muted', text: ` ${image.name} — ${image.width}×${image.height} px` }));
    } else {
      row.append(el('p', { className: 'muted', text: t.none, testid: `stamp-image-none-${role}` }));
    }
    if (admin[role]) row.append(el('p', { className: 'note', text: role === 'seal' ? t.adminSeal : t.adminSigner, testid: `stamp-image-admin-${role}` }));
    const input = el('input', { testid: `stamp-image-input-${role}` });
    input.type = 'file';
    input.accept = 'image/png,image/jpeg';
    input.id = `stamp-image-input-${role}`;
    input.addEventListener('change', () => { void onChosen(role, input); });
    const label = el('label', { text: `${t.choose}: ` });
    label.htmlFor = input.id;
    const controls = el('div', { className: 'add-row' }, label, input);
    if (image) {
      const remove = el('button', { text: t.remove, testid: `stamp-image-remove-${role}` });
      remove.type = 'button';
      remove.addEventListener('click', () => { void onRemove(role); });
      controls.append(remove);
    }
    row.append(controls);
    const error = errors[role];
    if (error) row.append(el('div', { className: 'error', text: 'problem' in error ? t.problems[error.problem] : t.saveFailed, testid: `stamp-image-error-${role}` }));
    body.append(row);
  }
}

/** Load the images and draw the section (call once). */
export function initStampImagesSection(initialLanguage: UiLanguage): void {
  language = initialLanguage;
  browserApi.onStorageChanged((changes, area) => {
    if ((area === 'local' && STAMP_IMAGES_STORAGE_KEY in changes) || area === 'managed') void load();
  });
  void load();
}

/** Redraw in another language. */
export function renderStampImagesSection(nextLanguage: UiLanguage): void {
  language = nextLanguage;
  render();
}
