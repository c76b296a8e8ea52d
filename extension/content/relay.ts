/**
 * The content script's one job: relay requests from its own page to the background and answers back on the
 * page's private MessagePort. It accepts only messages the page posted to itself (`event.source === window`,
 * `event.origin === location.origin`), in the SDK's envelope, with a transferred port; it never replies with
 * window.postMessage (other frames and scripts would see it).
 */
import * as v from 'valibot';
import { KysoError, serializeError } from '../../shared/errors/kyso-error.js';
import { MAX_PENDING_REQUESTS_PER_PAGE, PAGE_MESSAGE_MAX_BYTES, PROTOCOL_VERSION } from '../../shared/limits.js';
import { PageEnvelopeSchema, PageReplySchema, PageRequestSchema, type PageReply } from '../../shared/protocol/page-messages.js';
import { RequestIdSchema } from '../../shared/protocol/common.js';

/** The part of a MessageEvent the relay reads. */
export interface PageMessageEvent {
  readonly source: unknown;
  readonly origin: string;
  readonly data: unknown;
  readonly ports: readonly PageReplyPort[];
}

export interface PageReplyPort {
  postMessage(message: unknown): void;
  close(): void;
}

/** The content script's runtime port to the background. */
export interface BackgroundPort {
  postMessage(message: unknown): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
}

export interface RelayDependencies {
  /** The page's own window object (compared with event.source). */
  readonly window: unknown;
  /** location.origin of this frame. */
  readonly origin: string;
  /** Open the runtime port to the background (lazily, on the first request). */
  connect(): BackgroundPort;
}

export interface Relay {
  handleMessage(event: PageMessageEvent): void;
  /** Requests waiting for the background (for tests). */
  pendingCount(): number;
}

/** Id to answer with when the request was too broken to carry a valid one. */
const UNKNOWN_ID = 'unknown';

export function createRelay(deps: RelayDependencies): Relay {
  const pending = new Map<string, PageReplyPort>();
  let background: BackgroundPort | null = null;

  const answer = (port: PageReplyPort, reply: PageReply, last: boolean) => {
    try { port.postMessage(reply); } catch { /* the page dropped its port */ }
    if (last) { try { port.close(); } catch { /* already closed */ } }
  };
  const refuse = (port: PageReplyPort, id: string, error: KysoError) =>
    answer(port, { v: PROTOCOL_VERSION, id, type: 'kyso.error', error: serializeError(error) }, true);

  const backgroundPort = (): BackgroundPort => {
    if (background) return background;
    const port = deps.connect();
    port.onMessage.addListener((message) => {
      const parsed = v.safeParse(PageReplySchema, message);
      if (!parsed.success || parsed.output.type === 'kyso.ack') return;
      const target = pending.get(parsed.output.id);
      if (!target) return;
      pending.delete(parsed.output.id);
      answer(target, parsed.output, true);
    });
    port.onDisconnect.addListener(() => {
      // The background restarted or the extension was reloaded: nothing will answer these requests.
      background = null;
      for (const [id, target] of pending) refuse(target, id, new KysoError('INTERNAL_ERROR', { reason: 'extension background disconnected' }));
      pending.clear();
    });
    background = port;
    return port;
  };

  return {
    pendingCount: () => pending.size,
    handleMessage(event) {
      if (event.source !== deps.window || event.origin !== deps.origin) return;
      if (!v.is(PageEnvelopeSchema, event.data)) return;
      const port = event.ports[0];
      if (!port) return; // without a port there is nowhere private to answer
      const raw = event.data.request;
      const rawId = (raw as { id?: unknown } | null)?.id;
      const id = v.is(RequestIdSchema, rawId) ? rawId : UNKNOWN_ID;

      if (measureBytes(raw) > PAGE_MESSAGE_MAX_BYTES) { refuse(port, id, new KysoError('PAYLOAD_TOO_LARGE', { limitBytes: PAGE_MESSAGE_MAX_BYTES })); return; }
      const parsed = v.safeParse(PageRequestSchema, raw);
      if (!parsed.success) {
        const issue = parsed.issues[0];
        const field = issue?.path?.map((p) => String((p as { key?: unknown }).key)).join('.') ?? '';
        const code = (raw as { v?: unknown } | null)?.v !== PROTOCOL_VERSION && v.is(RequestIdSchema, rawId) ? 'UNSUPPORTED_VERSION' : 'BAD_REQUEST';
        refuse(port, id, new KysoError(code, { field: field.slice(0, 120) }));
        return;
      }
      const request = parsed.output;
      if (pending.has(request.id)) { refuse(port, request.id, new KysoError('BAD_REQUEST', { reason: 'duplicate id' })); return; }
      if (pending.size >= MAX_PENDING_REQUESTS_PER_PAGE) { refuse(port, request.id, new KysoError('TOO_MANY_REQUESTS', { limit: MAX_PENDING_REQUESTS_PER_PAGE })); return; }

      // Acknowledge at once: the SDK tells "extension missing" from "slow" by this.
      answer(port, { v: PROTOCOL_VERSION, id: request.id, type: 'kyso.ack' }, false);
      pending.set(request.id, port);
      try {
        backgroundPort().postMessage({ type: 'page.request', request });
      } catch {
        pending.delete(request.id);
        background = null;
        refuse(port, request.id, new KysoError('INTERNAL_ERROR', { reason: 'extension background unreachable' }));
      }
    },
  };
}

/** Size of the request as JSON; something that cannot be serialised counts as too large. */
function measureBytes(value: unknown): number {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? 0 : text.length;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
