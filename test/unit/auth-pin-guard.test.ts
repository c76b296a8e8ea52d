/**
 * PIN guard (extension/ui/consent/pin-guard.ts), simulated token flags: SoftHSM2 cannot be put at "final try"
 * or "locked" on demand, so the flag combinations a real token reports [PKCS#11 2.40 §3.2] are given here.
 */
import { describe, expect, it } from 'vitest';
import { pinGuardState } from '../../extension/ui/consent/pin-guard.js';
import { TEXT } from '../../extension/ui/consent/consent-text.js';
import type { TokenFlags } from '../../shared/protocol/common.js';

const flags = (over: Partial<TokenFlags> = {}): TokenFlags => ({
  loginRequired: true, protectedAuthenticationPath: false, userPinInitialized: true, userPinCountLow: false,
  userPinFinalTry: false, userPinLocked: false, userPinToBeChanged: false, ...over,
});

describe('PIN guard (simulated token flags)', () => {
  it('a healthy token: PIN field, Approve allowed, no warning', () => {
    expect(pinGuardState(flags(), false)).toEqual({ showPinField: true, showPinPad: false, askConfirmLastTry: false, approveAllowed: true, warning: null });
  });

  it('few tries left: a warning, no confirmation needed', () => {
    const state = pinGuardState(flags({ userPinCountLow: true }), false);
    expect(state.warning).toBe('countLow');
    expect(state.approveAllowed).toBe(true);
  });

  it('final try (simulated): Approve stays disabled until the person confirms; the PIN field stays', () => {
    const before = pinGuardState(flags({ userPinCountLow: true, userPinFinalTry: true }), false);
    expect(before).toMatchObject({ warning: 'finalTry', askConfirmLastTry: true, approveAllowed: false, showPinField: true });
    const after = pinGuardState(flags({ userPinCountLow: true, userPinFinalTry: true }), true);
    expect(after).toMatchObject({ askConfirmLastTry: true, approveAllowed: true });
  });

  it('final try on a PIN pad (simulated): the pad message instead of a field, still confirmed first', () => {
    const state = pinGuardState(flags({ userPinFinalTry: true, protectedAuthenticationPath: true }), false);
    expect(state).toMatchObject({ showPinField: false, showPinPad: true, askConfirmLastTry: true, approveAllowed: false });
  });

  it('locked (simulated): no PIN field, no pad prompt, Approve disabled even if "confirmed"', () => {
    for (const confirmed of [false, true]) {
      expect(pinGuardState(flags({ userPinLocked: true, userPinFinalTry: true }), confirmed))
        .toEqual({ showPinField: false, showPinPad: false, askConfirmLastTry: false, approveAllowed: false, warning: 'locked' });
    }
  });

  it('no token known for the certificate: behaves like a healthy token (the host refuses later if it must)', () => {
    expect(pinGuardState(undefined, false).approveAllowed).toBe(true);
  });

  it('the window explains the lock in both languages', () => {
    expect(TEXT.vi.finalTryExplained).toMatch(/lần thử PIN cuối cùng.*khoá/);
    expect(TEXT.en.finalTryExplained).toMatch(/last PIN try.*locks/);
    expect(TEXT.vi.lockedExplained).toMatch(/đã bị khoá/);
    expect(TEXT.en.lockedExplained).toMatch(/locked/);
  });
});
