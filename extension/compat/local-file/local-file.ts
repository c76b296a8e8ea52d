/**
 * The "choose a local file" window for VGCA calls with `FileName: ""` (background/compat/local-file-picker.ts).
 * The file input lives here, in Kyso's own window, never in the page. The chosen file is read and sent to the
 * background in order, in chunks; the background checks it (size, PDF) and continues with the consent window.
 */
import * as v from 'valibot';
import { browserApi } from '../../platform/browser-api.js';
import { bytesToBase64 } from '../../../shared/domain/base64.js';
import { LOCAL_FILE_CHUNK_BYTES, LocalFileReplySchema, type LocalFileReply } from '../local-file-messages.js';
import { siteIdentity } from '../../ui/consent/site-identity.js';

const sessionId = new URLSearchParams(location.search).get('session') ?? '';
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const input = $<HTMLInputElement>('file');
const next = $<HTMLButtonElement>('continue');
let maxBytes = 0;
let busy = false;

async function send(message: Record<string, unknown>): Promise<LocalFileReply> {
  const parsed = v.safeParse(LocalFileReplySchema, await browserApi.sendMessage({ ...message, sessionId }));
  return parsed.success ? parsed.output : { outcome: 'closed' };
}

function showError(text: string | undefined): void {
  const box = $('error');
  box.hidden = !text;
  box.textContent = text ?? '';
}

function megabytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

input.addEventListener('change', () => {
  const file = input.files?.[0];
  showError(undefined);
  next.disabled = !file;
  if (file && file.size > maxBytes) { showError(`Tệp lớn hơn ${megabytes(maxBytes)}. (The file is larger than ${megabytes(maxBytes)}.)`); next.disabled = true; }
  else if (file && file.size === 0) { showError('Tệp rỗng. (The file is empty.)'); next.disabled = true; }
});

next.addEventListener('click', () => { void sendFile(); });
$('cancel').addEventListener('click', () => { void send({ kind: 'compat.localFile.cancel' }).finally(() => window.close()); });
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') { event.preventDefault(); void send({ kind: 'compat.localFile.cancel' }).finally(() => window.close()); }
});

async function sendFile(): Promise<void> {
  const file = input.files?.[0];
  if (!file || busy) return;
  busy = true;
  next.disabled = true;
  input.disabled = true;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    for (let offset = 0; offset < bytes.length; offset += LOCAL_FILE_CHUNK_BYTES) {
      const reply = await send({
        kind: 'compat.localFile.chunk', fileName: file.name, size: bytes.length, offset,
        data: bytesToBase64(bytes.subarray(offset, offset + LOCAL_FILE_CHUNK_BYTES)),
      });
      if (reply.outcome === 'closed') { if (reply.error) { showError(reply.error); setTimeout(() => window.close(), 4000); } else window.close(); return; }
    }
  } catch {
    showError('Không đọc được tệp. (The file could not be read.)');
    busy = false;
    input.disabled = false;
  }
}

send({ kind: 'compat.localFile.getState' }).then((reply) => {
  if (reply.outcome !== 'state') { window.close(); return; }
  const { state } = reply;
  maxBytes = state.maxBytes;
  $('registrable-domain').textContent = siteIdentity(state.origin).registrableDomain;
  $('origin').textContent = state.origin;
  $('kind').textContent = state.kind;
  $('upload-to').textContent = state.uploadTo;
  $('max').textContent = megabytes(maxBytes);
  $('title').focus();
}, () => window.close());
