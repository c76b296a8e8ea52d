/**
 * What we read from storage: admin policy as browsers hand it over (arrays, or JSON text from a registry
 * REG_SZ), broken policy, and the person's stored list (possibly corrupted or from an older version).
 */
import { describe, expect, it } from 'vitest';
import { NO_POLICY, parseManagedPolicy } from '../../extension/background/access/managed-policy.js';
import { operationAccess, POLICY_OPERATIONS } from '../../extension/background/access/operations.js';
import {
  MAX_USER_ORIGINS, parseUserOriginInput, parseUserOrigins, withUserDecision, withoutUserOrigin, type UserOriginEntry,
} from '../../extension/background/access/user-allowlist.js';
import { PAGE_OPERATIONS } from '../../shared/protocol/page-messages.js';

describe('parseManagedPolicy', () => {
  it.each([undefined, null, {}, [], 'x', { unrelatedKey: 1 }])('%j means no policy', (raw) => {
    expect(parseManagedPolicy(raw)).toEqual(NO_POLICY);
  });

  it('reads a full policy and normalises its entries', () => {
    const policy = parseManagedPolicy({
      allowedOrigins: ['https://*.GOV.vn', 'https://DichVuCong.gov.vn:443/'],
      blockedOrigins: ['https://evil.gov.vn'],
      allowUserOrigins: false,
      operations: { 'https://*.gov.vn': ['signPdf', 'signXml'] },
    });
    expect(policy.present).toBe(true);
    expect(policy.allowed.map((e) => e.serialized)).toEqual(['https://*.gov.vn', 'https://dichvucong.gov.vn']);
    expect(policy.blocked.map((e) => e.serialized)).toEqual(['https://evil.gov.vn']);
    expect(policy.allowUserOrigins).toBe(false);
    expect([...(policy.operations[0]?.operations ?? [])]).toEqual(['signPdf', 'signXml']);
    expect(policy.problems).toEqual([]);
  });

  it('accepts lists written as JSON text (Windows registry REG_SZ)', () => {
    const policy = parseManagedPolicy({ allowedOrigins: '["https://*.gov.vn"]', operations: '{"https://*.gov.vn":["signPdf"]}' });
    expect(policy.allowed.map((e) => e.serialized)).toEqual(['https://*.gov.vn']);
    expect(policy.operations).toHaveLength(1);
  });

  it('skips bad entries, keeps good ones, and names every problem', () => {
    const policy = parseManagedPolicy({
      allowedOrigins: ['https://ok.gov.vn', 'http://plain.gov.vn', 'https://*.vn', 'https://a.gov.vn/path', 42],
      blockedOrigins: 'https://not-a-list.vn',
      operations: { 'https://ok.gov.vn': ['signPdf', 'formatDisk'], 'not an origin': ['signPdf'] },
    });
    expect(policy.allowed.map((e) => e.serialized)).toEqual(['https://ok.gov.vn']);
    expect(policy.problems.map((p) => `${p.key}:${p.problem}`)).toEqual([
      'allowedOrigins:insecure-scheme', 'allowedOrigins:pattern-too-broad', 'allowedOrigins:has-path', 'allowedOrigins:empty',
      'blockedOrigins:not-a-list', 'operations:unknown-operation', 'operations:not-a-url',
    ]);
  });

  it('allowUserOrigins: absent → true; unreadable → false (the restrictive reading of an admin\'s typo)', () => {
    expect(parseManagedPolicy({ allowedOrigins: [] }).allowUserOrigins).toBe(true);
    expect(parseManagedPolicy({ allowUserOrigins: 'false' }).allowUserOrigins).toBe(false);
    expect(parseManagedPolicy({ allowUserOrigins: 1 }).allowUserOrigins).toBe(true);
    const typo = parseManagedPolicy({ allowUserOrigins: 'no' });
    expect(typo.allowUserOrigins).toBe(false);
    expect(typo.problems[0]?.problem).toBe('not-a-boolean');
  });
});

describe('operation table', () => {
  it('covers every page operation, and only signing operations may prompt', () => {
    for (const op of Object.keys(PAGE_OPERATIONS)) {
      const access = operationAccess(op);
      expect(access, op).toBeDefined();
      expect(access?.mayAskPerson, op).toBe(PAGE_OPERATIONS[op as keyof typeof PAGE_OPERATIONS].interactive);
    }
    for (const name of POLICY_OPERATIONS) expect(operationAccess(`kyso.${name}`)?.policyName).toBe(name);
    expect(operationAccess('toString')).toBeUndefined();
    expect(operationAccess('__proto__')).toBeUndefined();
  });
});

describe('the person\'s list', () => {
  it('drops malformed and duplicate stored entries, re-normalises the rest (a dropped block would unblock a site)', () => {
    const entries = parseUserOrigins([
      { origin: 'https://a.vn', decision: 'allow', addedAt: 5 },
      { origin: 'https://a.vn', decision: 'block', addedAt: 6 },
      { origin: 'https://B.vn:443', decision: 'block', addedAt: 5 },
      { origin: 'https://c.vn', decision: 'maybe', addedAt: 5 },
      { origin: 'https://d.vn', decision: 'block' },
      { origin: 'null', decision: 'block', addedAt: 1 },
      'https://e.vn',
      null,
    ]);
    expect(entries).toEqual([
      { origin: 'https://a.vn', decision: 'allow', addedAt: 5 },
      { origin: 'https://b.vn', decision: 'block', addedAt: 5 },
      { origin: 'https://d.vn', decision: 'block', addedAt: 0 },
    ]);
    expect(parseUserOrigins({ not: 'a list' })).toEqual([]);
  });

  it('typed input: one exact origin; patterns are for admins', () => {
    expect(parseUserOriginInput(' https://DichVuCong.gov.vn ')).toMatchObject({ ok: true, value: { serialized: 'https://dichvucong.gov.vn' } });
    expect(parseUserOriginInput('https://*.gov.vn')).toEqual({ ok: false, problem: 'pattern-not-allowed' });
    expect(parseUserOriginInput('dichvucong.gov.vn')).toEqual({ ok: false, problem: 'not-a-url' });
    expect(parseUserOriginInput('http://dichvucong.gov.vn')).toEqual({ ok: false, problem: 'insecure-scheme' });
  });

  it('a new decision replaces the old one for the same origin, newest first', () => {
    let list: UserOriginEntry[] = [];
    list = withUserDecision(list, 'https://a.vn', 'allow', 1);
    list = withUserDecision(list, 'https://b.vn', 'allow', 2);
    list = withUserDecision(list, 'https://a.vn', 'block', 3);
    expect(list).toEqual([{ origin: 'https://a.vn', decision: 'block', addedAt: 3 }, { origin: 'https://b.vn', decision: 'allow', addedAt: 2 }]);
    expect(withoutUserOrigin(list, 'https://a.vn').map((e) => e.origin)).toEqual(['https://b.vn']);
  });

  it('when full, the oldest allow is dropped, never a block', () => {
    let list: UserOriginEntry[] = [{ origin: 'https://oldest-block.vn', decision: 'block', addedAt: 0 }];
    for (let i = 1; i < MAX_USER_ORIGINS; i += 1) list.push({ origin: `https://s${i}.vn`, decision: 'allow', addedAt: i });
    list = withUserDecision(list, 'https://new.vn', 'allow', 10_000);
    expect(list).toHaveLength(MAX_USER_ORIGINS);
    expect(list.some((e) => e.origin === 'https://oldest-block.vn')).toBe(true);
    expect(list.some((e) => e.origin === 'https://new.vn')).toBe(true);
    expect(list.some((e) => e.origin === `https://s${MAX_USER_ORIGINS - 1}.vn`)).toBe(false);
  });
});
