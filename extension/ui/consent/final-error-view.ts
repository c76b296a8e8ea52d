/**
 * The consent window after a signing ended with an error it says itself (final-error-text.ts): what happened,
 * what to do next, the code for the help desk, and one Close button — no PIN field, no Approve. The page already
 * has the same typed error; closing only closes the window (consent-broker.ts `release`).
 */
import type { SerializedErrorMessage } from '../../../shared/protocol/common.js';
import { el } from '../dom.js';
import type { UiLanguage } from './consent-text.js';
import { FINAL_ERROR_UI, finalErrorWords, staysInWindow } from './final-error-text.js';

export interface FinalErrorViewOptions {
  readonly error: SerializedErrorMessage;
  readonly language: UiLanguage;
  /** Close is held back like a decision for a moment after the message shows (input-arming.ts). */
  markDecision(button: HTMLButtonElement): void;
  onClose(): void;
}

export function renderFinalError({ error, language, markDecision, onClose }: FinalErrorViewOptions): HTMLElement {
  // The background sends only codes the window has words for; the catalogue's message is the fallback all the same.
  const words = staysInWindow(error.code)
    ? finalErrorWords(error.code, language)
    : { title: language === 'vi' ? error.message : error.messageEn, explanation: '', nextStep: '' };
  const ui = FINAL_ERROR_UI[language];
  const title = el('h2', { text: words.title, testid: 'consent-final-error-title' });
  title.tabIndex = -1;
  const close = el('button', { text: ui.close, className: 'primary', testid: 'consent-final-error-close' });
  close.type = 'button';
  markDecision(close);
  close.addEventListener('click', onClose);
  const box = el('div', { className: 'final-error', testid: 'consent-final-error' }, title);
  box.setAttribute('role', 'alert');
  box.dataset['code'] = error.code;
  if (words.explanation) box.append(el('p', { text: words.explanation, testid: 'consent-final-error-explanation' }));
  if (words.nextStep) box.append(el('p', { text: words.nextStep, className: 'next-step', testid: 'consent-final-error-next-step' }));
  box.append(
    el('p', { text: `${ui.pageTold} ${ui.code}: ${error.code}`, className: 'final-error-code', testid: 'consent-final-error-code' }),
    el('div', { className: 'actions' }, close),
  );
  return box;
}
