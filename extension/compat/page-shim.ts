/**
 * MAIN-world WebSocket shim, injected by the background (scripting.executeScript) ONLY into frames whose origin
 * and top origin may sign and where plugin compatibility is on (background/compat/compat-gate.ts). It replaces
 * `window.WebSocket` with a constructor that, for the plugins' loopback URLs only (plugin-endpoints.ts), returns a
 * socket answered by Kyso through a private MessageChannel to the content script; every other URL gets the
 * browser's real WebSocket, unchanged. Pages where it is not injected see exactly what they see with no service
 * running: the connection to 127.0.0.1:8987 / localhost:4433… fails.
 *
 * The page's own scripts share this world (they are the portal: docs/security.md); the shim holds no secret and
 * decides nothing — the background re-checks the frame's origin on every frame.
 */
import * as v from 'valibot';
import { pluginEndpointOf } from './plugin-endpoints.js';
import { COMPAT_HANDSHAKE, CompatDownSchema, type CompatUp } from './compat-messages.js';

type Listener = ((event: Event) => void) | null;

const INSTALLED = Symbol.for('kyso.compat.shim');

function install(): void {
  const target = window as unknown as Record<PropertyKey, unknown>;
  if (target[INSTALLED]) return;
  Object.defineProperty(target, INSTALLED, { value: true });
  const RealWebSocket = window.WebSocket;

  // The private port arrives by one window message from the content script (transferred, so no other window
  // can hold it). Frames sent before it arrives wait here.
  let port: MessagePort | undefined;
  const queued: CompatUp[] = [];
  const sockets = new Map<number, CompatSocket>();
  let nextSocket = 1;
  const post = (message: CompatUp) => { if (port) port.postMessage(message); else queued.push(message); };
  const onHandshake = (event: MessageEvent) => {
    const data = event.data as { kind?: unknown; enabled?: unknown } | null;
    if (event.source !== window || data?.kind !== COMPAT_HANDSHAKE || port) return;
    event.stopImmediatePropagation();
    window.removeEventListener('message', onHandshake, true);
    if (data.enabled !== true || !event.ports[0]) {
      // This frame may not use Kyso (the early-registered shim ran in it): as if no service ran — every socket
      // fails (none ever opened), and the page gets the browser's own WebSocket back.
      Object.defineProperty(window, 'WebSocket', { value: RealWebSocket, writable: true, configurable: true });
      queued.length = 0;
      for (const socket of [...sockets.values()]) socket.fail();
      return;
    }
    port = event.ports[0];
    port.onmessage = (message) => {
      const parsed = v.safeParse(CompatDownSchema, message.data);
      if (!parsed.success) return;
      const socket = sockets.get(parsed.output.socket);
      if (!socket) return;
      if (parsed.output.t === 'reply') socket.receive(parsed.output.data);
      else socket.fail();
    };
    for (const message of queued.splice(0)) port.postMessage(message);
    for (const socket of [...sockets.values()]) setTimeout(() => socket.opened(), 0);
  };
  window.addEventListener('message', onHandshake, true);

  /** The parts of a WebSocket the plugins' scripts use: readyState, send, close, on*, addEventListener. */
  class CompatSocket extends EventTarget {
    readonly url: string;
    readonly protocol = '';
    readonly extensions = '';
    readonly bufferedAmount = 0;
    binaryType: BinaryType = 'blob';
    readyState: number = RealWebSocket.CONNECTING;
    onopen: Listener = null;
    onmessage: Listener = null;
    onerror: Listener = null;
    onclose: Listener = null;
    readonly #id: number;

    constructor(url: string) {
      super();
      this.url = url;
      this.#id = nextSocket++;
      sockets.set(this.#id, this);
      post({ t: 'open', socket: this.#id, url });
      // "Connected" only once the background has answered this frame (the private port arrived): until then the
      // socket stays CONNECTING, so a frame that turns out not to be allowed sees a connection that fails, never one
      // that opened. Asynchronous either way, as a real socket is (the caller sets onopen after `new WebSocket`).
      if (port) setTimeout(() => this.opened(), 0);
    }

    opened(): void {
      if (this.readyState !== RealWebSocket.CONNECTING) return;
      this.readyState = RealWebSocket.OPEN;
      this.#emit(new Event('open'));
    }

    send(data: unknown): void {
      if (this.readyState === RealWebSocket.CONNECTING) throw new DOMException("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.", 'InvalidStateError');
      if (this.readyState !== RealWebSocket.OPEN) return;
      // The plugins send text frames only; anything else is refused like an unsupported frame by the service.
      post({ t: 'frame', socket: this.#id, data: typeof data === 'string' ? data : '' });
    }

    close(): void {
      if (this.readyState >= RealWebSocket.CLOSING) return;
      this.#closed(1000, true);
    }

    receive(data: string): void {
      if (this.readyState !== RealWebSocket.OPEN) return;
      this.#emit(new MessageEvent('message', { data, origin: new URL(this.url).origin }));
    }

    /** As when nothing listens on the port: error, then close 1006. */
    fail(): void {
      if (this.readyState >= RealWebSocket.CLOSING) return;
      this.#emit(new Event('error'));
      this.#closed(1006, false);
    }

    #closed(code: number, clean: boolean): void {
      this.readyState = RealWebSocket.CLOSED;
      sockets.delete(this.#id);
      if (port) post({ t: 'close', socket: this.#id });
      else for (let i = queued.length - 1; i >= 0; i--) if (queued[i]!.socket === this.#id) queued.splice(i, 1);
      setTimeout(() => this.#emit(new CloseEvent('close', { code, wasClean: clean })), 0);
    }

    #emit(event: Event): void {
      const handler = (this as unknown as Record<string, Listener>)[`on${event.type}`];
      try { handler?.call(this, event); } catch (error) { reportError(error); }
      this.dispatchEvent(event);
    }
  }

  // `instanceof WebSocket` and the constants keep working for both kinds of socket.
  Object.setPrototypeOf(CompatSocket.prototype, RealWebSocket.prototype);
  for (const name of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const) {
    Object.defineProperty(CompatSocket.prototype, name, { value: RealWebSocket[name] });
  }

  const KysoWebSocket = function WebSocket(this: unknown, url: string | URL, protocols?: string | string[]) {
    if (!new.target) throw new TypeError("Failed to construct 'WebSocket': Please use the 'new' operator.");
    const text = String(url);
    if (pluginEndpointOf(text)) return new CompatSocket(text);
    return protocols === undefined ? new RealWebSocket(url) : new RealWebSocket(url, protocols);
  } as unknown as typeof WebSocket;
  Object.defineProperty(KysoWebSocket, 'prototype', { value: RealWebSocket.prototype });
  for (const name of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const) Object.defineProperty(KysoWebSocket, name, { value: RealWebSocket[name] });
  Object.defineProperty(window, 'WebSocket', { value: KysoWebSocket, writable: true, configurable: true });
}

install();
