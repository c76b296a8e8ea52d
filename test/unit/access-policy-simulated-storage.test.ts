/**
 * access-policy.ts over SIMULATED browser storage: faults real browsers do not produce on demand (a managed
 * storage read that never answers, one that throws as Firefox does without a policy). Everything else about
 * storage is proven with real Chromium in test/e2e/policy.test.ts. Outside a build, IS_DEVELOPMENT_BUILD is
 * false: these are production decisions.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

type Listener = (changes: Record<string, unknown>, areaName: string) => void;
const fake = vi.hoisted(() => ({
  managedGet: (() => Promise.resolve({})) as (keys: unknown) => Promise<Record<string, unknown>>,
  managedCalls: 0,
  local: {} as Record<string, unknown>,
  listeners: [] as Array<(changes: Record<string, unknown>, areaName: string) => void>,
}));

vi.mock('webextension-polyfill', () => ({
  default: {
    storage: {
      managed: { get: (keys: unknown) => { fake.managedCalls += 1; return fake.managedGet(keys); } },
      local: {
        get: async (key: string) => (key in fake.local ? { [key]: structuredClone(fake.local[key]) } : {}),
        set: async (items: Record<string, unknown>) => { Object.assign(fake.local, structuredClone(items)); },
      },
      onChanged: { addListener: (listener: Listener) => { fake.listeners.push(listener); } },
    },
  },
}));

const PORTAL = 'https://dichvucong.gov.vn';

async function freshModule() {
  vi.resetModules();
  return import('../../extension/background/access/access-policy.js');
}

beforeEach(() => {
  fake.managedGet = () => Promise.resolve({});
  fake.managedCalls = 0;
  fake.local = {};
  fake.listeners = [];
  vi.useRealTimers();
});

describe('access-policy over simulated storage', () => {
  it('simulated: managed storage that throws (Firefox without policy) means no policy', async () => {
    fake.managedGet = () => Promise.reject(new Error('Managed storage manifest not found'));
    const access = await freshModule();
    expect(await access.decideAccess({ frameOrigin: PORTAL, topOrigin: undefined, operation: 'kyso.authenticate' })).toEqual({ kind: 'ask', origins: [PORTAL] });
    expect(await access.decideAccess({ frameOrigin: PORTAL, topOrigin: undefined, operation: 'kyso.getStatus' })).toMatchObject({ kind: 'deny', code: 'ORIGIN_NOT_ALLOWED' });
  });

  it('simulated: a managed read that never answers is given up after 10 s, and asked again next time', async () => {
    vi.useFakeTimers();
    fake.managedGet = () => new Promise(() => undefined);
    const access = await freshModule();
    const first = access.decideAccess({ frameOrigin: PORTAL, topOrigin: undefined, operation: 'kyso.authenticate' });
    await vi.advanceTimersByTimeAsync(9_000);
    let settled = false;
    void first.then(() => { settled = true; });
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(await first).toEqual({ kind: 'ask', origins: [PORTAL] });
    // The timeout is not remembered: the next request reads policy again and sees the block.
    fake.managedGet = () => Promise.resolve({ blockedOrigins: [PORTAL] });
    expect(await access.decideAccess({ frameOrigin: PORTAL, topOrigin: undefined, operation: 'kyso.authenticate' })).toEqual({ kind: 'deny', code: 'ORIGIN_BLOCKED', origin: PORTAL });
    expect(fake.managedCalls).toBe(2);
  });

  it('simulated: the parsed policy is cached until the managed area changes', async () => {
    fake.managedGet = () => Promise.resolve({ allowedOrigins: [PORTAL] });
    const access = await freshModule();
    const request = { frameOrigin: PORTAL, topOrigin: undefined, operation: 'kyso.getStatus' } as const;
    expect(await access.decideAccess(request)).toEqual({ kind: 'allow' });
    expect(await access.decideAccess(request)).toEqual({ kind: 'allow' });
    expect(fake.managedCalls).toBe(1);
    fake.managedGet = () => Promise.resolve({ blockedOrigins: [PORTAL] });
    for (const listener of fake.listeners) listener({ blockedOrigins: {} }, 'local'); // not the managed area
    expect(await access.decideAccess(request)).toEqual({ kind: 'allow' });
    for (const listener of fake.listeners) listener({ blockedOrigins: {} }, 'managed');
    expect(await access.decideAccess(request)).toEqual({ kind: 'deny', code: 'ORIGIN_BLOCKED', origin: PORTAL });
  });

  it('simulated storage: rememberUserChoice stores normalised origins; "always" is refused when policy forbids user sites, "block" never is', async () => {
    const access = await freshModule();
    await access.rememberUserChoice('https://DichVuCong.gov.vn.', 'always');
    expect(await access.decideAccess({ frameOrigin: PORTAL, topOrigin: undefined, operation: 'kyso.authenticate' })).toEqual({ kind: 'allow' });
    await access.rememberUserChoice(PORTAL, 'block');
    expect(await access.readUserOrigins()).toEqual([expect.objectContaining({ origin: PORTAL, decision: 'block' })]);
    expect(await access.decideAccess({ frameOrigin: PORTAL, topOrigin: undefined, operation: 'kyso.authenticate' })).toMatchObject({ code: 'ORIGIN_BLOCKED' });
    await access.forgetUserChoice(PORTAL);
    expect(await access.readUserOrigins()).toEqual([]);
    await expect(access.rememberUserChoice('null', 'block')).rejects.toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });

    fake.managedGet = () => Promise.resolve({ allowUserOrigins: false });
    const restricted = await freshModule();
    await expect(restricted.rememberUserChoice('https://other.vn', 'always')).rejects.toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });
    await restricted.rememberUserChoice('https://other.vn', 'block');
    expect((await restricted.readUserOrigins()).map((e) => e.decision)).toEqual(['block']);
  });

  it('simulated storage: enableRawSigning stores the exact normalised origin, decideAccess then lets signHash through; refused under allowUserOrigins: false', async () => {
    const access = await freshModule();
    const signHash = { frameOrigin: PORTAL, topOrigin: undefined, operation: 'kyso.signHash' } as const;
    await access.rememberUserChoice(PORTAL, 'always');
    expect(await access.decideAccess(signHash)).toEqual({ kind: 'deny', code: 'OPERATION_NOT_ALLOWED', origin: PORTAL, reason: 'raw-signing-not-enabled' });
    await access.enableRawSigning('https://DichVuCong.gov.vn.');
    expect((await access.readRawSigningOptIns()).map((e) => e.origin)).toEqual([PORTAL]);
    expect(await access.decideAccess(signHash)).toEqual({ kind: 'allow' });
    await access.disableRawSigning(PORTAL);
    expect(await access.decideAccess(signHash)).toMatchObject({ code: 'OPERATION_NOT_ALLOWED' });
    await expect(access.enableRawSigning('https://*.gov.vn')).rejects.toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });

    fake.managedGet = () => Promise.resolve({ allowUserOrigins: false });
    const restricted = await freshModule();
    await expect(restricted.enableRawSigning('https://other.vn')).rejects.toMatchObject({ code: 'ORIGIN_NOT_ALLOWED' });
    expect(await restricted.readRawSigningOptIns()).toEqual([]);
  });
});
