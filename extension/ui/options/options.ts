/**
 * Options page: the admin policy, read-only, the person's own allowed/blocked sites (remove, change,
 * add by hand with validation), and the per-site opt-in to raw-hash signing (signHash) behind its warning —
 * the ONLY place a person can enable it (operations.ts, "THE RAW-SIGNING RULE"). Vietnamese by default, English on request (remembered in localStorage).
 * Reads and writes go through the access modules, so the page and the background agree on every rule.
 */
import { describeOriginForDisplay, entryMatchesOrigin, type OriginEntry } from '../../../shared/domain/origin.js';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import {
  disableRawSigning, enableRawSigning, forgetUserChoice, readManagedPolicyUncached, readRawSigningOptIns, readUserOrigins, rememberUserChoice,
} from '../../background/access/access-policy.js';
import { onAccessStorageChanged } from '../../background/access/browser-storage.js';
import type { ManagedPolicy } from '../../background/access/managed-policy.js';
import { RAW_SIGNING_POLICY_OPERATIONS } from '../../background/access/operations.js';
import type { RawSigningOptIn } from '../../background/access/raw-signing-opt-ins.js';
import { parseUserOriginInput, type UserOriginEntry } from '../../background/access/user-allowlist.js';
import { TEXT, type UiLanguage } from './options-text.js';
import { el } from '../dom.js';
import { initHistorySection, renderHistorySection } from './history-section.js';
import { initStampImagesSection, renderStampImagesSection } from './stamp-images-section.js';

const LANGUAGE_KEY = 'kyso.options.language';
let language: UiLanguage = localStorage.getItem(LANGUAGE_KEY) === 'en' ? 'en' : 'vi';
let policy: ManagedPolicy | undefined;
let userOrigins: UserOriginEntry[] = [];
let rawSigning: RawSigningOptIn[] = [];
/** Last add-form problem, kept as a key so it re-renders in the other language. */
let addError: { kind: 'problem'; code: keyof (typeof TEXT)['vi']['problems'] } | { kind: 'text'; key: 'userOriginsDisabled' | 'policyBlocksThis' | 'saveFailed' } | undefined;

type RawError = { kind: 'problem'; code: keyof (typeof TEXT)['vi']['problems'] } | { kind: 'text'; key: 'rawNotUnderstood' | 'rawDisabledByPolicy' | 'rawPolicyGovernsThis' | 'saveFailed' };
let rawError: RawError | undefined;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const t = () => TEXT[language];

/** An origin or pattern with the registrable domain in bold and, for IDN, the ASCII form beside it. */
function entryView(entry: OriginEntry): HTMLElement {
  const host = entry.kind === 'origin' ? entry.host : entry.hostSuffix;
  const display = describeOriginForDisplay({ kind: 'origin', scheme: entry.scheme, host, port: entry.port, serialized: entry.serialized });
  const span = el('span', { className: 'origin' },
    document.createTextNode(`${display.scheme}://${entry.kind === 'pattern' ? '*.' : ''}`),
    el('span', { className: 'sub', text: display.subdomainPrefix }),
    el('span', { className: 'registrable', text: display.registrableDomain }),
    document.createTextNode(display.portSuffix));
  span.dataset['origin'] = entry.serialized;
  if (display.isInternationalized) span.append(el('span', { className: 'ascii', text: `(${entry.serialized})` }));
  return span;
}

function renderPolicy(): void {
  const body = $('policy-body');
  body.replaceChildren();
  if (!policy) return;
  if (!policy.present) {
    body.append(el('p', { className: 'muted', text: t().policyNone, testid: 'policy-none' }));
    return;
  }
  const list = (heading: string, entries: readonly OriginEntry[], testid: string) => {
    body.append(el('h3', { text: heading }));
    if (entries.length === 0) { body.append(el('p', { className: 'muted', text: t().empty })); return; }
    body.append(el('ul', {}, ...entries.map((entry) => {
      const li = el('li', { testid }, entryView(entry));
      li.dataset['origin'] = entry.serialized;
      return li;
    })));
  };
  list(t().policyAllowed, policy.allowed, 'policy-allowed-origin');
  list(t().policyBlocked, policy.blocked, 'policy-blocked-origin');
  if (policy.operations.length > 0) {
    body.append(el('h3', { text: t().policyOperations }));
    body.append(el('ul', {}, ...policy.operations.map((rule) => {
      const ops = rule.operations.size === 0 ? t().policyNoOperations : [...rule.operations].join(', ');
      const li = el('li', { testid: 'policy-operations' }, entryView(rule.entry), document.createTextNode(`: ${ops}`));
      li.dataset['origin'] = rule.entry.serialized;
      return li;
    })));
    body.append(el('p', { className: 'muted', text: t().policyAllOperations }));
  }
  const users = el('p', { text: policy.allowUserOrigins ? t().policyUserOriginsYes : t().policyUserOriginsNo, testid: 'policy-allow-user-origins' });
  users.dataset['value'] = String(policy.allowUserOrigins);
  body.append(users);
  if (policy.problems.length > 0) {
    body.append(el('h3', { text: t().policyProblems }));
    body.append(el('ul', {}, ...policy.problems.map((p) => el('li', { className: 'problem', testid: 'policy-problem', text: `${p.key}: ${p.value} — ${t().problems[p.problem]}` }))));
  }
}

function renderUser(): void {
  const rows = $('user-rows');
  rows.replaceChildren(...userOrigins.map((entry) => {
    const parsed = parseUserOriginInput(entry.origin);
    const originCell = el('td', {}, parsed.ok ? entryView(parsed.value) : document.createTextNode(entry.origin));
    const decision = el('td', { className: `decision-${entry.decision}`, text: entry.decision === 'allow' ? t().allowed : t().blocked, testid: 'user-origin-decision-label' });
    const added = el('td', { className: 'muted', text: entry.addedAt > 0 ? `${t().addedAt} ${new Date(entry.addedAt).toLocaleString(language === 'vi' ? 'vi-VN' : 'en-GB')}` : '' });
    const change = el('button', { text: t().change, testid: 'user-origin-change' });
    change.type = 'button';
    change.addEventListener('click', () => void act(() => rememberUserChoice(entry.origin, entry.decision === 'allow' ? 'block' : 'always')));
    const remove = el('button', { text: t().remove, testid: 'user-origin-remove' });
    remove.type = 'button';
    remove.addEventListener('click', () => void act(() => forgetUserChoice(entry.origin)));
    const row = el('tr', { testid: 'user-origin-row' }, originCell, decision, added, el('td', { className: 'actions' }, change, remove));
    row.dataset['origin'] = entry.origin;
    row.dataset['decision'] = entry.decision;
    return row;
  }));
  const none = $('user-none');
  none.hidden = userOrigins.length > 0;
  none.textContent = t().userNone;
  const disabled = $('user-disabled');
  disabled.hidden = policy?.allowUserOrigins !== false;
  disabled.textContent = t().userOriginsDisabled;
}

function renderRawSigning(): void {
  $('raw-heading').textContent = t().rawHeading;
  $('raw-warning').textContent = t().rawWarning;
  $('raw-label').textContent = t().rawLabel;
  $('raw-understood-text').textContent = t().rawUnderstood;
  $('raw-add').textContent = t().rawAdd;
  const granted = (policy?.operations ?? []).filter((rule) => RAW_SIGNING_POLICY_OPERATIONS.some((op) => rule.operations.has(op)));
  const policyBox = $('raw-policy');
  policyBox.replaceChildren();
  if (granted.length > 0) {
    policyBox.append(el('p', { text: t().rawPolicyGranted }), el('ul', {}, ...granted.map((rule) => {
      const li = el('li', { testid: 'raw-signing-policy-origin' }, entryView(rule.entry));
      li.dataset['origin'] = rule.entry.serialized;
      return li;
    })));
  }
  $('raw-rows').replaceChildren(...rawSigning.map((entry) => {
    const parsed = parseUserOriginInput(entry.origin);
    const originCell = el('td', {}, parsed.ok ? entryView(parsed.value) : document.createTextNode(entry.origin));
    const added = el('td', { className: 'muted', text: entry.addedAt > 0 ? `${t().addedAt} ${new Date(entry.addedAt).toLocaleString(language === 'vi' ? 'vi-VN' : 'en-GB')}` : '' });
    const remove = el('button', { text: t().rawRemove, testid: 'raw-signing-remove' });
    remove.type = 'button';
    remove.addEventListener('click', () => void actRaw(() => disableRawSigning(entry.origin)));
    const row = el('tr', { testid: 'raw-signing-row' }, originCell, added, el('td', { className: 'actions' }, remove));
    row.dataset['origin'] = entry.origin;
    return row;
  }));
  const none = $('raw-none');
  none.hidden = rawSigning.length > 0;
  none.textContent = t().rawNone;
  const box = $('raw-error');
  box.hidden = rawError === undefined;
  box.textContent = rawError === undefined ? '' : rawError.kind === 'problem' ? t().problems[rawError.code] : t()[rawError.key];
}

async function actRaw(change: () => Promise<void>): Promise<boolean> {
  try {
    await change();
    return true;
  } catch (error) {
    rawError = error instanceof KysoError && error.code === 'ORIGIN_NOT_ALLOWED' ? { kind: 'text', key: 'rawDisabledByPolicy' } : { kind: 'text', key: 'saveFailed' };
    return false;
  } finally {
    await reload();
  }
}

async function onRawAdd(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const input = $<HTMLInputElement>('raw-input');
  const understood = $<HTMLInputElement>('raw-understood');
  const parsed = parseUserOriginInput(input.value);
  if (!parsed.ok) rawError = { kind: 'problem', code: parsed.problem };
  else if (!understood.checked) rawError = { kind: 'text', key: 'rawNotUnderstood' };
  else if (policy?.allowUserOrigins === false) rawError = { kind: 'text', key: 'rawDisabledByPolicy' };
  // An admin rule for the site decides its operations; a person's opt-in would have no effect there.
  else if (policy?.operations.some((rule) => entryMatchesOrigin(rule.entry, parsed.value))) rawError = { kind: 'text', key: 'rawPolicyGovernsThis' };
  else {
    rawError = undefined;
    if (await actRaw(() => enableRawSigning(parsed.value.serialized))) {
      input.value = '';
      understood.checked = false;
    }
    return;
  }
  renderRawSigning();
  input.focus();
}

function renderAddError(): void {
  const box = $('add-error');
  box.hidden = addError === undefined;
  box.textContent = addError === undefined ? '' : addError.kind === 'problem' ? t().problems[addError.code] : t()[addError.key];
}

function render(): void {
  document.documentElement.lang = language;
  document.title = t().title;
  $('title').textContent = t().title;
  $('lang').textContent = t().otherLanguage;
  $('policy-heading').textContent = t().policyHeading;
  $('user-heading').textContent = t().userHeading;
  $('add-label').textContent = t().addLabel;
  $<HTMLInputElement>('add-input').placeholder = t().addPlaceholder;
  $('add-allow').textContent = t().addAllow;
  $('add-block').textContent = t().addBlock;
  $('add-button').textContent = t().add;
  renderPolicy();
  renderUser();
  renderAddError();
  renderRawSigning();
  renderHistorySection(language);
  renderStampImagesSection(language);
}

async function reload(): Promise<void> {
  [policy, userOrigins, rawSigning] = await Promise.all([readManagedPolicyUncached(), readUserOrigins(), readRawSigningOptIns()]);
  render();
}

/** Run a change, then re-read storage (the source of truth) and show a failure instead of losing it. */
async function act(change: () => Promise<void>): Promise<boolean> {
  try {
    await change();
    return true;
  } catch (error) {
    addError = error instanceof KysoError && error.code === 'ORIGIN_NOT_ALLOWED' ? { kind: 'text', key: 'userOriginsDisabled' } : { kind: 'text', key: 'saveFailed' };
    return false;
  } finally {
    await reload();
  }
}

async function onAdd(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const input = $<HTMLInputElement>('add-input');
  const decision = $<HTMLSelectElement>('add-decision').value === 'block' ? 'block' : 'allow';
  const parsed = parseUserOriginInput(input.value);
  if (!parsed.ok) addError = { kind: 'problem', code: parsed.problem };
  else if (decision === 'allow' && policy?.allowUserOrigins === false) addError = { kind: 'text', key: 'userOriginsDisabled' };
  else if (decision === 'allow' && policy?.blocked.some((e) => entryMatchesOrigin(e, parsed.value))) addError = { kind: 'text', key: 'policyBlocksThis' };
  else {
    addError = undefined;
    const origin = parsed.value.serialized;
    if (await act(() => rememberUserChoice(origin, decision === 'allow' ? 'always' : 'block'))) input.value = '';
    return;
  }
  renderAddError();
  input.focus();
}

$('lang').addEventListener('click', () => {
  language = language === 'vi' ? 'en' : 'vi';
  localStorage.setItem(LANGUAGE_KEY, language);
  render();
});
$<HTMLFormElement>('add-form').addEventListener('submit', (event) => void onAdd(event));
$<HTMLFormElement>('raw-form').addEventListener('submit', (event) => void onRawAdd(event));
onAccessStorageChanged(() => void reload());
initHistorySection(language);
initStampImagesSection(language);
void reload();
