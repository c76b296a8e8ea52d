/**
 * How a certificate on the token stands today, in the words a help desk uses: fine, expiring soon (renew now),
 * expired, or not valid yet — the last one on a PC whose clock is behind is a classic support call.
 * Shared by `kyso doctor` and the toolbar popup so both say the same.
 */
import type { CertificateInfo } from '../protocol/common.js';

/** Certificates ending within this many days are flagged so the person renews before a deadline. */
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export type CertificateState = 'ok' | 'expiringSoon' | 'expired' | 'notYetValid' | 'unusable';

export interface CertificateHealth {
  readonly state: CertificateState;
  /** Whole days until notAfter (negative once expired). */
  readonly daysLeft: number;
  /** Holder (common name) and identifiers (MST, CCCD…): the only facts about the person a report carries. */
  readonly holder: string;
  readonly identifiers: readonly string[];
  readonly notBefore: string;
  readonly notAfter: string;
}

export function certificateHealth(cert: Pick<CertificateInfo, 'subject' | 'notBefore' | 'notAfter' | 'unusableReasons' | 'id'>, now: Date): CertificateHealth {
  const notBefore = Date.parse(cert.notBefore);
  const notAfter = Date.parse(cert.notAfter);
  const daysLeft = Math.floor((notAfter - now.getTime()) / DAY_MS);
  // Dates are judged against `now` here (not the reasons computed when listed) so one clock decides everything.
  const state: CertificateState = now.getTime() < notBefore ? 'notYetValid'
    : now.getTime() > notAfter ? 'expired'
      : cert.unusableReasons.some((r) => r !== 'expired' && r !== 'notYetValid') ? 'unusable'
        : daysLeft < EXPIRY_WARNING_DAYS ? 'expiringSoon' : 'ok';
  return {
    state, daysLeft,
    holder: cert.subject.commonName ?? cert.id,
    identifiers: cert.subject.identifiers.all,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}

/** "Nguyễn Văn An [CCCD:001099012345]" */
export function holderText(h: Pick<CertificateHealth, 'holder' | 'identifiers'>): string {
  return `${h.holder}${h.identifiers.length ? ` [${h.identifiers.join(', ')}]` : ''}`;
}
