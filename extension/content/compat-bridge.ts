/**
 * Content-script end of the plugin-compatibility transport (see extension/compat/). At document start it asks the
 * background whether this frame may use it; the BACKGROUND decides from the browser's `sender` (origin, top
 * origin, policy) and, when yes, has already injected the MAIN-world WebSocket shim before it answers. Only then
 * does this bridge hand the shim a private MessagePort and relay the shim's frames to the background over a
 * runtime port. When the answer is no, nothing at all happens in the page: no shim, no message, no port.
 *
 * It never uses window.postMessage for frames (other scripts and frames could read or forge them): only the one
 * handshake message that transfers the port, to this window's own origin.
 */
import * as v from 'valibot';
import { COMPAT_HANDSHAKE, CompatDownSchema, CompatQueryReplySchema, CompatUpSchema } from '../compat/compat-messages.js';

export interface CompatBridgeDependencies {
  readonly window: Pick<Window, 'postMessage'>;
  readonly origin: string;
  ask(message: unknown): Promise<unknown>;
  connect(): { postMessage(message: unknown): void; onMessage: { addListener(listener: (message: unknown) => void): void }; onDisconnect: { addListener(listener: () => void): void } };
  createChannel(): { port1: MessagePort; port2: MessagePort };
}

/** Resolves true when the shim was installed and wired. Never throws (a failure leaves the page untouched). */
export async function startCompatBridge(deps: CompatBridgeDependencies): Promise<boolean> {
  if (!/^https?:\/\//.test(deps.origin)) return false;
  let reply: unknown;
  try { reply = await deps.ask({ kind: 'compat.query' }); } catch { return false; }
  const parsed = v.safeParse(CompatQueryReplySchema, reply);
  if (!parsed.success) return false;
  if (!parsed.output.installed) {
    // Only where the background says the early-registered shim may be running (an allowed site's pattern).
    if (parsed.output.disable) deps.window.postMessage({ kind: COMPAT_HANDSHAKE, enabled: false }, deps.origin, []);
    return false;
  }

  const channel = deps.createChannel();
  const open = new Set<number>();
  let background: ReturnType<CompatBridgeDependencies['connect']> | undefined;
  const backgroundPort = () => {
    if (background) return background;
    const port = deps.connect();
    port.onMessage.addListener((message) => {
      const down = v.safeParse(CompatDownSchema, message);
      if (!down.success || !open.has(down.output.socket)) return;
      if (down.output.t === 'fail') open.delete(down.output.socket);
      channel.port1.postMessage(down.output);
    });
    port.onDisconnect.addListener(() => {
      // Extension reloaded or background gone: the page's sockets fail as a dead service's would.
      background = undefined;
      for (const socket of open) channel.port1.postMessage({ t: 'fail', socket });
      open.clear();
    });
    background = port;
    return port;
  };
  channel.port1.onmessage = (event) => {
    const up = v.safeParse(CompatUpSchema, event.data);
    if (!up.success) return;
    if (up.output.t === 'open') open.add(up.output.socket);
    else if (!open.has(up.output.socket)) return;
    if (up.output.t === 'close') open.delete(up.output.socket);
    try {
      backgroundPort().postMessage(up.output);
    } catch {
      background = undefined;
      if (up.output.t !== 'close') { open.delete(up.output.socket); channel.port1.postMessage({ t: 'fail', socket: up.output.socket }); }
    }
  };
  deps.window.postMessage({ kind: COMPAT_HANDSHAKE, enabled: true }, deps.origin, [channel.port2]);
  return true;
}
