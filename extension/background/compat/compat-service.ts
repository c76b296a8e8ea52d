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
import { matchPatterns, shimTargets, targetsCover, type ShimTargets } from './shim-registration.js';
import { originsOf } from '../page-connections.js';
import { acceptCompatPort } from './compat-connections.js';
import { createVgcaHandler, type VgcaDependencies } from './vgca-handler.js';
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
  /** Allowed sites by the person (serialized origins with decision "allow"), for the early registration. */
  userAllowedOrigins(): Promise<readonly string[]>;
  readonly developmentBuild: boolean;
  /** Keep the early registrations (MAIN-world shim, ISOLATED-world bridge) equal to these match patterns. */
  register(matches: readonly string[]): Promise<void>;
  /** VGCA `FileName: ""`: the person's choice of a local file, in Kyso's window. */
  chooseLocalFile?: VgcaDependencies['chooseLocalFile'];
  /** The signer image and seal for Decree 30 stamps (options page and policy). */
  stampImages?: VgcaDependencies['stampImages'];
  /** Start the bridge in the frames of already-open tabs these patterns match (pages loaded before registration). */
  startInOpenTabs?(matches: readonly string[]): Promise<void>;
}

export interface MessageSenderLike extends PortSender {
  readonly tab?: { readonly id?: number | undefined; readonly url?: string | undefined } | undefined;
}

export function createCompatService(deps: CompatServiceDependencies) {
  const gate = (sender: PortSender | undefined) => compatFrameOf(sender, deps);
  const vgca = createVgcaHandler({
    route: deps.route, adminAllowedOrigins: deps.adminAllowedOrigins, now: () => new Date(),
    ...(deps.chooseLocalFile ? { chooseLocalFile: deps.chooseLocalFile } : {}),
    ...(deps.stampImages ? { stampImages: deps.stampImages } : {}),
  });
  const vnpt = createVnptHandler({ route: deps.route });
  const answer = (endpoint: PluginEndpoint, frame: string, context: RequestContext) =>
    endpoint.family === 'vgca' ? vgca(endpoint.path, frame, context) : vnpt(frame, context);

  let targets: ShimTargets = { exact: [], suffixes: [] };
  /**
   * The registration survives a service-worker restart but `targets` does not: queries wait for the start-up sync,
   * so a refused frame where the registered shim runs is always told to switch it off.
   */
  let synced: Promise<void> = Promise.resolve();
  let startedInOpenTabs = false;
  /** Recompute the early registration (start-up, and whenever policy or the person's sites change). */
  const syncRegistration = (): Promise<void> => {
    const run = synced.catch(() => undefined).then(async () => {
      const [policy, adminAllowed, userAllowed] = await Promise.all([deps.readCompatibilityPolicy(), deps.adminAllowedOrigins(), deps.userAllowedOrigins()]);
      const next = shimTargets({ policy, adminAllowed, userAllowed, developmentBuild: deps.developmentBuild });
      // Widen `targets` before registering and narrow after, so it always covers whatever may be registered.
      targets = { exact: [...targets.exact, ...next.exact], suffixes: [...targets.suffixes, ...next.suffixes] };
      const patterns = matchPatterns(next);
      await deps.register(patterns);
      targets = next;
      // A page that loaded before this service worker registered the bridge (browser start, extension install or
      // update) has no bridge: start it there once. Later syncs follow policy changes; a newly allowed site's tab
      // is reloaded by the popup after the registration (main.ts).
      if (!startedInOpenTabs && deps.startInOpenTabs) {
        startedInOpenTabs = true;
        await deps.startInOpenTabs(patterns).catch(() => undefined);
      }
    });
    synced = run;
    return run;
  };

  /** Install the shim in one frame when the gate allows it; otherwise switch off an early-registered one. */
  const installIn = async (sender: MessageSenderLike): Promise<CompatQueryReply> => {
    await synced.catch(() => undefined);
    const tabId = sender.tab?.id;
    const registeredHere = targetsCover(targets, originsOf(sender).frameOrigin);
    const refused: CompatQueryReply = registeredHere ? { installed: false, disable: true } : { installed: false };
    if (tabId === undefined || sender.frameId === undefined) return refused;
    if (!(await gate(sender))) return refused;
    // Injected even where the registration covers the frame: a page loaded before the registration has no shim yet
    // (the shim installs itself once per window, so a second copy does nothing).
    try { await deps.inject(tabId, sender.frameId, COMPAT_SHIM_FILE); return { installed: true }; } catch { return refused; }
  };

  return {
    /** runtime.onMessage: the content script's "may this frame use the plugin transport?" */
    handleMessage(message: unknown, sender: MessageSenderLike): Promise<CompatQueryReply> | undefined {
      if (!v.is(CompatQuerySchema, message)) return undefined;
      return installIn(sender).catch(() => ({ installed: false }));
    },
    syncRegistration(): Promise<void> {
      return syncRegistration().catch(() => undefined);
    },
    acceptPort(port: PagePort): void {
      acceptCompatPort(port, { gate, answer });
    },
  };
}
