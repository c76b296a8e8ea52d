/**
 * Downloads of the unsigned file and uploads of the signed one for the plugin transport — the part the VGCA
 * desktop service did over HTTP. Rules (docs/security.md "Plugin compatibility transport"):
 *   - only the page's own origin, or an origin the ADMIN allowed (policy allowedOrigins); http only where the
 *     page itself is http (a loopback test portal in a development build);
 *   - never the browser's cookies (`credentials: 'omit'`): the VGCA service never had them, and a page must not
 *     make Kyso carry the person's session to a URL it names;
 *   - no redirects (a redirect could leave the allowed origins);
 *   - `JWTToken` → `Authorization: Bearer …`, `SessionId` → header `X-Session-Id` and multipart field `SessionId`
 *     (the research found no public statement of how the service passes them: this is Kyso's documented choice);
 *   - bounded size; a non-2xx answer or an answer that is not the plugin's JSON is a failure.
 */
import { entryMatchesOrigin, parseRequesterOrigin, type OriginEntry } from '../../../shared/domain/origin.js';

/** Largest file Kyso downloads for a plugin call (the background holds it in memory while signing). */
export const COMPAT_DOWNLOAD_MAX_BYTES = 64 * 1024 * 1024;
/** Largest JSON answer read from an upload handler. */
const UPLOAD_ANSWER_MAX_CHARS = 64 * 1024;

export class TransferError extends Error {
  constructor(readonly stage: 'url' | 'download' | 'upload', readonly reason: string) {
    super(`${stage}: ${reason}`);
  }
}

export interface PortalCredentials {
  readonly sessionId?: string | undefined;
  readonly jwtToken?: string | undefined;
}

/** The URL when the page may make Kyso fetch or post it; throws TransferError('url') otherwise. */
export function allowedTransferUrl(raw: string, pageOrigin: string, adminAllowed: readonly OriginEntry[]): URL {
  let url: URL;
  try { url = new URL(raw, pageOrigin); } catch { throw new TransferError('url', 'not a URL'); }
  if (url.username || url.password) throw new TransferError('url', 'credentials in URL');
  if (url.origin === pageOrigin) return url;
  const parsed = parseRequesterOrigin(url.origin);
  if (parsed.ok && parsed.value.scheme === 'https' && adminAllowed.some((entry) => entryMatchesOrigin(entry, parsed.value))) return url;
  throw new TransferError('url', 'origin not allowed');
}

function headersFor(credentials: PortalCredentials): Headers {
  const headers = new Headers();
  if (credentials.jwtToken && /^[\x21-\x7e]+$/.test(credentials.jwtToken)) headers.set('Authorization', `Bearer ${credentials.jwtToken}`);
  if (credentials.sessionId && /^[\x21-\x7e]+$/.test(credentials.sessionId)) headers.set('X-Session-Id', credentials.sessionId);
  return headers;
}

export async function downloadDocument(url: URL, credentials: PortalCredentials, signal: AbortSignal): Promise<{ bytes: Uint8Array; fileName: string }> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'omit', redirect: 'error', cache: 'no-store', headers: headersFor(credentials), signal });
  } catch {
    throw new TransferError('download', 'network');
  }
  if (!response.ok) throw new TransferError('download', `HTTP ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > COMPAT_DOWNLOAD_MAX_BYTES) throw new TransferError('download', 'too large');
  const bytes = await readBounded(response, COMPAT_DOWNLOAD_MAX_BYTES);
  return { bytes, fileName: fileNameOf(url, response.headers.get('content-disposition')) };
}

/** POST the signed file as multipart field `uploadfile` (file name kept) [OpenCPS VGCAManagement.java @Multipart("uploadfile")]. */
export async function uploadSignedDocument(
  url: URL, file: { bytes: Uint8Array; fileName: string; type: string }, credentials: PortalCredentials,
  metadata: readonly { Key: string; Value: string }[], signal: AbortSignal,
): Promise<unknown> {
  const form = new FormData();
  for (const { Key, Value } of metadata) if (Key && Key !== 'uploadfile') form.append(Key, Value);
  if (credentials.sessionId) form.append('SessionId', credentials.sessionId);
  form.append('uploadfile', new Blob([file.bytes as BlobPart], { type: file.type }), file.fileName);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', body: form, credentials: 'omit', redirect: 'error', cache: 'no-store', headers: headersFor(credentials), signal });
  } catch {
    throw new TransferError('upload', 'network');
  }
  if (!response.ok) throw new TransferError('upload', `HTTP ${response.status}`);
  const text = new TextDecoder().decode(await readBounded(response, UPLOAD_ANSWER_MAX_CHARS));
  try { return JSON.parse(text) as unknown; } catch { throw new TransferError('upload', 'answer is not JSON'); }
}

async function readBounded(response: Response, maxBytes: number): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) { await reader.cancel().catch(() => undefined); throw new TransferError('download', 'too large'); }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) { out.set(part, offset); offset += part.length; }
  return out;
}

/** The name the signed file is uploaded under: Content-Disposition's, else the URL's last segment; never a path. */
export function fileNameOf(url: URL, disposition: string | null): string {
  const fromHeader = disposition ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1] : undefined;
  let name = fromHeader ?? url.pathname.split('/').pop() ?? '';
  try { name = decodeURIComponent(name); } catch { /* keep as is */ }
  name = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').slice(0, 255);
  return name || 'document.pdf';
}
