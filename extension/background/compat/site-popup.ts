/**
 * The toolbar popup's one action: "Cho phép trang này ký số" for the site in the current tab, so a person can
 * start using a portal that only speaks a plugin's protocol (it never calls the SDK, so Kyso's site question never
 * comes). Only the popup page may ask (sender URL checked); the site is the TAB's origin as the browser reports it,
 * never a value from the message. Not offered when the admin set `allowUserOrigins: false`, for blocked sites, for
 * insecure origins, or where the site is already allowed. After allowing, the tab reloads so the page gets the shim.
 */
import * as v from 'valibot';
import { parseRequesterOrigin } from '../../../shared/domain/origin.js';
import type { AccessDecision, AccessRequest, UserSiteChoice } from '../access/access-policy.js';
import type { PageOperation } from '../../../shared/protocol/page-messages.js';

export const POPUP_PAGE_PATH = 'ui/popup/popup.html';

export const PopupMessageSchema = v.strictObject({
  kind: v.picklist(['popup.siteState', 'popup.allowSite']),
  /** The tab to act on; default the active tab of the current window. */
  tabId: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});

export type SiteState = 'allowed' | 'can-allow' | 'blocked' | 'not-offered' | 'not-a-site';
export interface PopupReply { readonly state: SiteState; readonly origin?: string }

export interface SitePopupDependencies {
  getURL(path: string): string;
  tab(tabId: number | undefined): Promise<{ id?: number | undefined; url?: string | undefined } | undefined>;
  decideAccess(request: AccessRequest): Promise<AccessDecision>;
  rememberUserChoice(origin: string, choice: UserSiteChoice): Promise<void>;
  reload(tabId: number): Promise<void>;
}

const SIGN_PDF = 'kyso.signPdf' as unknown as PageOperation;

export function createSitePopupHandler(deps: SitePopupDependencies) {
  const stateOf = async (tabId: number | undefined): Promise<PopupReply & { tabId?: number }> => {
    const tab = await deps.tab(tabId);
    const parsed = parseRequesterOrigin(tab?.url ?? '');
    if (!tab || tab.id === undefined || !parsed.ok) return { state: 'not-a-site' };
    const origin = parsed.value.serialized;
    const decision = await deps.decideAccess({ frameOrigin: origin, topOrigin: origin, operation: SIGN_PDF });
    const state: SiteState = decision.kind === 'allow' ? 'allowed'
      : decision.kind === 'ask' ? 'can-allow'
        : decision.code === 'ORIGIN_BLOCKED' ? 'blocked' : 'not-offered';
    return { state, origin, tabId: tab.id };
  };

  return function handlePopupMessage(message: unknown, senderUrl: string | undefined): Promise<PopupReply> | undefined {
    if (!(message as { kind?: unknown } | null)?.kind?.toString().startsWith('popup.')) return undefined;
    if (!senderUrl || !senderUrl.startsWith(deps.getURL(POPUP_PAGE_PATH))) return undefined;
    const parsed = v.safeParse(PopupMessageSchema, message);
    if (!parsed.success) return Promise.resolve({ state: 'not-a-site' });
    return (async (): Promise<PopupReply> => {
      const current = await stateOf(parsed.output.tabId);
      if (parsed.output.kind === 'popup.siteState' || current.state !== 'can-allow' || !current.origin || current.tabId === undefined) {
        return { state: current.state, ...(current.origin ? { origin: current.origin } : {}) };
      }
      // rememberUserChoice refuses again if policy forbids persons to allow sites (checked twice on purpose).
      await deps.rememberUserChoice(current.origin, 'always');
      await deps.reload(current.tabId).catch(() => undefined);
      return { state: 'allowed', origin: current.origin };
    })().catch(() => ({ state: 'not-offered' as const }));
  };
}
