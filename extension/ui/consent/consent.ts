/**
 * The consent window: shows who asks (origin from the browser), what is signed, lets the person pick a
 * certificate and type the PIN. The PIN is read from the field, sent once to the background and the field is
 * cleared; it is never stored, logged or put in a URL.
 */
import * as v from 'valibot';
import { browserApi } from '../../platform/browser-api.js';
import { ConsentReplySchema, type ConsentReply, type ConsentState, type SiteChoice } from '../../messaging/internal-messages.js';
import type { CertificateInfo, SerializedErrorMessage, TokenInfo } from '../../../shared/protocol/common.js';
import { PIN_MIN_CHARS, PIN_MAX_CHARS } from '../../../shared/limits.js';
import { TEXT, type UiLanguage } from './consent-text.js';
import { isSelectable, renderCertificateOption, renderNoCertificates } from './certificate-option.js';
import { preselectedCertificate } from './certificate-preselection.js';
import { DECISION_TEXT } from './decision-text.js';
import { technicalDetails } from './technical-details.js';
import { startCertificatePolling } from './certificate-refresh.js';
import { needsDeliberateChoice } from './lookalike-certificates.js';
import { pinGuardState } from './pin-guard.js';
import { createDocumentReader, renderDocumentList } from './preview/document-list.js';
import { el } from '../dom.js';
import { startInputArming } from './input-arming.js';
import type { siteIdentity as SiteIdentityFn } from './site-identity.js';
import { noteWaiting, showQueueLine, startQueuePolling } from './queue-line.js';
import { renderRevealBlock, tokensToReveal } from './reveal-certificates.js';
import { renderFinalError } from './final-error-view.js';

/** Performance mark set at the first render of a request's state (the window's content, not just its frame; read by scripts/bench/browser-figures.ts). */
const SHOWN_MARK = 'kyso:consent-shown';
/** When the first state arrived and when the Public Suffix List was ready: where the time to SHOWN_MARK went (the bench reads them). */
const STATE_MARK = 'kyso:consent-state';
const PSL_MARK = 'kyso:consent-psl';
const sessionId = new URLSearchParams(location.search).get('session') ?? '';
let language: UiLanguage = 'vi';
let state: ConsentState | null = null;
let selectedId: string | null = null;
let lastError: SerializedErrorMessage | string | null = null;
let busy = false;
/** The request ended with an error the window says itself (final-error-text.ts): the page has it; only Close is left. */
let finalError: SerializedErrorMessage | null = null;
/** The person ticked "confirm-last-try" for the state on screen; reset whenever a new state arrives. */
let confirmedLastTry = false;

/**
 * The registrable domain comes from the Public Suffix List (site-identity.ts, tldts: ~3/4 of this page's script).
 * It is loaded beside the request's state (at the end of this script), after the window's first parse, instead of
 * before the window can show at all; nothing of the request is rendered until both are here (render() below), so
 * the origin never shows without its registrable domain.
 */
let siteIdentity: typeof SiteIdentityFn | null = null;

const $ = (id: string) => document.getElementById(id)!;
const t = () => TEXT[language];
/** Decisions are ignored for a second after the window shows, regains focus or changes step (input-arming.ts). */
const arming = startInputArming({ onArmed: () => placeFocus() });
const POSITIVE_TEST_IDS = new Set(['site-allow-once', 'site-allow-always', 'approve']);

/**
 * Default focus is never on a positive action [after Chromium's permission prompts]: the neutral heading until the
 * window is armed, then the PIN field on the signing step (Enter there submits, so only once armed).
 */
function placeFocus(): void {
  const pin = document.querySelector<HTMLInputElement>('#pin');
  const active = document.activeElement as HTMLElement | null;
  // The message, not its Close button: a key pressed on after Approve must not dismiss it unread.
  if (finalError) { const heading = document.querySelector<HTMLElement>('[data-testid=consent-final-error-title]'); if (heading && active !== heading) heading.focus(); return; }
  if (arming.armed() && state?.step === 'sign' && pin) { if (active !== pin) pin.focus(); return; }
  if (!active || active === document.body || POSITIVE_TEST_IDS.has(active.dataset['testid'] ?? '') || !arming.armed()) $('title').focus();
}

async function send(message: Record<string, unknown>): Promise<ConsentReply> {
  const reply = await browserApi.sendMessage({ ...message, sessionId });
  const parsed = v.safeParse(ConsentReplySchema, reply);
  return parsed.success ? parsed.output : { outcome: 'closed' };
}

function apply(reply: ConsentReply): void {
  if (reply.outcome === 'closed') {
    // The background closes the window; show the reason meanwhile.
    if (reply.error) showError(reply.error);
    window.close();
    return;
  }
  if (!state) performance.mark(STATE_MARK);
  // A new step is a new decision: the delay starts again (a double click cannot allow the site AND approve, nor
  // close the message of a failed signing unread).
  if ((state && state.step !== reply.state.step) || (reply.outcome === 'ended' && !finalError)) arming.rearm();
  state = reply.state;
  noteWaiting(reply.state.waiting);
  confirmedLastTry = false;
  lastError = reply.outcome === 'retry' ? reply.error : null;
  if (reply.outcome === 'ended') finalError = reply.error;
  render();
}

function showError(error: SerializedErrorMessage | string | null): void {
  const box = $('error');
  if (!error) { box.hidden = true; box.textContent = ''; return; }
  box.hidden = false;
  box.textContent = typeof error === 'string' ? error : language === 'vi' ? error.message : error.messageEn;
}

function render(): void {
  document.documentElement.lang = language;
  document.title = t().title;
  $('title').textContent = t().title;
  $('lang').textContent = t().toggle;
  $('requested-by').textContent = t().requestedBy;
  const content = $('content');
  content.replaceChildren();
  showError(lastError);
  showQueueLine(language);
  if (!state || !siteIdentity) return;
  if (performance.getEntriesByName(SHOWN_MARK).length === 0) {
    // The request is on screen from now: decisions wait ARMING_DELAY_MS from here, not from the window's load.
    arming.rearm();
    performance.mark(SHOWN_MARK);
  }
  // The registrable domain (Public Suffix List) big, the full origin under it: a look-alike subdomain shows its owner.
  $('registrable-domain').textContent = siteIdentity(state.origin).registrableDomain;
  $('origin').textContent = state.origin;
  const top = $('top-origin');
  top.hidden = !state.topOrigin;
  top.textContent = state.topOrigin ? `${t().embeddedIn} ${siteIdentity(state.topOrigin).registrableDomain} (${state.topOrigin})` : '';
  if (finalError) {
    content.append(renderFinalError({ error: finalError, language, markDecision: (b) => arming.markDecision(b), onClose: () => { void cancelRequest(); } }));
  } else if (state.step === 'site') renderSite(content, state); else renderSign(content, state);
  placeFocus();
}

function renderSite(content: HTMLElement, s: ConsentState): void {
  const button = (testid: string, label: string, choice: SiteChoice, className = '') => {
    const b = el('button', { text: label, testid, className });
    b.type = 'button';
    arming.markDecision(b);
    b.addEventListener('click', () => { void choose(choice); });
    return b;
  };
  content.append(
    el('p', { text: t().siteQuestion((s.siteOrigins.length > 0 ? s.siteOrigins : [s.origin]).join(', ')), className: 'question', testid: 'site-question' }),
    el('p', { text: `${t().operation}: ${t().operations[s.operation]}` }),
    el('div', { className: 'actions' },
      button('site-block', t().block, 'block', 'danger'),
      button('site-allow-always', t().allowAlways, 'always'),
      button('site-allow-once', t().allowOnce, 'once', 'primary')),
  );
}

async function choose(choice: SiteChoice): Promise<void> {
  if (busy || !arming.armed()) return;
  busy = true;
  let reply: ConsentReply;
  try { reply = await send({ kind: 'consent.site', choice }); } finally { busy = false; }
  apply(reply); // rendered after busy is cleared, or the signing step would start disabled
}

function tokenOf(certificate: CertificateInfo, tokens: readonly TokenInfo[]): TokenInfo | undefined {
  return tokens.find((token) => token.id === certificate.token?.id);
}

function renderSign(content: HTMLElement, s: ConsentState): void {
  const sign = s.sign!;
  const usable = sign.certificates.filter((c) => isSelectable(c, sign.exclusions?.[c.id]));
  // A deliberate choice when several certificates fit and the portal named no signer (certificate-preselection.ts),
  // and always among look-alikes — one holder, two bodies — even when the portal named that holder.
  const deliberate = needsDeliberateChoice(usable);
  if (!usable.some((c) => c.id === selectedId)) selectedId = deliberate ? null : preselectedCertificate(sign.certificates, sign.exclusions);

  // Sign-in is not a document: say where the person signs in, not a digest [after Web eID].
  const details = s.operation === 'kyso.authenticate' ? el('p', { text: t().signInTo(s.origin), className: 'question', testid: 'description' }) : renderWhatIsSigned(s);

  // Everything is inside the form so its last part, the decision bar (holder, PIN, Approve), can stay in view
  // (position: sticky; consent.css) however long the documents and the certificate list are.
  const form = el('form');
  form.append(details, ...(sign.documents ? [renderDocumentList(sign.documents, language, createDocumentReader((m) => browserApi.sendMessage(m), sessionId))] : []));
  const list = el('fieldset', {}, el('legend', { text: t().chooseCertificate }));
  if (deliberate && !selectedId) list.append(el('p', { text: t().chooseDeliberately, className: 'reason', testid: 'choose-deliberately' }));
  for (const certificate of sign.certificates) list.append(certificateOption(certificate));
  const hidden = tokensToReveal(sign.tokens, sign.certificates);
  if (sign.certificates.length === 0 && hidden.length === 0) list.append(renderNoCertificates(language));
  for (const token of hidden) {
    list.append(renderRevealBlock({ token, language, disabled: busy, markDecision: (b, off) => arming.markDecision(b, off), onReveal: (id, pin) => { void revealRequest(id, pin); } }));
  }
  form.append(list);

  const selected = sign.certificates.find((c) => c.id === selectedId);
  const token = selected ? tokenOf(selected, sign.tokens) : undefined;
  const pinRow = el('div', { className: 'pin-row' });
  const tokenState = token ? tokenStateText(token) : '';
  if (tokenState) pinRow.append(el('div', { text: tokenState, className: 'token-state', testid: 'token-state' }));
  const guard = pinGuardState(token?.flags, confirmedLastTry);
  if (guard.warning === 'locked') pinRow.append(el('div', { text: t().lockedExplained, className: 'reason', testid: 'pin-locked' }));
  if (guard.warning === 'finalTry') pinRow.append(el('div', { text: t().finalTryExplained, className: 'reason', testid: 'final-try-warning' }));
  if (guard.showPinPad) {
    // A PIN pad: the PIN is typed on the device, never here (no field at all).
    pinRow.append(el('div', { text: t().pinPad, className: 'pin-pad-message', testid: 'pin-pad-message' }));
  } else if (guard.showPinField) {
    const label = el('label', { text: t().pin });
    const input = el('input', { testid: 'pin' });
    input.type = 'password';
    input.id = 'pin';
    input.autocomplete = 'off';
    input.maxLength = PIN_MAX_CHARS;
    input.spellcheck = false;
    label.htmlFor = 'pin';
    pinRow.append(label, input);
  }
  if (guard.askConfirmLastTry) {
    const box = el('input', { testid: 'confirm-last-try' });
    box.type = 'checkbox';
    box.id = 'confirm-last-try';
    box.checked = confirmedLastTry;
    box.addEventListener('change', () => {
      const pin = document.querySelector<HTMLInputElement>('#pin')?.value ?? '';
      confirmedLastTry = box.checked;
      render();
      const input = document.querySelector<HTMLInputElement>('#pin');
      if (input) input.value = pin;
    });
    const label = el('label', { text: t().confirmLastTry });
    label.htmlFor = 'confirm-last-try';
    pinRow.append(el('div', { className: 'confirm-row' }, box, label));
  }
  const decision = el('div', { className: 'decision', testid: 'decision' }, signingAs(selected), pinRow);

  const approveLabel = s.operation === 'kyso.authenticate' ? t().operations['kyso.authenticate'] : t().approve;
  const approve = el('button', { text: busy ? t().signing : approveLabel, className: 'primary', testid: 'approve' });
  approve.type = 'submit';
  arming.markDecision(approve, busy || !selected || !guard.approveAllowed);
  const cancel = el('button', { text: t().cancel, testid: 'cancel' });
  cancel.type = 'button';
  cancel.addEventListener('click', () => { void cancelRequest(); });
  decision.append(el('div', { className: 'actions' }, cancel, approve), el('div', { className: 'hint', text: t().keyboardHint }));
  form.append(decision);
  form.addEventListener('submit', (event) => { event.preventDefault(); void approveRequest(); });

  content.append(form);
}

/** Who will sign, in the decision bar next to the PIN: the holder's name large, or the request to choose one. */
function signingAs(selected: CertificateInfo | undefined): HTMLElement {
  const text = DECISION_TEXT[language];
  if (!selected) {
    const prompt = el('div', { className: 'signing-as choose', testid: 'choose-certificate-prompt', text: text.chooseCertificatePrompt });
    // A click on the request takes the person to the list (it may be above a long preview).
    prompt.addEventListener('click', () => document.querySelector('fieldset')?.scrollIntoView({ block: 'start', behavior: 'smooth' }));
    return prompt;
  }
  const holder = selected.subject.commonName ?? selected.subject.dn;
  return el('div', { className: 'signing-as' }, el('span', { text: text.signingAs }), document.createTextNode(' '), el('strong', { text: holder, testid: 'selected-holder' }));
}

/**
 * What the window can say about what is signed. Only the documents (background/documents) and the digest are
 * Kyso's own facts; the page's description is shown as the site's words, never as "what is signed". A bare
 * signHash value cannot be read by anyone: the window says so, plainly (issue 9 §2).
 */
function renderWhatIsSigned(s: ConsentState): HTMLElement {
  const sign = s.sign!;
  const box = el('div', { className: 'what' });
  box.append(el('dl', {}, el('dt', { text: t().operation }), el('dd', { text: t().operations[s.operation], testid: 'operation' })));
  if (s.operation === 'kyso.signHash') box.append(el('p', { className: 'hash-warning', testid: 'hash-warning', text: t().hashCannotBeRead }));
  box.append(el('div', { className: 'site-words', testid: 'site-words' },
    el('div', { className: 'site-words-label', text: t().siteWords }),
    el('blockquote', { text: sign.description ?? t().noDescription, testid: 'description' })));
  // Hash values help almost no one reading the window; folded away, one click to open (issue 11 §4).
  box.append(technicalDetails(language, el('dl', {},
    el('dt', { text: t().hashAlgorithm }), el('dd', { text: sign.hashAlgorithm }),
    el('dt', { text: s.operation === 'kyso.signHash' ? t().hashValue : t().digest }), el('dd', { text: sign.digestHex, className: 'digest', testid: 'digest' }))));
  return box;
}

function certificateOption(certificate: CertificateInfo): HTMLElement {
  return renderCertificateOption({
    certificate, language, selected: certificate.id === selectedId,
    exclusions: state?.sign?.exclusions?.[certificate.id] ?? [],
    unusableText: t().unusable,
    onSelect: (id) => {
      // Keep a PIN already typed when the person switches certificate.
      const pin = document.querySelector<HTMLInputElement>('#pin')?.value ?? '';
      selectedId = id;
      render();
      const input = document.querySelector<HTMLInputElement>('#pin');
      if (input) input.value = pin;
    },
  });
}

function tokenStateText(token: TokenInfo): string {
  if (token.flags.userPinLocked) return t().pinLocked;
  if (token.flags.userPinFinalTry) return t().pinFinalTry;
  if (token.flags.userPinCountLow) return t().pinCountLow;
  if (token.flags.userPinToBeChanged) return t().pinToBeChanged;
  return '';
}

function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString(language === 'vi' ? 'vi-VN' : 'en-GB');
}

async function approveRequest(): Promise<void> {
  // Before the window is armed an approve (Enter in the PIN field, a click) is ignored, the PIN field left as is.
  if (busy || finalError || !state?.sign || !arming.armed()) return;
  if (!selectedId) { lastError = t().chooseFirst; showError(lastError); return; }
  const chosen = state.sign.certificates.find((c) => c.id === selectedId);
  if (!pinGuardState(chosen ? tokenOf(chosen, state.sign.tokens)?.flags : undefined, confirmedLastTry).approveAllowed) return;
  const input = document.querySelector<HTMLInputElement>('#pin');
  const pin = input?.value;
  if (input) input.value = ''; // cleared before anything else can look at it
  if (input && (pin ?? '').length < PIN_MIN_CHARS) { lastError = t().pinTooShort; showError(lastError); input.focus(); return; }
  busy = true;
  render();
  try {
    const reply = await send({ kind: 'consent.approve', certificateId: selectedId, ...(pin !== undefined ? { pin } : {}) });
    busy = false;
    apply(reply);
  } catch {
    busy = false; // the window is being closed by the background
  }
}

/** Open a token that shows its certificates only after login (reveal-certificates.ts); the list then refreshes. */
async function revealRequest(tokenId: string, pin: string | undefined): Promise<void> {
  if (busy || finalError || !arming.armed()) return;
  if (pin !== undefined && pin.length < PIN_MIN_CHARS) { lastError = t().pinTooShort; showError(lastError); return; }
  busy = true;
  render();
  try {
    const reply = await send({ kind: 'consent.reveal', tokenId, ...(pin !== undefined ? { pin } : {}) });
    busy = false;
    apply(reply);
  } catch {
    busy = false; // the window is being closed by the background
  }
}

async function cancelRequest(): Promise<void> {
  try { apply(await send({ kind: 'consent.cancel' })); } catch { window.close(); }
}

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') { event.preventDefault(); void cancelRequest(); }
});
$('lang').addEventListener('click', () => {
  const pin = document.querySelector<HTMLInputElement>('#pin')?.value ?? '';
  language = language === 'vi' ? 'en' : 'vi';
  render();
  const input = document.querySelector<HTMLInputElement>('#pin');
  if (input) input.value = pin;
});

send({ kind: 'consent.getState' }).then(apply, () => window.close());
// The list is asked for only now, in a task of its own: Chromium's request for the chunk took ~20 ms on this
// page's main thread (trace, issue 14), which at the top of the script delayed both the state request above and
// the window's DOMContentLoaded. Renders the state if it arrived first. A list that cannot load leaves nothing
// to show: close.
setTimeout(() => {
  import('./site-identity.js')
    .then((m) => { siteIdentity = m.siteIdentity; performance.mark(PSL_MARK); })
    .then(render, () => window.close());
}, 0);
startQueuePolling(send, () => language);
// Tokens plugged in or pulled out while the window is open (hot-plug); the PIN typed stays if the selection does.
startCertificatePolling({
  send, current: () => state, busy: () => busy || finalError !== null,
  changed: (reply) => {
    const before = selectedId;
    const pin = document.querySelector<HTMLInputElement>('#pin')?.value ?? '';
    apply(reply);
    const input = document.querySelector<HTMLInputElement>('#pin');
    if (input && selectedId === before) input.value = pin;
  },
});
