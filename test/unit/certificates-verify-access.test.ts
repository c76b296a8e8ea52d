/**
 * Who may call kyso.verify (extension/background/access/operations.ts 'verify', handler
 * extension/background/certificates/verify-handler.ts): allowed sites without a prompt, unlisted sites refused
 * without a prompt (never an "allow this site?" window), and admin policy can take the operation away.
 */
import { describe, expect, it } from 'vitest';
import { decideAccessFrom, type AccessVerdict } from '../../extension/background/access/access-decision.js';
import { NO_POLICY, parseManagedPolicy } from '../../extension/background/access/managed-policy.js';
import { verifyForPage } from '../../extension/background/certificates/verify-handler.js';
import { KysoError } from '../../shared/errors/kyso-error.js';

const PORTAL = 'https://dichvucong.gov.vn';
const kind = (v: AccessVerdict): string => (v.kind === 'deny' ? `deny:${v.code}` : v.kind);
const decide = (origin: string, policy: unknown, user: Record<string, 'allow' | 'block'> = {}) => decideAccessFrom(
  { frameOrigin: origin, topOrigin: undefined, operation: 'kyso.verify' },
  { policy: policy === undefined ? NO_POLICY : parseManagedPolicy(policy), userOrigins: Object.entries(user).map(([o, decision]) => ({ origin: o, decision, addedAt: 1 })), rawSigningOrigins: [], isDevelopmentBuild: false },
);

describe('kyso.verify access', () => {
  it('an allowed site verifies without a prompt; an unlisted one is refused, never asked', () => {
    expect(kind(decide(PORTAL, { allowedOrigins: [PORTAL] }))).toBe('allow');
    expect(kind(decide(PORTAL, undefined, { [PORTAL]: 'allow' }))).toBe('allow');
    expect(kind(decide('https://example.com', { allowedOrigins: [PORTAL] }))).toBe('deny:ORIGIN_NOT_ALLOWED');
  });

  it('admin policy can leave verify out of a site\'s operations', () => {
    expect(kind(decide(PORTAL, { allowedOrigins: [PORTAL], operations: { [PORTAL]: ['signHash'] } }))).toMatch(/^deny:/);
    expect(kind(decide(PORTAL, { allowedOrigins: [PORTAL], operations: { [PORTAL]: ['signHash', 'verify'] } }))).toBe('allow');
  });

  it('the handler refuses a request that still needs the person\'s permission instead of verifying silently', async () => {
    const host = { request: async () => { throw new Error('the host must not be asked'); } };
    const error = await verifyForPage(host as never, { document: 'AAAA' }, new AbortController().signal, ['https://example.com']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KysoError);
    expect((error as KysoError).code).toBe('ORIGIN_NOT_ALLOWED');
  });
});
