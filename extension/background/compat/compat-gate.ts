/**
 * Decides, for one frame, whether the plugin transport is installed in it — from the browser's `sender` (origin,
 * frame id, tab URL), never from the page — and when yes injects the MAIN-world shim (compat-shim.js) into that
 * frame only, before answering the content script. The same decision is re-made for every frame of every socket
 * (compat-connections.ts), so a site the person blocks after the page loaded is refused at once.
 *
 * Allowed = compatibility on for both origins (compat-policy.ts) AND the access policy ALLOWS (not "ask") a
 * document signing operation for the frame and its top page. An unlisted site gets no shim: its socket fails as
 * with no service, no window opens, nothing tells it Kyso is installed. The person can allow a site from the
 * toolbar popup ("Cho phép trang này ký số"), which then reloads the tab.
 */
import type { AccessDecision, AccessRequest } from '../access/access-policy.js';
import type { PageOperation } from '../../../shared/protocol/page-messages.js';
import { originsOf, type PortSender } from '../page-connections.js';
import { compatibilityPermits, type CompatibilityPolicy } from './compat-policy.js';

/** A frame may use the transport when any document signing operation is allowed for it without asking. */
const SIGNING_OPERATIONS = ['kyso.signPdf', 'kyso.signXml', 'kyso.signCms'] as unknown as readonly PageOperation[];

export interface CompatGateDependencies {
  decideAccess(request: AccessRequest): Promise<AccessDecision>;
  readCompatibilityPolicy(): Promise<CompatibilityPolicy>;
}

export interface CompatFrame {
  readonly frameOrigin: string;
  readonly topOrigin: string;
}

/** The frame's origins when it may use the transport; undefined otherwise. */
export async function compatFrameOf(sender: PortSender | undefined, deps: CompatGateDependencies): Promise<CompatFrame | undefined> {
  const { frameOrigin, topOrigin, topUnknown } = originsOf(sender);
  if (topUnknown || topOrigin === undefined) return undefined;
  if (!compatibilityPermits(await deps.readCompatibilityPolicy(), [frameOrigin, topOrigin])) return undefined;
  for (const operation of SIGNING_OPERATIONS) {
    const decision = await deps.decideAccess({ frameOrigin, topOrigin, operation });
    if (decision.kind === 'allow') return { frameOrigin, topOrigin };
  }
  return undefined;
}
