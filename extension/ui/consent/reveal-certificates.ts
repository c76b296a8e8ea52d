/**
 * A token that shows its certificates only after login (`certificatesAfterLogin`, issue 13): before any PIN the
 * picker has nothing of it to offer, so the window asks for the PIN here first. The background opens the token once
 * (host.revealCertificates), the host lists its certificates from then on, and the person picks and signs as usual —
 * typing the PIN again for the signature (one login to see, one to sign: the PIN is never kept between them).
 */
import type { CertificateInfo, TokenInfo } from '../../../shared/protocol/common.js';
import { PIN_MAX_CHARS } from '../../../shared/limits.js';
import { el } from '../dom.js';
import { TEXT, type UiLanguage } from './consent-text.js';

const REVEAL_TEXT = {
  vi: {
    explain: (label: string) => `Thiết bị «${label}» chỉ cho xem chứng thư số sau khi nhập PIN`,
    pin: 'Mã PIN',
    pinPad: 'Nhập mã PIN trên thiết bị sau khi bấm nút',
    locked: 'Thiết bị đã bị khoá PIN.',
    button: 'Xem chứng thư số',
  },
  en: {
    explain: (label: string) => `The token «${label}» shows its certificates only after you enter the PIN`,
    pin: 'PIN',
    pinPad: 'Enter the PIN on the device after pressing the button',
    locked: 'The token’s PIN is locked.',
    button: 'Show certificates',
  },
} as const satisfies Record<UiLanguage, unknown>;

/** Tokens that hide their certificates until login and have none listed yet. */
export function tokensToReveal(tokens: readonly TokenInfo[], certificates: readonly CertificateInfo[]): TokenInfo[] {
  return tokens.filter((t) => t.certificatesAfterLogin === true && !certificates.some((c) => c.token?.id === t.id));
}

export interface RevealBlockOptions {
  readonly token: TokenInfo;
  readonly language: UiLanguage;
  readonly disabled: boolean;
  /** The button, for the window's input arming (disabled until armed). */
  markDecision(button: HTMLButtonElement, otherwiseDisabled: boolean): void;
  /** `pin` undefined for a PIN pad; the field is cleared before this is called. */
  onReveal(tokenId: string, pin: string | undefined): void;
}

export function renderRevealBlock(options: RevealBlockOptions): HTMLElement {
  const { token } = options;
  const text = REVEAL_TEXT[options.language];
  const locked = token.flags.userPinLocked === true;
  const pinPad = token.flags.protectedAuthenticationPath === true;
  const finalTry = !locked && token.flags.userPinFinalTry === true;
  const block = el('div', { className: 'reveal-certificates', testid: 'reveal-certificates' },
    el('p', { text: text.explain(token.label) }));
  let input: HTMLInputElement | undefined;
  if (locked) block.append(el('p', { text: text.locked, className: 'reason' }));
  else if (pinPad) block.append(el('p', { text: text.pinPad, className: 'pin-pad-message' }));
  else {
    input = el('input', { testid: 'reveal-pin' });
    input.type = 'password';
    input.id = `reveal-pin-${token.id}`;
    input.autocomplete = 'off';
    input.maxLength = PIN_MAX_CHARS;
    input.spellcheck = false;
    const label = el('label', { text: text.pin });
    label.htmlFor = input.id;
    block.append(label, input);
  }
  const button = el('button', { text: text.button, testid: 'reveal-button' });
  button.type = 'button';
  options.markDecision(button, options.disabled || locked || finalTry);
  if (finalTry) {
    // As for Approve (pin-guard.ts): a wrong PIN on the last try locks the token, so the person ticks first.
    const box = el('input', { testid: 'reveal-confirm-last-try' });
    box.type = 'checkbox';
    box.id = `reveal-confirm-${token.id}`;
    box.addEventListener('change', () => options.markDecision(button, options.disabled || !box.checked));
    const label = el('label', { text: TEXT[options.language].confirmLastTry });
    label.htmlFor = box.id;
    block.append(el('p', { text: TEXT[options.language].finalTryExplained, className: 'reason' }), el('div', { className: 'confirm-row' }, box, label));
  }
  const reveal = () => {
    const pin = input?.value;
    if (input) input.value = ''; // cleared before anything else can look at it
    options.onReveal(token.id, pin);
  };
  button.addEventListener('click', reveal);
  // Enter here reveals; it must not submit the window's form (that is Approve).
  input?.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    if (!button.disabled) reveal();
  });
  block.append(button);
  return block;
}
