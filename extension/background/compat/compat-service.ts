/**
 * Wiring of the plugin-compatibility transport in the background: the gate (who gets the shim), the injection,
 * the per-frame ports and the per-family answerers. main.ts registers it next to the page relay.
 */
import * as v from 'valibot';
import { CompatQuerySchema, type CompatQueryReply } from '../../compat/compat-messages.js';
import type { PluginEndpoint } from '../../compat/plugin-endpoints.js';
import type { OriginEntry } from '../../../shared/domain/origin.js';
import type { AccessDecision, AccessRequest } from '../access/access-policy.js';
import type { PagePort, PortSender } from '../page-connections.js';
import type { RequestContext } from '../router.js';
import { compatFrameOf } from './compat-gate.js';
import { acceptCompatPort } from './compat-connections.js';
import { createVgcaHandler } from './vgca-handler.js';
import { createVnptHandler } from './vnpt-handler.js';
import type { CompatibilityPolicy } from './compat-policy.js';
import type { Route } from './compat-documents.js';

/** The bundle that holds the MAIN-world shim (scripts/build.mjs). */
export const COMPAT_SHIM_FILE = 'compat-shim.js';

export interface CompatServiceDependencies {
  readonly route: Route;
  decideAccess(request: AccessRequest): Promise<AccessDecision>;
  readCompatibilityPolicy(): Promise<CompatibilityPolicy>;
  adminAllowedOrigins(): Promise<readonly OriginEntry[]>;
  inject(tabId: number, frameId: number, file: string): Promise<void>;
}

export interface MessageSenderLike extends PortSender {
  readonly tab?: { readonly id?: number | undefined; readonly url?: string | undefined } | undefined;
}

export function createCompatService(deps: CompatServiceDependencies) {
  const gate = (sender: PortSender | undefined) => compatFrameOf(sender, deps);
  const vgca = createVgcaHandler({ route: deps.route, adminAllowedOrigins: deps.adminAllowedOrigins, now: () => new Date() });
  const vnpt = createVnptHandler({ route: deps.route });
  const answer = (endpoint: PluginEndpoint, frame: string, context: RequestContext) =>
    endpoint.family === 'vgca' ? vgca(endpoint.path, frame, context) : vnpt(frame, context);

  /** Install the shim in one frame when the gate allows it. */
  const installIn = async (sender: MessageSenderLike): Promise<boolean> => {
    const tabId = sender.tab?.id;
    if (tabId === undefined || sender.frameId === undefined) return false;
    if (!(await gate(sender))) return false;
    try { await deps.inject(tabId, sender.frameId, COMPAT_SHIM_FILE); return true; } catch { return false; }
  };

  return {
    /** runtime.onMessage: the content script's "may this frame use the plugin transport?" */
    handleMessage(message: unknown, sender: MessageSenderLike): Promise<CompatQueryReply> | undefined {
      if (!v.is(CompatQuerySchema, message)) return undefined;
      return installIn(sender).then((installed) => ({ installed }), () => ({ installed: false }));
    },
    acceptPort(port: PagePort): void {
      acceptCompatPort(port, { gate, answer });
    },
  };
}
