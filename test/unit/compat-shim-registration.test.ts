/** Early registration of the shim: only allowed sites' hosts (ports cannot be matched), nothing when compatibility is off. */
import { describe, expect, it } from 'vitest';
import { matchPatterns, shimTargets, targetsCover } from '../../extension/background/compat/shim-registration.js';
import { parseOriginEntry, type OriginEntry } from '../../shared/domain/origin.js';

const entries = (...raw: string[]): OriginEntry[] => raw.map((r) => { const p = parseOriginEntry(r); if (!p.ok) throw new Error(r); return p.value; });

describe('shim registration targets', () => {
  it('admin origins and patterns + the person\'s allowed sites; loopback only in a development build', () => {
    const targets = shimTargets({ policy: { kind: 'all' }, adminAllowed: entries('https://*.gov.vn', 'https://portal.vn:8443'), userAllowed: ['https://tinh.vn'], developmentBuild: false });
    expect(matchPatterns(targets)).toEqual(['https://portal.vn/*', 'https://tinh.vn/*', 'https://*.gov.vn/*']);
    expect(targetsCover(targets, 'https://dvc.hanoi.gov.vn')).toBe(true);
    expect(targetsCover(targets, 'https://portal.vn:9999')).toBe(true); // superset: the per-frame gate decides
    expect(targetsCover(targets, 'https://evil.example')).toBe(false);
    expect(targetsCover(targets, 'http://tinh.vn')).toBe(false);
    expect(matchPatterns(shimTargets({ policy: { kind: 'all' }, adminAllowed: [], userAllowed: [], developmentBuild: true }))).toContain('http://127.0.0.1/*');
  });
  it('pluginCompatibility false: nothing registered; a list: only the list', () => {
    expect(matchPatterns(shimTargets({ policy: { kind: 'none' }, adminAllowed: entries('https://a.vn'), userAllowed: ['https://b.vn'], developmentBuild: true }))).toEqual([]);
    expect(matchPatterns(shimTargets({ policy: { kind: 'only', entries: entries('https://a.vn') }, adminAllowed: entries('https://a.vn', 'https://c.vn'), userAllowed: ['https://b.vn'], developmentBuild: true }))).toEqual(['https://a.vn/*']);
  });
});
