/**
 * The toolbar popup's health view: is the host found and which version, the drivers and tokens it sees, the
 * certificates (holder, identifiers, expiry) and the administrator's policy — what `kyso doctor` says, at a
 * glance. Only the popup page may ask (sender URL checked, like site-popup.ts): a web page's message arrives
 * with the page's URL as sender and gets no answer from here. The reply holds no PIN and no certificate bytes.
 */
import * as v from 'valibot';
import { serializeError } from '../../../shared/errors/kyso-error.js';
import type { CertificateInfo, TokenInfo } from '../../../shared/protocol/common.js';
import { certificateHealth } from '../../../shared/doctor/certificate-health.js';
import type { ManagedPolicy } from '../access/managed-policy.js';
import { POPUP_PAGE_PATH } from '../compat/site-popup.js';

export const PopupHealthRequestSchema = v.strictObject({ kind: v.literal('popup.health') });

const Text = v.pipe(v.string(), v.maxLength(4096));
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** The reply, validated again by the popup before it shows anything (every boundary checks what it receives). */
export const PopupHealthSchema = v.strictObject({
  extensionVersion: Text,
  host: v.strictObject({ found: v.boolean(), version: v.optional(Text), errorCode: v.optional(Text), errorVi: v.optional(Text), errorEn: v.optional(Text) }),
  drivers: v.array(v.strictObject({ path: Text, loaded: v.boolean(), error: v.optional(Text) })),
  tokens: v.array(v.strictObject({ label: Text, manufacturer: Text, model: Text, serialNumber: Text, pinLocked: v.boolean(), pinLow: v.boolean() })),
  certificates: v.array(v.strictObject({
    holder: Text, identifiers: v.array(Text), notBefore: Text, notAfter: Text,
    state: v.picklist(['ok', 'expiringSoon', 'expired', 'notYetValid', 'unusable']), daysLeft: v.pipe(v.number(), v.integer()),
  })),
  policy: v.strictObject({ present: v.boolean(), allowed: Count, blocked: Count, allowUserOrigins: v.boolean(), problems: Count }),
  checkedAt: Text,
});
export type PopupHealth = v.InferOutput<typeof PopupHealthSchema>;

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
