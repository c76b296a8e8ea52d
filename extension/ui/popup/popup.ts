/**
 * Toolbar popup: shows the current tab's site and, only where the person may allow it, the button
 * "Cho phép trang này ký số" (background/compat/site-popup.ts decides and acts; this page only asks).
 * `?tab=<id>` names the tab (tests open the popup as a page); default the active tab.
 */
import * as v from 'valibot';
import { browserApi } from '../../platform/browser-api.js';

const ReplySchema = v.object({ state: v.picklist(['allowed', 'can-allow', 'blocked', 'not-offered', 'not-a-site']), origin: v.optional(v.string()) });
type State = v.InferOutput<typeof ReplySchema>['state'];

const TEXT: Record<State, string> = {
  'allowed': 'Trang này được phép ký số với Kyso (kể cả trang dùng plugin VGCA / VNPT-CA). — This site may sign with Kyso.',
  'can-allow': 'Trang này chưa được phép ký số. — This site may not sign yet.',
  'blocked': 'Trang này bị chặn. — This site is blocked.',
  'not-offered': 'Quản trị viên không cho phép tự thêm trang, hoặc trang không an toàn (https). — Not available for this site.',
  'not-a-site': 'Không phải một trang web. — Not a web page.',
};

const tabParam = new URLSearchParams(location.search).get('tab');
const tabId = tabParam !== null && /^\d{1,10}$/.test(tabParam) ? Number(tabParam) : undefined;
const button = document.getElementById('allow') as HTMLButtonElement;

async function ask(kind: 'popup.siteState' | 'popup.allowSite'): Promise<void> {
  const reply = v.safeParse(ReplySchema, await browserApi.sendMessage({ kind, ...(tabId !== undefined ? { tabId } : {}) }).catch(() => undefined));
  const state: State = reply.success ? reply.output.state : 'not-a-site';
  document.getElementById('origin')!.textContent = reply.success ? reply.output.origin ?? '' : '';
  const line = document.getElementById('state')!;
  line.textContent = TEXT[state];
  line.dataset['state'] = state;
  button.hidden = state !== 'can-allow';
}

button.addEventListener('click', () => { button.disabled = true; void ask('popup.allowSite').finally(() => { button.disabled = false; }); });
void ask('popup.siteState');
