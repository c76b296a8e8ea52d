/**
 * The content script's one job: relay requests from its own page to the background and answers back on the
 * page's private MessagePort. It accepts only messages the page posted to itself (`event.source === window`,
 * `event.origin === location.origin`), in the SDK's envelope, with a transferred port; it never replies with
 * window.postMessage (other frames and scripts would see it).
 *
 * This script runs at document_start in every frame of every site, so it is kept tiny (≤ 10 KB, guarded by
 * test/integration/content-script-size.test.ts): it checks the request's FRAME by hand — version, id, a known
 * operation, an object payload, size, how many are pending — and answers those errors itself; the background
 * validates the whole request against the protocol's schemas (page-connections.ts, PageRequestSchema) before
 * anything runs, and answers a bad payload with BAD_REQUEST naming the field.
 */
import { MAX_PENDING_REQUESTS_PER_PAGE, PAGE_MESSAGE_MAX_BYTES, PROTOCOL_VERSION, REQUEST_ID_MAX_CHARS } from '../../shared/limits.js';
import { PAGE_OPERATION_NAMES, PAGE_REQUEST_CHANNEL } from '../../shared/protocol/page-frame.js';
import type { ErrorDetails } from '../../shared/errors/kyso-error.js';
import { relayError, type RelayErrorCode } from './relay-errors.js';

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
const REQUEST_ID = /^[A-Za-z0-9_-]+$/;
const REQUEST_KEYS = ['id', 'payload', 'type', 'v'];
const OPERATIONS: ReadonlySet<string> = new Set(PAGE_OPERATION_NAMES);
const REPLY_TYPES: ReadonlySet<unknown> = new Set(['kyso.ack', 'kyso.result', 'kyso.error']);

type Reply = { v: number; id: string; type: string };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isRequestId = (value: unknown): value is string => typeof value === 'string' && value.length <= REQUEST_ID_MAX_CHARS && REQUEST_ID.test(value);

/** The SDK's envelope: exactly { channel, request }. */
function isEnvelope(data: unknown): data is { channel: string; request: unknown } {
  if (!isRecord(data) || data.channel !== PAGE_REQUEST_CHANNEL || !('request' in data)) return false;
  return Object.keys(data).length === 2;
}

/** The request's frame (not its payload): the problem, or undefined when it may go to the background. */
function frameProblem(raw: unknown): { code: RelayErrorCode; details?: ErrorDetails } | undefined {
  if (!isRecord(raw)) return { code: 'BAD_REQUEST' };
  const keys = Object.keys(raw).sort();
  const extra = keys.find((k) => !REQUEST_KEYS.includes(k));
  if (extra !== undefined) return { code: 'BAD_REQUEST', details: { field: extra.slice(0, 120) } };
  if (!isRequestId(raw.id)) return { code: 'BAD_REQUEST', details: { field: 'id' } };
  if (raw.v !== PROTOCOL_VERSION) return { code: 'UNSUPPORTED_VERSION', details: { field: 'v' } };
  if (typeof raw.type !== 'string' || !OPERATIONS.has(raw.type)) return { code: 'BAD_REQUEST', details: { field: 'type' } };
  if (!isRecord(raw.payload)) return { code: 'BAD_REQUEST', details: { field: 'payload' } };
  return undefined;
}

/** What the background sends back (its own messages: checked for shape, not distrusted). */
function isReply(message: unknown): message is Reply {
  return isRecord(message) && message.v === PROTOCOL_VERSION && isRequestId(message.id) && REPLY_TYPES.has(message.type);
}

export function createRelay(deps: RelayDependencies): Relay {
  const pending = new Map<string, PageReplyPort>();
  let background: BackgroundPort | null = null;

  const answer = (port: PageReplyPort, reply: Reply, last: boolean) => {
    try { port.postMessage(reply); } catch { /* the page dropped its port */ }
    if (last) { try { port.close(); } catch { /* already closed */ } }
  };
  const refuse = (port: PageReplyPort, id: string, code: RelayErrorCode, details?: ErrorDetails) =>
    answer(port, { v: PROTOCOL_VERSION, id, type: 'kyso.error', error: relayError(code, details) } as Reply, true);

  const backgroundPort = (): BackgroundPort => {
    if (background) return background;
    const port = deps.connect();
    port.onMessage.addListener((message) => {
      if (!isReply(message) || message.type === 'kyso.ack') return;
      const target = pending.get(message.id);
      if (!target) return;
      pending.delete(message.id);
      answer(target, message, true);
    });
    port.onDisconnect.addListener(() => {
      // The background restarted or the extension was reloaded: nothing will answer these requests.
      background = null;
      for (const [id, target] of pending) refuse(target, id, 'INTERNAL_ERROR', { reason: 'extension background disconnected' });
      pending.clear();
    });
    background = port;
    return port;
  };

  return {
    pendingCount: () => pending.size,
    handleMessage(event) {
      if (event.source !== deps.window || event.origin !== deps.origin) return;
      if (!isEnvelope(event.data)) return;
      const port = event.ports[0];
      if (!port) return; // without a port there is nowhere private to answer
      const raw = event.data.request;
      const rawId = isRecord(raw) ? raw.id : undefined;
      const id = isRequestId(rawId) ? rawId : UNKNOWN_ID;

      if (measureBytes(raw) > PAGE_MESSAGE_MAX_BYTES) { refuse(port, id, 'PAYLOAD_TOO_LARGE', { limitBytes: PAGE_MESSAGE_MAX_BYTES }); return; }
      const problem = frameProblem(raw);
      if (problem) { refuse(port, id, problem.code, problem.details); return; }
      if (pending.has(id)) { refuse(port, id, 'BAD_REQUEST', { reason: 'duplicate id' }); return; }
      if (pending.size >= MAX_PENDING_REQUESTS_PER_PAGE) { refuse(port, id, 'TOO_MANY_REQUESTS', { limit: MAX_PENDING_REQUESTS_PER_PAGE }); return; }

      // Acknowledge at once: the SDK tells "extension missing" from "slow" by this.
      answer(port, { v: PROTOCOL_VERSION, id, type: 'kyso.ack' }, false);
      pending.set(id, port);
      try {
        backgroundPort().postMessage({ type: 'page.request', request: raw });
      } catch {
        pending.delete(id);
        background = null;
        refuse(port, id, 'INTERNAL_ERROR', { reason: 'extension background unreachable' });
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
