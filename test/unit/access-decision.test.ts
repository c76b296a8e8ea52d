/**
 * The access decision table: admin policy, the person's list, iframes, operations, development vs production.
 * Pure logic (no browser); the real-browser proof of managed policy is test/e2e/policy.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { decideAccessFrom, type AccessContext, type AccessInput, type AccessVerdict } from '../../extension/background/access/access-decision.js';
import { NO_POLICY, parseManagedPolicy } from '../../extension/background/access/managed-policy.js';
import type { UserOriginEntry } from '../../extension/background/access/user-allowlist.js';

const PORTAL = 'https://dichvucong.gov.vn';
const TAX = 'https://thuedientu.gdt.gov.vn';
const STRANGER = 'https://example.com';

function ctx(policy: unknown = undefined, user: Record<string, 'allow' | 'block'> = {}, isDevelopmentBuild = false): AccessContext {
  const userOrigins: UserOriginEntry[] = Object.entries(user).map(([origin, decision]) => ({ origin, decision, addedAt: 1 }));
  return { policy: policy === undefined ? NO_POLICY : parseManagedPolicy(policy), userOrigins, rawSigningOrigins: [], isDevelopmentBuild };
}
// A signing operation that may prompt. (signHash is opt-in per origin on top of all this: access-raw-signing.test.ts.)
function decide(frameOrigin: string, context: AccessContext, operation = 'kyso.signPdf', topOrigin?: string): AccessVerdict {
  const input: AccessInput = { frameOrigin, topOrigin, operation };
  return decideAccessFrom(input, context);
}
const kind = (v: AccessVerdict): string => (v.kind === 'deny' ? `deny:${v.code}` : v.kind);

describe('malformed and insecure requesters', () => {
  it.each([
    ['null', 'deny:ORIGIN_NOT_ALLOWED'],
    ['', 'deny:ORIGIN_NOT_ALLOWED'],
    ['file:///C:/portal.html', 'deny:ORIGIN_NOT_ALLOWED'],
    ['data:text/html,x', 'deny:ORIGIN_NOT_ALLOWED'],
    ['blob:https://dichvucong.gov.vn/1', 'deny:ORIGIN_NOT_ALLOWED'],
    ['chrome-extension://abc/', 'deny:ORIGIN_NOT_ALLOWED'],
    ['http://dichvucong.gov.vn', 'deny:INSECURE_ORIGIN'],
  ])('%s → %s even when policy allows *.gov.vn and the person allowed everything', (origin, expected) => {
    const context = ctx({ allowedOrigins: ['https://*.gov.vn', 'https://dichvucong.gov.vn'] }, { [origin]: 'allow' });
    expect(kind(decide(origin, context))).toBe(expected);
  });

  it('http loopback: allowed in development builds, refused (not "insecure") in production', () => {
    expect(kind(decide('http://localhost:5173', ctx(undefined, {}, true)))).toBe('allow');
    expect(kind(decide('http://127.0.0.1:8080', ctx(undefined, {}, true), 'kyso.getStatus'))).toBe('allow');
    expect(kind(decide('http://localhost:5173', ctx(undefined, {}, false)))).toBe('deny:ORIGIN_NOT_ALLOWED');
    // Even a policy entry for it does not make plain http acceptable in production.
    expect(kind(decide('http://localhost:5173', ctx({ allowedOrigins: ['http://localhost:5173'] }, {}, false)))).toBe('deny:ORIGIN_NOT_ALLOWED');
  });

  it('an unknown operation name is refused before anything else', () => {
    expect(decide(PORTAL, ctx({ allowedOrigins: [PORTAL] }), 'kyso.deleteEverything')).toMatchObject({ kind: 'deny', code: 'OPERATION_NOT_ALLOWED' });
  });
});

describe('admin policy and the person\'s list', () => {
  it('no policy, no list: signing asks the person; status and listing are refused without a prompt', () => {
    expect(decide(PORTAL, ctx())).toEqual({ kind: 'ask', origins: [PORTAL] });
    expect(kind(decide(PORTAL, ctx(), 'kyso.getStatus'))).toBe('deny:ORIGIN_NOT_ALLOWED');
    expect(kind(decide(PORTAL, ctx(), 'kyso.listCertificates'))).toBe('deny:ORIGIN_NOT_ALLOWED');
  });

  it('policy allow (exact or pattern) → allow for every operation but raw-hash signing', () => {
    expect(decide(PORTAL, ctx({ allowedOrigins: [PORTAL] }), 'kyso.signHash')).toMatchObject({ kind: 'deny', code: 'OPERATION_NOT_ALLOWED', reason: 'raw-signing-not-enabled' });
    for (const op of ['kyso.getStatus', 'kyso.listCertificates', 'kyso.signPdf', 'kyso.signXml', 'kyso.signCms', 'kyso.authenticate']) {
      expect(kind(decide(TAX, ctx({ allowedOrigins: ['https://*.gov.vn'] }), op))).toBe('allow');
      expect(kind(decide(PORTAL, ctx({ allowedOrigins: [PORTAL] }), op))).toBe('allow');
    }
  });

  it('a pattern does not cover look-alikes', () => {
    const context = ctx({ allowedOrigins: ['https://*.gov.vn'] });
    for (const o of ['https://gov.vn.evil.com', 'https://evilgov.vn', 'https://evil-gov.vn', 'https://gov.vn']) {
      expect(kind(decide(o, context))).toBe('ask');
      expect(kind(decide(o, context, 'kyso.getStatus'))).toBe('deny:ORIGIN_NOT_ALLOWED');
    }
  });

  it('policy block beats policy allow and the person\'s allow', () => {
    const context = ctx({ allowedOrigins: ['https://*.gov.vn'], blockedOrigins: [TAX] }, { [TAX]: 'allow' });
    expect(decide(TAX, context)).toEqual({ kind: 'deny', code: 'ORIGIN_BLOCKED', origin: TAX });
    expect(kind(decide(PORTAL, context))).toBe('allow');
  });

  it('a blocked pattern blocks every subdomain', () => {
    expect(kind(decide('https://a.b.evil.vn', ctx({ blockedOrigins: ['https://*.evil.vn'] })))).toBe('deny:ORIGIN_BLOCKED');
  });

  it('the person\'s block beats the admin\'s allow (a person may always refuse a site)', () => {
    expect(kind(decide(PORTAL, ctx({ allowedOrigins: [PORTAL] }, { [PORTAL]: 'block' })))).toBe('deny:ORIGIN_BLOCKED');
    expect(kind(decide(PORTAL, ctx({ allowedOrigins: [PORTAL] }, { [PORTAL]: 'block' }), 'kyso.getStatus'))).toBe('deny:ORIGIN_BLOCKED');
  });

  it('the person\'s allow → allow, including status and listing', () => {
    const context = ctx(undefined, { [STRANGER]: 'allow' });
    expect(kind(decide(STRANGER, context))).toBe('allow');
    expect(kind(decide(STRANGER, context, 'kyso.getStatus'))).toBe('allow');
    expect(kind(decide('https://sub.example.com', context))).toBe('ask'); // exact origins only
  });

  it('allowUserOrigins: false → unlisted sites are refused instead of asked, and earlier user allows stop counting', () => {
    const context = ctx({ allowedOrigins: [PORTAL], allowUserOrigins: false }, { [STRANGER]: 'allow', 'https://blocked.vn': 'block' });
    expect(kind(decide(PORTAL, context))).toBe('allow');
    expect(kind(decide(STRANGER, context))).toBe('deny:ORIGIN_NOT_ALLOWED');
    expect(kind(decide('https://other.vn', context))).toBe('deny:ORIGIN_NOT_ALLOWED');
    expect(kind(decide('https://blocked.vn', context))).toBe('deny:ORIGIN_BLOCKED');
  });

  it('a development build allows loopback https too, but not other hosts', () => {
    expect(kind(decide('https://localhost:8443', ctx(undefined, {}, true)))).toBe('allow');
    expect(kind(decide(PORTAL, ctx(undefined, {}, true)))).toBe('ask');
    expect(kind(decide('https://localhost:8443', ctx(undefined, {}, false)))).toBe('ask');
  });

  it('a trailing-dot or upper-case spelling is the same site', () => {
    const context = ctx({ blockedOrigins: [PORTAL] });
    expect(kind(decide('https://DICHVUCONG.gov.vn.', context))).toBe('deny:ORIGIN_BLOCKED');
  });
});

describe('operations per site', () => {
  const policy = {
    allowedOrigins: ['https://*.gov.vn'],
    operations: {
      'https://*.gov.vn': ['signPdf', 'listCertificates'],
      'https://thuedientu.gdt.gov.vn': ['signXml', 'signHash'],
    },
  };
  it('the pattern rule limits every subdomain', () => {
    expect(kind(decide(PORTAL, ctx(policy), 'kyso.signPdf'))).toBe('allow');
    expect(kind(decide(PORTAL, ctx(policy), 'kyso.listCertificates'))).toBe('allow');
    expect(decide(PORTAL, ctx(policy), 'kyso.signHash')).toEqual({ kind: 'deny', code: 'OPERATION_NOT_ALLOWED', origin: PORTAL, reason: 'not-in-policy' });
  });
  it('the exact origin rule beats the pattern rule', () => {
    expect(kind(decide(TAX, ctx(policy), 'kyso.signHash'))).toBe('allow');
    expect(kind(decide(TAX, ctx(policy), 'kyso.signPdf'))).toBe('deny:OPERATION_NOT_ALLOWED');
  });
  it('status is never restricted by an operations list', () => {
    expect(kind(decide(TAX, ctx(policy), 'kyso.getStatus'))).toBe('allow');
  });
  it('no matching rule = all operations except raw-hash signing', () => {
    expect(kind(decide(PORTAL, ctx({ allowedOrigins: [PORTAL], operations: { [TAX]: ['signXml'] } }), 'kyso.signPdf'))).toBe('allow');
    expect(kind(decide(PORTAL, ctx({ allowedOrigins: [PORTAL], operations: { [TAX]: ['signXml'] } }), 'kyso.signHash'))).toBe('deny:OPERATION_NOT_ALLOWED');
  });
  it('an empty list allows no restrictable operation', () => {
    expect(kind(decide(PORTAL, ctx({ allowedOrigins: [PORTAL], operations: { [PORTAL]: [] } }), 'kyso.listCertificates'))).toBe('deny:OPERATION_NOT_ALLOWED');
  });
  it('applies to sites the person allowed, and to sites that would be asked about (no pointless prompt)', () => {
    const restrict = { operations: { 'https://*.example.com': ['signPdf'], [STRANGER]: ['signPdf'] } };
    expect(kind(decide(STRANGER, ctx(restrict, { [STRANGER]: 'allow' }), 'kyso.signHash'))).toBe('deny:OPERATION_NOT_ALLOWED');
    expect(kind(decide('https://a.example.com', ctx(restrict), 'kyso.signHash'))).toBe('deny:OPERATION_NOT_ALLOWED');
    expect(kind(decide('https://a.example.com', ctx(restrict), 'kyso.signPdf'))).toBe('ask');
  });
  it('an unreadable operations value for a site denies its restrictable operations instead of allowing all', () => {
    const context = ctx({ allowedOrigins: [PORTAL], operations: { [PORTAL]: 'signPdf' } });
    expect(context.policy.problems.length).toBeGreaterThan(0);
    expect(kind(decide(PORTAL, context, 'kyso.signPdf'))).toBe('deny:OPERATION_NOT_ALLOWED');
  });
});

describe('iframes: the frame and the top page must both pass', () => {
  const EMBED = 'https://ky.vnpt-ca.vn';
  it('both allowed → allow', () => {
    expect(kind(decide(EMBED, ctx({ allowedOrigins: [PORTAL, EMBED] }), 'kyso.signPdf', PORTAL))).toBe('allow');
  });
  it('allowed frame inside an unknown top page → ask about the top page only', () => {
    expect(decide(EMBED, ctx({ allowedOrigins: [EMBED] }), 'kyso.signPdf', STRANGER)).toEqual({ kind: 'ask', origins: [STRANGER] });
  });
  it('unknown frame inside an allowed top page → ask about the frame only', () => {
    expect(decide(EMBED, ctx({ allowedOrigins: [PORTAL] }), 'kyso.signPdf', PORTAL)).toEqual({ kind: 'ask', origins: [EMBED] });
  });
  it('both unknown → ask about both; status from such a frame is refused', () => {
    expect(decide(EMBED, ctx(), 'kyso.signPdf', STRANGER)).toEqual({ kind: 'ask', origins: [EMBED, STRANGER] });
    expect(kind(decide(EMBED, ctx({ allowedOrigins: [EMBED] }), 'kyso.getStatus', STRANGER))).toBe('deny:ORIGIN_NOT_ALLOWED');
  });
  it('a blocked top page blocks an allowed frame', () => {
    expect(decide(EMBED, ctx({ allowedOrigins: [EMBED] }, { [STRANGER]: 'block' }), 'kyso.signPdf', STRANGER))
      .toEqual({ kind: 'deny', code: 'ORIGIN_BLOCKED', origin: STRANGER });
  });
  it('an http top page makes an https frame insecure', () => {
    expect(kind(decide(EMBED, ctx({ allowedOrigins: [EMBED] }), 'kyso.signPdf', 'http://portal.example.vn'))).toBe('deny:INSECURE_ORIGIN');
  });
  it('a top page given as a full URL counts by its origin', () => {
    expect(kind(decide(EMBED, ctx({ allowedOrigins: [EMBED, PORTAL] }), 'kyso.signPdf', `${PORTAL}/thu-tuc/123?x=1`))).toBe('allow');
  });
  it('an operations rule on the top page limits the frame too', () => {
    const context = ctx({ allowedOrigins: [EMBED, PORTAL], operations: { [PORTAL]: ['signPdf'] } });
    expect(kind(decide(EMBED, context, 'kyso.signXml', PORTAL))).toBe('deny:OPERATION_NOT_ALLOWED');
    expect(kind(decide(EMBED, context, 'kyso.signPdf', PORTAL))).toBe('allow');
  });
});
