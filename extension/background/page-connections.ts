/**
 * The background end of each frame's runtime port. Identity comes from `port.sender` (the browser), never from
 * the payload. A closed port (tab closed, navigated, frame removed) cancels that frame's requests.
 */
import * as v from 'valibot';
import { KysoError, serializeError } from '../../shared/errors/kyso-error.js';
import { MAX_PENDING_REQUESTS_PER_PAGE, ORIGIN_MAX_CHARS, PROTOCOL_VERSION } from '../../shared/limits.js';
import { PageRequestSchema, type PageReply, type PageRequest } from '../../shared/protocol/page-messages.js';
import { ContentToBackgroundSchema, PAGE_PORT_NAME } from '../messaging/internal-messages.js';
import type { RequestContext } from './router.js';

/** What the browser tells us about the other end of a port [MDN runtime.MessageSender]. */
export interface PortSender {
  readonly origin?: string | undefined;
  readonly url?: string | undefined;
  readonly frameId?: number | undefined;
  readonly tab?: { readonly url?: string | undefined } | undefined;
}

export interface PagePort {
  readonly name: string;
  readonly sender?: PortSender | undefined;
  postMessage(message: unknown): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
}

export type Route = (request: PageRequest, context: RequestContext) => Promise<unknown>;

/**
 * Origin of the frame (`sender.origin` where the browser gives it, else from `sender.url`) and of the top page.
 * Only frameId 0 is the top page. For any other frame the top origin comes from `sender.tab.url`; when the
 * browser does not give it (no tab, no permission for the tab, an unparseable URL) the top page is UNKNOWN:
 * `topUnknown` is set and `topOrigin` is the opaque "null" (which the access policy refuses too). Treating such
 * a frame as the top page would check only the frame's origin and let any site frame an allowed portal.
 */
export function originsOf(sender: PortSender | undefined): { frameOrigin: string; topOrigin: string | undefined; topUnknown?: true } {
  const frameOrigin = (sender?.origin ?? originOf(sender?.url) ?? 'null').slice(0, ORIGIN_MAX_CHARS + 1);
  if (sender?.frameId === 0) return { frameOrigin, topOrigin: frameOrigin };
  const topOrigin = originOf(sender?.tab?.url);
  if (topOrigin === undefined || topOrigin === 'null') return { frameOrigin, topOrigin: 'null', topUnknown: true };
  return { frameOrigin, topOrigin: topOrigin.slice(0, ORIGIN_MAX_CHARS + 1) };
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try { return new URL(url).origin; } catch { return undefined; }
}

export function acceptPagePort(port: PagePort, route: Route): void {
  if (port.name !== PAGE_PORT_NAME) return;
  const { frameOrigin, topOrigin, topUnknown } = originsOf(port.sender);
  /** Per-frame state a handler may keep for this connection only (e.g. an "allow once" for an upload). */
  const frame = {};
  const inFlight = new Map<string, AbortController>();
  let open = true;

  const reply = (message: PageReply) => {
    if (!open) return;
    try { port.postMessage(message); } catch { /* the frame went away */ }
  };
  const fail = (id: string, error: unknown) =>
    reply({ v: PROTOCOL_VERSION, id, type: 'kyso.error', error: serializeError(error) });

  port.onMessage.addListener((message) => {
    const envelope = v.safeParse(ContentToBackgroundSchema, message);
    if (!envelope.success) return;
    const parsed = v.safeParse(PageRequestSchema, envelope.output.request);
    if (!parsed.success) {
      const id = (envelope.output.request as { id?: unknown } | null)?.id;
      if (typeof id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(id)) fail(id, new KysoError('BAD_REQUEST'));
      return;
    }
    const request = parsed.output;
    // Deny, never guess: a frame whose top page the browser did not name is not the top page.
    if (topUnknown) { fail(request.id, new KysoError('ORIGIN_NOT_ALLOWED', { reason: 'unknown-top-origin' })); return; }
    if (inFlight.has(request.id)) { fail(request.id, new KysoError('BAD_REQUEST', { reason: 'duplicate id' })); return; }
    if (inFlight.size >= MAX_PENDING_REQUESTS_PER_PAGE) { fail(request.id, new KysoError('TOO_MANY_REQUESTS')); return; }
    const controller = new AbortController();
    inFlight.set(request.id, controller);
    route(request, { frameOrigin, topOrigin, frame, signal: controller.signal }).then(
      (payload) => reply({ v: PROTOCOL_VERSION, id: request.id, type: 'kyso.result', payload }),
      (error: unknown) => fail(request.id, error),
    ).finally(() => inFlight.delete(request.id));
  });

  port.onDisconnect.addListener(() => {
    open = false;
    for (const controller of inFlight.values()) controller.abort(new KysoError('REQUEST_SUPERSEDED'));
    inFlight.clear();
  });
}
