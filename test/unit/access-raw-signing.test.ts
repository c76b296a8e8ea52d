/**
 * Raw-hash signing (signHash) is opt-in per origin (extension/background/access/operations.ts "THE RAW-SIGNING
 * RULE"): an allowed site is not enough; the admin's `operations` rule must list it, or the person must have
 * enabled it for that exact origin on the options page. The e2e proof is test/security/signhash-phishing.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { decideAccessFrom, type AccessContext, type AccessVerdict } from '../../extension/background/access/access-decision.js';
import { operationAccess, RAW_SIGNING_POLICY_OPERATIONS } from '../../extension/background/access/operations.js';
import { parseRawSigningOptIns, withRawSigningOrigin, withoutRawSigningOrigin, MAX_RAW_SIGNING_ORIGINS } from '../../extension/background/access/raw-signing-opt-ins.js';
import { PageRequestSchema } from '../../shared/protocol/page-messages.js';
import { accessContext as ctx, verdictText as kind } from '../helpers/access-context.js';

const PORTAL = 'https://dichvucong.gov.vn';
const SIGNER = 'https://ky.congty.vn';
const PHISH = 'https://dichvucong-gov.vn';

const signHash = (frameOrigin: string, context: AccessContext, topOrigin?: string): AccessVerdict =>
  decideAccessFrom({ frameOrigin, topOrigin, operation: 'kyso.signHash' }, context);

describe('signHash needs an opt-in for the origin', () => {
  it.each([
    ['a site the admin allowed (no operations entry)', ctx({ policy: { allowedOrigins: [PHISH] } })],
    ['a site the person allowed "always"', ctx({ allow: [PHISH] })],
    ['an unknown site (would otherwise be asked about)', ctx()],
    ['a loopback page in a development build', ctx({ dev: true })],
  ])('%s → OPERATION_NOT_ALLOWED, never a prompt', (_name, context) => {
    const origin = _name.includes('loopback') ? 'http://localhost:5173' : PHISH;
    expect(kind(signHash(origin, context))).toBe('deny:OPERATION_NOT_ALLOWED:raw-signing-not-enabled');
  });

  it('the admin lists signHash for the site (exact or pattern) → allowed', () => {
    expect(kind(signHash(SIGNER, ctx({ policy: { allowedOrigins: [SIGNER], operations: { [SIGNER]: ['signHash', 'signPdf'] } } })))).toBe('allow');
    expect(kind(signHash(SIGNER, ctx({ policy: { allowedOrigins: [SIGNER], operations: { 'https://*.congty.vn': ['signHash'] } } })))).toBe('allow');
  });

  it('an admin rule that omits signHash wins over the person\'s opt-in', () => {
    const context = ctx({ policy: { operations: { [SIGNER]: ['signPdf'] } }, allow: [SIGNER], raw: [SIGNER] });
    expect(kind(signHash(SIGNER, context))).toBe('deny:OPERATION_NOT_ALLOWED:not-in-policy');
    // A more specific exact rule listing it beats a pattern rule that omits it.
    const exact = ctx({ policy: { allowedOrigins: [SIGNER], operations: { 'https://*.congty.vn': ['signPdf'], [SIGNER]: ['signHash'] } } });
    expect(kind(signHash(SIGNER, exact))).toBe('allow');
  });

  it('the person enabled it for the exact origin → allowed for an allowed site, asked for an unknown one', () => {
    expect(kind(signHash(SIGNER, ctx({ allow: [SIGNER], raw: [SIGNER] })))).toBe('allow');
    expect(signHash(SIGNER, ctx({ raw: [SIGNER] }))).toEqual({ kind: 'ask', origins: [SIGNER] });
    // Exact origins only: another port or subdomain is another site.
    expect(kind(signHash('https://ky.congty.vn:8443', ctx({ allow: ['https://ky.congty.vn:8443'], raw: [SIGNER] })))).toBe('deny:OPERATION_NOT_ALLOWED:raw-signing-not-enabled');
    expect(kind(signHash('https://a.ky.congty.vn', ctx({ allow: ['https://a.ky.congty.vn'], raw: [SIGNER] })))).toBe('deny:OPERATION_NOT_ALLOWED:raw-signing-not-enabled');
  });

  it('allowUserOrigins: false → the person\'s opt-in no longer counts', () => {
    const context = ctx({ policy: { allowedOrigins: [SIGNER], allowUserOrigins: false }, raw: [SIGNER] });
    expect(kind(signHash(SIGNER, context))).toBe('deny:OPERATION_NOT_ALLOWED:raw-signing-not-enabled');
  });

  it('a block beats an opt-in', () => {
    expect(kind(signHash(SIGNER, ctx({ block: [SIGNER], raw: [SIGNER] })))).toBe('deny:ORIGIN_BLOCKED');
  });

  it('in a frame, the frame AND the top page must both be opted in', () => {
    const both = ctx({ allow: [SIGNER, PORTAL], raw: [SIGNER, PORTAL] });
    expect(kind(signHash(SIGNER, both, PORTAL))).toBe('allow');
    expect(signHash(SIGNER, ctx({ allow: [SIGNER, PHISH], raw: [SIGNER] }), PHISH)).toMatchObject({ code: 'OPERATION_NOT_ALLOWED', origin: PHISH });
    expect(signHash(PHISH, ctx({ allow: [PHISH, PORTAL], raw: [PORTAL] }), PORTAL)).toMatchObject({ code: 'OPERATION_NOT_ALLOWED', origin: PHISH });
  });

  it('other operations of an allowed site are untouched by the opt-in (documents carry signed attributes; authenticate binds the origin)', () => {
    for (const operation of ['kyso.signPdf', 'kyso.signXml', 'kyso.signCms', 'kyso.authenticate', 'kyso.signDocuments', 'kyso.listCertificates']) {
      expect(kind(decideAccessFrom({ frameOrigin: PORTAL, topOrigin: undefined, operation }, ctx({ allow: [PORTAL] })))).toBe('allow');
    }
  });
});

describe('the raw-signing rule lives in one table', () => {
  it('exactly the page operations that sign caller bytes without signed attributes are marked (today: signHash, signHashes)', () => {
    const pageOperations = PageRequestSchema.options.map((o) => o.entries.type.literal);
    const raw = pageOperations.filter((op) => operationAccess(op)?.rawSigning);
    expect(raw).toEqual(['kyso.signHash', 'kyso.signHashes']);
    expect(RAW_SIGNING_POLICY_OPERATIONS).toEqual(['signHash']);
    // Every page operation has decided it (operations.ts `satisfies` makes a missing entry a type error too).
    for (const op of pageOperations) expect(typeof operationAccess(op)?.rawSigning).toBe('boolean');
  });
});

describe('stored opt-ins', () => {
  it('are re-normalised, deduplicated, and malformed ones dropped', () => {
    expect(parseRawSigningOptIns([
      { origin: 'https://KY.congty.vn.', addedAt: 5 }, { origin: SIGNER, addedAt: 9 }, { origin: 'https://*.congty.vn' }, { origin: 'javascript:alert(1)' }, 'x', null,
    ])).toEqual([{ origin: SIGNER, addedAt: 5 }]);
    expect(parseRawSigningOptIns('nope')).toEqual([]);
  });
  it('add newest first, remove, and stay bounded', () => {
    let list = withRawSigningOrigin([], SIGNER, 1);
    list = withRawSigningOrigin(list, PORTAL, 2);
    list = withRawSigningOrigin(list, SIGNER, 3);
    expect(list).toEqual([{ origin: SIGNER, addedAt: 3 }, { origin: PORTAL, addedAt: 2 }]);
    expect(withoutRawSigningOrigin(list, SIGNER)).toEqual([{ origin: PORTAL, addedAt: 2 }]);
    let many = list;
    for (let i = 0; i < MAX_RAW_SIGNING_ORIGINS + 5; i++) many = withRawSigningOrigin(many, `https://s${i}.congty.vn`, 10 + i);
    expect(many).toHaveLength(MAX_RAW_SIGNING_ORIGINS);
  });
});
