/**
 * Toolbar popup: shows the current tab's site and, only where the person may allow it, the button
 * "Cho phép trang này ký số" (background/compat/site-popup.ts decides and acts; this page only asks).
 * `?tab=<id>` names the tab (tests open the popup as a page); default the active tab.
 */
import * as v from 'valibot';
import { browserApi } from '../../platform/browser-api.js';
import { PopupHealthSchema } from '../../background/health/popup-health.js';
import { popupReport } from './health-report.js';

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

// ——— Health at a glance and "copy report" (the same block as `kyso doctor --report`, for what the browser sees).

// The report's language: the browser's (English only for an English browser, like `kyso doctor` and the locale);
// `?lang=vi|en` chooses it (tests, and a help desk that asks for one language).
const langParam = new URLSearchParams(location.search).get('lang');
const lang = langParam === 'vi' || langParam === 'en' ? langParam : navigator.language.toLowerCase().startsWith('en') ? 'en' : 'vi';
const field = (id: string, text: string, status: 'ok' | 'warn' | 'fail') => {
  const el = document.getElementById(id)!;
  el.textContent = text;
  el.dataset['status'] = status;
};

async function showHealth(): Promise<void> {
  const parsed = v.safeParse(PopupHealthSchema, await browserApi.sendMessage({ kind: 'popup.health' }).catch(() => undefined));
  if (!parsed.success) {
    field('health-host', 'Không kiểm tra được / Could not check', 'fail');
    return;
  }
  const health = parsed.output;
  field('health-host', health.host.found ? `Kyso ${health.host.version ?? '?'}` : `${health.host.errorCode ?? ''} — ${health.host.errorVi ?? ''}`, health.host.found ? 'ok' : 'fail');
  field('health-tokens', health.tokens.length ? health.tokens.map((t) => t.label).join(', ') : 'Chưa cắm token / No token', health.tokens.length ? 'ok' : 'fail');
  const usable = health.certificates.filter((c) => c.state === 'ok' || c.state === 'expiringSoon').length;
  field('health-certificates', `${usable}/${health.certificates.length} dùng được / usable`, usable ? 'ok' : 'fail');
  const expiring = health.certificates.filter((c) => c.state === 'expiringSoon');
  field('health-expiring', expiring.length ? expiring.map((c) => `${c.holder} (${c.notAfter.slice(0, 10)})`).join(', ') : '0', expiring.length ? 'warn' : 'ok');
  const p = health.policy;
  field('health-policy', p.present ? `${p.allowed} được phép / allowed, ${p.blocked} chặn / blocked` : 'Không có / None', p.problems ? 'warn' : 'ok');
  const report = popupReport(health, lang, navigator.userAgent);
  const area = document.getElementById('report') as HTMLTextAreaElement;
  area.value = report;
  area.dataset['report'] = 'ready';
  copyButton.disabled = false;
}

const copyButton = document.getElementById('copy-report') as HTMLButtonElement;
copyButton.addEventListener('click', () => {
  const area = document.getElementById('report') as HTMLTextAreaElement;
  const status = document.getElementById('copy-status')!;
  void navigator.clipboard.writeText(area.value).then(
    () => { status.textContent = 'Đã sao chép / Copied'; status.dataset['copied'] = 'true'; },
    () => { status.textContent = 'Không sao chép được: chọn và sao chép ô dưới / Copy failed: select the text below'; area.hidden = false; area.select(); },
  );
});
void showHealth();
