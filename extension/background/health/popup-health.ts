/**
 * The toolbar popup's health view: is the host found and which version, the drivers and tokens it sees, the
 * certificates (holder, identifiers, expiry) and the administrator's policy — what `kyso doctor` says, at a
 * glance. Only the popup page may ask (sender URL checked, like site-popup.ts): a web page's message arrives
 * with the page's URL as sender and gets no answer from here. The reply holds no PIN and no certificate bytes.
 */
import * as v from 'valibot';
import { serializeError } from '../../../shared/errors/kyso-error.js';
import type { CertificateInfo, TokenInfo } from '../../../shared/protocol/common.js';
import { certificateHealth, type CertificateState } from '../../../shared/doctor/certificate-health.js';
import type { ManagedPolicy } from '../access/managed-policy.js';
import { POPUP_PAGE_PATH } from '../compat/site-popup.js';

export const PopupHealthRequestSchema = v.strictObject({ kind: v.literal('popup.health') });

export interface PopupHealth {
  readonly extensionVersion: string;
  readonly host: { readonly found: boolean; readonly version?: string; readonly errorCode?: string; readonly errorVi?: string; readonly errorEn?: string };
  readonly drivers: ReadonlyArray<{ readonly path: string; readonly loaded: boolean; readonly error?: string }>;
  readonly tokens: ReadonlyArray<{ readonly label: string; readonly manufacturer: string; readonly model: string; readonly serialNumber: string; readonly pinLocked: boolean; readonly pinLow: boolean }>;
  readonly certificates: ReadonlyArray<{ readonly holder: string; readonly identifiers: readonly string[]; readonly notBefore: string; readonly notAfter: string; readonly state: CertificateState; readonly daysLeft: number }>;
  readonly policy: { readonly present: boolean; readonly allowed: number; readonly blocked: number; readonly allowUserOrigins: boolean; readonly problems: number };
  readonly checkedAt: string;
}

export interface PopupHealthDependencies {
  getURL(path: string): string;
  extensionVersion: string;
  hello(): Promise<{ hostVersion: string; modules: ReadonlyArray<{ path: string; loaded: boolean; error?: string | undefined }> }>;
  listTokens(): Promise<readonly TokenInfo[]>;
  listCertificates(): Promise<readonly CertificateInfo[]>;
  readManagedPolicy(): Promise<ManagedPolicy>;
  now?: () => Date;
}

export function createPopupHealthHandler(deps: PopupHealthDependencies) {
  const gather = async (): Promise<PopupHealth> => {
    const now = deps.now?.() ?? new Date();
    const policy = await deps.readManagedPolicy().catch(() => undefined);
    const base = {
      extensionVersion: deps.extensionVersion,
      checkedAt: now.toISOString(),
      policy: policy
        ? { present: policy.present, allowed: policy.allowed.length, blocked: policy.blocked.length, allowUserOrigins: policy.allowUserOrigins, problems: policy.problems.length }
        : { present: false, allowed: 0, blocked: 0, allowUserOrigins: true, problems: 0 },
    };
    let hello;
    try {
      hello = await deps.hello();
    } catch (error) {
      const vi = serializeError(error, 'vi');
      return { ...base, host: { found: false, errorCode: vi.code, errorVi: vi.message, errorEn: vi.messageEn }, drivers: [], tokens: [], certificates: [] };
    }
    const drivers = hello.modules.map((m) => ({ path: m.path, loaded: m.loaded, ...(m.error ? { error: m.error } : {}) }));
    const [tokens, certificates] = await Promise.all([deps.listTokens().catch(() => []), deps.listCertificates().catch(() => [])]);
    return {
      ...base,
      host: { found: true, version: hello.hostVersion },
      drivers,
      tokens: tokens.map((t) => ({ label: t.label, manufacturer: t.manufacturer, model: t.model, serialNumber: t.serialNumber, pinLocked: t.flags.userPinLocked, pinLow: t.flags.userPinCountLow || t.flags.userPinFinalTry })),
      // The person's own certificates (with a key): CA certificates stored on the token are not theirs.
      certificates: certificates.filter((c) => !c.unusableReasons.includes('noPrivateKey')).map((c) => {
        const h = certificateHealth(c, now);
        return { holder: h.holder, identifiers: [...h.identifiers], notBefore: h.notBefore, notAfter: h.notAfter, state: h.state, daysLeft: h.daysLeft };
      }),
    };
  };

  return function handlePopupHealth(message: unknown, senderUrl: string | undefined): Promise<PopupHealth> | undefined {
    if ((message as { kind?: unknown } | null)?.kind !== 'popup.health') return undefined;
    if (!senderUrl || !senderUrl.startsWith(deps.getURL(POPUP_PAGE_PATH))) return undefined;
    if (!v.is(PopupHealthRequestSchema, message)) return undefined;
    return gather();
  };
}
