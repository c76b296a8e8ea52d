/**
 * The background end of the plugin transport: the content script's runtime port `kyso/compat` (one per frame).
 * Identity from `port.sender`; the gate (compat-gate.ts) is re-checked for EVERY frame, so a port opened by a
 * frame that is not (or no longer) allowed gets only "fail" — its socket errors as with no service. A socket
 * closed by the page (or a port that disconnects) aborts its work: the consent window closes.
 */
import * as v from 'valibot';
import { MAX_PENDING_REQUESTS_PER_PAGE } from '../../../shared/limits.js';
import { COMPAT_PORT_NAME, CompatUpSchema, type CompatDown } from '../../compat/compat-messages.js';
import { pluginEndpointOf, type PluginEndpoint } from '../../compat/plugin-endpoints.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import type { PagePort } from '../page-connections.js';
import type { RequestContext } from '../router.js';
import type { CompatFrame } from './compat-gate.js';

export interface CompatConnectionDependencies {
  /** The frame's origins when it may use the transport now; undefined otherwise. */
  gate(sender: PagePort['sender']): Promise<CompatFrame | undefined>;
  /** The reply text for one frame (never throws: failures are the plugin's own error replies). */
  answer(endpoint: PluginEndpoint, frame: string, context: RequestContext): Promise<string>;
}

export function acceptCompatPort(port: PagePort, deps: CompatConnectionDependencies): void {
  if (port.name !== COMPAT_PORT_NAME) return;
  const frame = {};
  const sockets = new Map<number, { endpoint: PluginEndpoint; controller: AbortController }>();
  let open = true;
  const send = (message: CompatDown) => {
    if (!open) return;
    try { port.postMessage(message); } catch { /* the frame went away */ }
  };
  const drop = (socket: number) => {
    sockets.get(socket)?.controller.abort(new KysoError('REQUEST_SUPERSEDED'));
    sockets.delete(socket);
  };

  port.onMessage.addListener((message) => {
    const parsed = v.safeParse(CompatUpSchema, message);
    if (!parsed.success) return;
    const up = parsed.output;
    if (up.t === 'close') { drop(up.socket); return; }
    if (up.t === 'open') {
      const endpoint = pluginEndpointOf(up.url);
      if (!endpoint || sockets.has(up.socket) || sockets.size >= MAX_PENDING_REQUESTS_PER_PAGE) { send({ t: 'fail', socket: up.socket }); return; }
      sockets.set(up.socket, { endpoint, controller: new AbortController() });
      return;
    }
    const socket = sockets.get(up.socket);
    if (!socket) { send({ t: 'fail', socket: up.socket }); return; }
    void (async () => {
      const allowed = await deps.gate(port.sender).catch(() => undefined);
      if (!allowed) { drop(up.socket); send({ t: 'fail', socket: up.socket }); return; }
      const context: RequestContext = { frameOrigin: allowed.frameOrigin, topOrigin: allowed.topOrigin, frame, signal: socket.controller.signal };
      const reply = await deps.answer(socket.endpoint, up.data, context);
      if (sockets.get(up.socket) === socket) send({ t: 'reply', socket: up.socket, data: reply });
    })();
  });

  port.onDisconnect.addListener(() => {
    open = false;
    for (const socket of [...sockets.keys()]) drop(socket);
  });
}
