/**
 * PIN guard: what the consent window lets the person do, from the token's PIN flags [PKCS#11 2.40 §3.2
 * CK_TOKEN_INFO: CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED]. A wrong PIN on the
 * final try locks the token (the person then needs their CA to unblock it), so the window stops before the
 * last try until the person ticks "confirm-last-try"; a locked token gets no PIN field and no Approve.
 * Pure, so the decision is unit-tested (SoftHSM2 cannot be put at "final try" on demand).
 */
import type { TokenFlags } from '../../../shared/protocol/common.js';

export type PinWarning = 'locked' | 'finalTry' | 'countLow' | null;

export interface PinGuardState {
  /** Show the PIN input (false for a PIN pad or a locked token). */
  readonly showPinField: boolean;
  /** "Enter the PIN on the device" (protected authentication path). */
  readonly showPinPad: boolean;
  /** Show the "I understand the token locks on a wrong PIN" checkbox. */
  readonly askConfirmLastTry: boolean;
  /** Whether Approve may be pressed (before busy/selection checks). */
  readonly approveAllowed: boolean;
  readonly warning: PinWarning;
}

export function pinGuardState(flags: TokenFlags | undefined, confirmedLastTry: boolean): PinGuardState {
  if (flags?.userPinLocked) {
    return { showPinField: false, showPinPad: false, askConfirmLastTry: false, approveAllowed: false, warning: 'locked' };
  }
  const pinPad = flags?.protectedAuthenticationPath === true;
  if (flags?.userPinFinalTry) {
    return { showPinField: !pinPad, showPinPad: pinPad, askConfirmLastTry: true, approveAllowed: confirmedLastTry, warning: 'finalTry' };
  }
  return {
    showPinField: !pinPad, showPinPad: pinPad, askConfirmLastTry: false, approveAllowed: true,
    warning: flags?.userPinCountLow ? 'countLow' : null,
  };
}
