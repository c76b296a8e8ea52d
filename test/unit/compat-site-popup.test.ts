/** The toolbar popup's "Cho phép trang này ký số": offered only where the person may allow the site; only the popup page may ask. */
import { describe, expect, it } from 'vitest';
import { createSitePopupHandler } from '../../extension/background/compat/site-popup.js';
import type { AccessDecision } from '../../extension/background/access/access-policy.js';

const POPUP = 'chrome-extension://id/ui/popup/popup.html';

function handler(decision: AccessDecision, url = 'https://dvc.tinh.gov.vn/ho-so') {
  const remembered: string[] = [];
  const reloaded: number[] = [];
  const handle = createSitePopupHandler({
    getURL: (path) => `chrome-extension://id/${path}`,
    tab: async () => ({ id: 7, url }),
    decideAccess: async () => decision,
    rememberUserChoice: async (origin, choice) => { remembered.push(`${choice}:${origin}`); },
    reload: async (id) => { reloaded.push(id); },
  });
  return { handle, remembered, reloaded };
}

describe('site popup', () => {
  it('an unlisted site: offered; allowing stores "always" for the TAB\'s origin and reloads it', async () => {
    const h = handler({ kind: 'ask', origins: ['https://dvc.tinh.gov.vn'] });
    expect(await h.handle({ kind: 'popup.siteState' }, POPUP)).toEqual({ state: 'can-allow', origin: 'https://dvc.tinh.gov.vn' });
    expect(await h.handle({ kind: 'popup.allowSite' }, `${POPUP}?tab=7`)).toEqual({ state: 'allowed', origin: 'https://dvc.tinh.gov.vn' });
    expect(h.remembered).toEqual(['always:https://dvc.tinh.gov.vn']);
    expect(h.reloaded).toEqual([7]);
  });

  it.each([
    [{ kind: 'deny', code: 'ORIGIN_NOT_ALLOWED' } as AccessDecision, 'not-offered'], // allowUserOrigins: false
    [{ kind: 'deny', code: 'ORIGIN_BLOCKED' } as AccessDecision, 'blocked'],
    [{ kind: 'deny', code: 'INSECURE_ORIGIN' } as AccessDecision, 'not-offered'],
    [{ kind: 'allow' } as AccessDecision, 'allowed'],
  ])('%o → %s, and allowSite stores nothing', async (decision, state) => {
    const h = handler(decision);
    expect((await h.handle({ kind: 'popup.allowSite' }, POPUP))?.state).toBe(state);
    expect(h.remembered).toEqual([]);
  });

  it('only the popup page may ask (a content script or the consent window gets no answer); not-a-site for chrome:// tabs', async () => {
    const h = handler({ kind: 'ask' });
    expect(h.handle({ kind: 'popup.allowSite' }, 'https://evil.example/')).toBeUndefined();
    expect(h.handle({ kind: 'popup.allowSite' }, 'chrome-extension://id/ui/consent/consent.html')).toBeUndefined();
    expect(await handler({ kind: 'ask' }, 'chrome://settings').handle({ kind: 'popup.allowSite' }, POPUP)).toEqual({ state: 'not-a-site' });
  });
});
