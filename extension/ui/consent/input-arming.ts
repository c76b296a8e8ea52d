/**
 * Input arming: the consent window ignores the person's decisions for ARMING_DELAY_MS after it shows, after it
 * regains focus, and after it moves to a new step, the way browser permission prompts do (Chromium's
 * "input protector" for permission bubbles; Firefox's security.dialog_enable_delay). A page cannot then get an
 * approval out of keys or clicks it made the person aim at the page (keyjacking, double-click timing).
 *
 * While not armed: every key but Escape (cancel stays possible) is swallowed before it reaches the window,
 * decision buttons (marked with `markDecision`) are disabled, and the handlers check `armed()` again.
 * `body[data-armed]` says which ("true"/"false") so tests and the person's assistive tools can tell.
 */

export const ARMING_DELAY_MS = 1000;

export interface InputArming {
  /** Whether decisions are accepted now. */
  armed(): boolean;
  /** Start the delay again (a new step of the window). */
  rearm(): void;
  /** A decision button: disabled until armed; `otherwiseDisabled` keeps it disabled for its own reasons. */
  markDecision(button: HTMLButtonElement, otherwiseDisabled?: boolean): void;
}

export function startInputArming(options: { delayMs?: number; onArmed?: () => void } = {}): InputArming {
  const delayMs = options.delayMs ?? ARMING_DELAY_MS;
  let isArmed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const applyToButtons = () => {
    for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-decision]')) {
      button.disabled = !isArmed || button.dataset['otherwiseDisabled'] === 'true';
    }
  };
  const setArmed = (value: boolean) => {
    isArmed = value;
    document.body.dataset['armed'] = String(value);
    applyToButtons();
  };
  const disarm = () => {
    clearTimeout(timer);
    timer = undefined;
    if (isArmed || document.body.dataset['armed'] !== 'false') setArmed(false);
  };
  const rearm = () => {
    disarm();
    timer = setTimeout(() => { timer = undefined; setArmed(true); options.onArmed?.(); }, delayMs);
  };

  // Capture phase on window: before any handler of the page's elements (Enter submitting the form, Space or
  // Enter on a focused button, Tab moving focus onto one, characters typed into the PIN field).
  const swallowKey = (event: KeyboardEvent) => {
    if (isArmed || event.key === 'Escape') return;
    event.preventDefault();
    event.stopImmediatePropagation();
  };
  window.addEventListener('keydown', swallowKey, true);
  window.addEventListener('keypress', swallowKey, true);
  window.addEventListener('keyup', swallowKey, true);
  // Losing focus disarms at once; coming back (the focus event fires before the click that brought it back is
  // delivered) starts the delay again. The blur also restarts the timer so a window whose blur is never followed
  // by a focus event (some headless or window-manager setups) does not stay unusable.
  window.addEventListener('focus', rearm);
  window.addEventListener('blur', rearm);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') rearm(); else disarm(); });

  setArmed(false);
  timer = setTimeout(() => { timer = undefined; setArmed(true); options.onArmed?.(); }, delayMs);

  return {
    armed: () => isArmed,
    rearm,
    markDecision(button, otherwiseDisabled = false) {
      button.dataset['decision'] = 'true';
      button.dataset['otherwiseDisabled'] = String(otherwiseDisabled);
      button.disabled = !isArmed || otherwiseDisabled;
    },
  };
}
