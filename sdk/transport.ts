/**
 * The SDK's request lifecycle [after web-eid.js]: post the request to the page's own window with a private
 * MessagePort; the extension's content script answers on that port with `kyso.ack` at once, then one result or
 * error. No ack in EXTENSION_ACK_TIMEOUT_MS → EXTENSION_NOT_INSTALLED; no answer by the deadline → TIMEOUT.
 * Every reply is validated; replies with another id are ignored.
 */
import * as v from 'valibot';
import { KysoError, deserializeError } from '../shared/errors/kyso-error.js';
import {
  EXTENSION_ACK_TIMEOUT_MS, MAX_PENDING_REQUESTS_PER_PAGE, PROTOCOL_VERSION, SDK_INTERACTIVE_TIMEOUT_MS, SDK_QUICK_TIMEOUT_MS,
} from '../shared/limits.js';
import {
  PAGE_OPERATIONS, PAGE_REQUEST_CHANNEL, PageReplySchema, PageRequestSchema,
  type PageOperation, type PageRequestPayload, type PageResult,
} from '../shared/protocol/page-messages.js';
import { newRequestId, parseOrThrow } from '../shared/protocol/validate.js';

/** Where requests are posted: the page's window (tests pass a stand-in). */
export interface PageTarget {
  postMessage(message: unknown, targetOrigin: string, transfer: Transferable[]): void;
}

export interface TransportOptions {
  readonly target: PageTarget;
  /** location.origin of the page; replies never go anywhere else. */
  readonly origin: string;
  readonly ackTimeoutMs?: number;
  readonly quickTimeoutMs?: number;
  readonly interactiveTimeoutMs?: number;
}

export type Call = <T extends PageOperation>(type: T, payload: PageRequestPayload<T>) => Promise<PageResult<T>>;

export function createTransport(options: TransportOptions): Call {
  // The extension answers at most MAX_PENDING_REQUESTS_PER_PAGE requests of a page at once (the rest get
  // TOO_MANY_REQUESTS); a portal firing more at once (many documents, a busy dashboard) has the rest wait their turn
  // here instead, in order. Each request's timers start when it is sent.
  const slots = requestSlots(MAX_PENDING_REQUESTS_PER_PAGE);
  const send = sendOne(options);
  return <T extends PageOperation>(type: T, payload: PageRequestPayload<T>): Promise<PageResult<T>> =>
    slots.run(() => send(type, payload));
}

/** At most `limit` tasks running; the others start in arrival order as running ones settle. */
function requestSlots(limit: number): { run<R>(task: () => Promise<R>): Promise<R> } {
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => { running--; waiting.shift()?.(); };
  return {
    run(task) {
      const start = () => { running++; const result = task(); void result.then(release, release); return result; };
      if (running < limit) return start();
      return new Promise((resolve, reject) => { waiting.push(() => { start().then(resolve, reject); }); });
    },
  };
}

function sendOne(options: TransportOptions): Call {
  return <T extends PageOperation>(type: T, payload: PageRequestPayload<T>): Promise<PageResult<T>> => {
    // An opaque origin (sandboxed frame, file:) cannot be targeted by postMessage and is never allowed anyway.
    if (options.origin === 'null' || !options.origin) return Promise.reject(new KysoError('ORIGIN_NOT_ALLOWED'));
    const id = newRequestId();
    let request: unknown;
    try {
      // Portal mistakes are reported here, without a round trip.
      request = parseOrThrow(PageRequestSchema, { v: PROTOCOL_VERSION, id, type, payload });
    } catch (error) {
      return Promise.reject(error);
    }
    const operation = PAGE_OPERATIONS[type];
    const deadlineMs = operation.interactive
      ? options.interactiveTimeoutMs ?? SDK_INTERACTIVE_TIMEOUT_MS
      : options.quickTimeoutMs ?? SDK_QUICK_TIMEOUT_MS;
    const channel = new MessageChannel();

    return new Promise<PageResult<T>>((resolve, reject) => {
      let acknowledged = false;
      const finish = (action: () => void) => {
        clearTimeout(ackTimer);
        clearTimeout(deadline);
        channel.port1.onmessage = null;
        channel.port1.close();
        action();
      };
      const ackTimer = setTimeout(() => {
        if (!acknowledged) finish(() => reject(new KysoError('EXTENSION_NOT_INSTALLED')));
      }, options.ackTimeoutMs ?? EXTENSION_ACK_TIMEOUT_MS);
      const deadline = setTimeout(() => finish(() => reject(new KysoError('TIMEOUT', { operation: type, timeoutMs: deadlineMs }))), deadlineMs);

      channel.port1.onmessage = (event: MessageEvent) => {
        const parsed = v.safeParse(PageReplySchema, event.data);
        if (!parsed.success) {
          // Only the extension holds the other end of this port: a malformed reply is a protocol error.
          finish(() => reject(new KysoError('PROTOCOL_ERROR', { reason: 'reply shape' })));
          return;
        }
        const reply = parsed.output;
        if (reply.id !== id) return;
        if (reply.type === 'kyso.ack') { acknowledged = true; clearTimeout(ackTimer); return; }
        if (reply.type === 'kyso.error') { finish(() => reject(deserializeError(reply.error))); return; }
        const result = v.safeParse(operation.result, reply.payload);
        if (!result.success) { finish(() => reject(new KysoError('PROTOCOL_ERROR', { reason: 'result shape', operation: type }))); return; }
        finish(() => resolve(result.output as PageResult<T>));
      };
      try {
        options.target.postMessage({ channel: PAGE_REQUEST_CHANNEL, request }, options.origin, [channel.port2]);
      } catch {
        finish(() => reject(new KysoError('EXTENSION_NOT_INSTALLED', { reason: 'postMessage failed' })));
      }
    });
  };
}
