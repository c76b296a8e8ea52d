/**
 * VGCA `FileName: ""`: the person chooses the file to sign on their own computer, in Kyso's window
 * (compat/local-file/local-file.html) — never in the page, which gets no file input, no file name and no bytes.
 * The window shows who asks, the kind of signature and where the signed file will be uploaded; the file then
 * goes through the usual path (host upload, consent window with its preview, PIN, upload to FileUploadHandler).
 *
 * One window at a time (a second request while it is open is refused: TOO_MANY_REQUESTS). Closing the window or
 * its Cancel is USER_CANCELLED; the page going away closes it (REQUEST_SUPERSEDED); CONSENT_TIMEOUT after the
 * consent window's timeout. Only that extension page may answer (sender URL checked); chunks must arrive in order,
 * add up to the declared size and stay under COMPAT_DOWNLOAD_MAX_BYTES; the file must be a PDF.
 */
import * as v from 'valibot';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { base64ToBytes } from '../../../shared/domain/base64.js';
import { CONSENT_TIMEOUT_MS } from '../../../shared/limits.js';
import { newRequestId } from '../../../shared/protocol/validate.js';
import { LOCAL_FILE_PAGE_PATH, LocalFileMessageSchema, type LocalFileReply } from '../../compat/local-file-messages.js';
import { COMPAT_DOWNLOAD_MAX_BYTES } from './portal-transfer.js';

const WINDOW_WIDTH_PX = 520;
const WINDOW_HEIGHT_PX = 480;

export interface LocalFileAsk {
  /** The frame's origin, from the browser. */
  readonly origin: string;
  /** The kind of signature in Vietnamese ("Ký phê duyệt"). */
  readonly kind: string;
  /** Where the signed file will be POSTed (origin + path). */
  readonly uploadTo: string;
}

export interface ChosenFile {
  readonly bytes: Uint8Array;
  readonly fileName: string;
}

export interface LocalFilePickerDependencies {
  createWindow(url: string, width: number, height: number): Promise<{ id?: number | undefined }>;
  removeWindow(windowId: number): Promise<void>;
  getURL(path: string): string;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

interface Session {
  readonly id: string;
  readonly ask: LocalFileAsk;
  windowId?: number;
  fileName?: string;
  size?: number;
  received: Uint8Array[];
  receivedBytes: number;
  finished: boolean;
  timer: ReturnType<typeof setTimeout>;
  resolve(file: ChosenFile): void;
  reject(error: KysoError): void;
}

export function createLocalFilePicker(deps: LocalFilePickerDependencies) {
  const maxBytes = deps.maxBytes ?? COMPAT_DOWNLOAD_MAX_BYTES;
  let active: Session | undefined;

  const finish = (session: Session, outcome: { file: ChosenFile } | { error: KysoError }, windowGone = false) => {
    if (session.finished) return;
    session.finished = true;
    clearTimeout(session.timer);
    if (active === session) active = undefined;
    if ('file' in outcome) session.resolve(outcome.file); else session.reject(outcome.error);
    if (session.windowId !== undefined && !windowGone) void deps.removeWindow(session.windowId);
  };

  const receive = (session: Session, chunk: { fileName: string; size: number; offset: number; data: string }): LocalFileReply => {
    if (chunk.size > maxBytes) {
      const error = new KysoError('PAYLOAD_TOO_LARGE', { limitBytes: maxBytes });
      finish(session, { error });
      return { outcome: 'closed', error: `${error.messageVi}` };
    }
    // The first chunk fixes name and size; later ones must continue exactly where the last ended.
    if (session.receivedBytes === 0 && chunk.offset === 0 && session.size === undefined) { session.fileName = chunk.fileName; session.size = chunk.size; }
    const bytes = base64ToBytes(chunk.data);
    if (chunk.offset !== session.receivedBytes || chunk.fileName !== session.fileName || chunk.size !== session.size
      || bytes.length === 0 || session.receivedBytes + bytes.length > chunk.size) {
      const error = new KysoError('BAD_REQUEST', { reason: 'the chosen file arrived out of order' });
      finish(session, { error });
      return { outcome: 'closed', error: error.messageVi };
    }
    session.received.push(bytes);
    session.receivedBytes += bytes.length;
    if (session.receivedBytes < chunk.size) return { outcome: 'more' };
    const file = new Uint8Array(session.receivedBytes);
    let at = 0;
    for (const part of session.received) { file.set(part, at); at += part.length; }
    // The VGCA file family signs PDF: anything else is refused here, with a message the person can act on.
    if (!isPdf(file)) {
      const error = new KysoError('UNSUPPORTED_DOCUMENT', { reason: 'the chosen file is not a PDF' });
      finish(session, { error });
      return { outcome: 'closed', error: 'Tệp đã chọn không phải PDF. (The chosen file is not a PDF.)' };
    }
    finish(session, { file: { bytes: file, fileName: session.fileName! } });
    return { outcome: 'closed' };
  };

  return {
    /** Open the window and wait for the person's file (or their cancel). */
    choose(ask: LocalFileAsk, signal: AbortSignal): Promise<ChosenFile> {
      if (signal.aborted) return Promise.reject(new KysoError('REQUEST_SUPERSEDED'));
      if (active) return Promise.reject(new KysoError('TOO_MANY_REQUESTS', { reason: 'a file is already being chosen' }));
      return new Promise<ChosenFile>((resolve, reject) => {
        const timeoutMs = deps.timeoutMs ?? CONSENT_TIMEOUT_MS;
        const session: Session = {
          id: newRequestId(), ask, received: [], receivedBytes: 0, finished: false, resolve, reject,
          timer: setTimeout(() => finish(session, { error: new KysoError('CONSENT_TIMEOUT', { timeoutMs }) }), timeoutMs),
        };
        active = session;
        signal.addEventListener('abort', () => finish(session, { error: new KysoError('REQUEST_SUPERSEDED') }), { once: true });
        deps.createWindow(`${deps.getURL(LOCAL_FILE_PAGE_PATH)}?session=${encodeURIComponent(session.id)}`, WINDOW_WIDTH_PX, WINDOW_HEIGHT_PX).then(
          (window) => {
            if (window.id === undefined) { finish(session, { error: new KysoError('INTERNAL_ERROR', { reason: 'no window id' }) }); return; }
            session.windowId = window.id;
            if (session.finished) void deps.removeWindow(window.id);
          },
          () => finish(session, { error: new KysoError('INTERNAL_ERROR', { reason: 'the file window could not open' }) }),
        );
      });
    },

    /** runtime.onMessage: only from Kyso's own file window; undefined for messages that are not ours. */
    handleMessage(message: unknown, senderUrl: string | undefined): Promise<LocalFileReply> | undefined {
      if (!(message as { kind?: unknown } | null)?.kind?.toString().startsWith('compat.localFile.')) return undefined;
      if (!senderUrl || !senderUrl.startsWith(deps.getURL(LOCAL_FILE_PAGE_PATH))) return undefined;
      const parsed = v.safeParse(LocalFileMessageSchema, message);
      const session = active;
      if (!parsed.success || !session || session.finished || parsed.output.sessionId !== session.id) return Promise.resolve({ outcome: 'closed' });
      const m = parsed.output;
      if (m.kind === 'compat.localFile.getState') return Promise.resolve({ outcome: 'state', state: { ...session.ask, maxBytes } });
      if (m.kind === 'compat.localFile.cancel') { finish(session, { error: new KysoError('USER_CANCELLED') }); return Promise.resolve({ outcome: 'closed' }); }
      return Promise.resolve(receive(session, m));
    },

    /** windows.onRemoved: the person closed the window. */
    handleWindowRemoved(windowId: number): void {
      if (active && active.windowId === windowId) finish(active, { error: new KysoError('USER_CANCELLED') }, true);
    },
  };
}

export type LocalFilePicker = ReturnType<typeof createLocalFilePicker>;

/** "%PDF-" within the first 1024 bytes, where readers look for the header [ISO 32000-1 §7.5.2 / Annex H]. */
function isPdf(bytes: Uint8Array): boolean {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024));
  return head.includes('%PDF-');
}
