/**
 * getStatus's `missing` field, as the background computes it from the host's hello and token list: the one piece
 * a portal should send the person to install (sdk/README.md "Install links"). The host and the browser are
 * simulated here; the real "no extension" and "no host" cases run in test/e2e/spine.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createRouter } from '../../extension/background/router.js';
import { KysoError } from '../../shared/errors/kyso-error.js';
import type { TokenInfo } from '../../shared/protocol/common.js';

const token: TokenInfo = {
  id: 'token-0001', label: 'Kyso Demo', serialNumber: '1', manufacturer: 'SoftHSM', model: 'SoftHSM v2', slotDescription: 's',
  flags: { loginRequired: true, protectedAuthenticationPath: false, userPinInitialized: true, userPinCountLow: false, userPinFinalTry: false, userPinLocked: false, userPinToBeChanged: false },
};
const LOADED = { path: '/usr/lib/softhsm/libsofthsm2.so', loaded: true };
const FAILED = { path: '/usr/lib/libeTPkcs11.so', loaded: false, error: 'load failed' };

async function statusWith(host: { hello(): Promise<unknown>; tokens: TokenInfo[] }, payload: object = { report: 'missing' }) {
  const route = createRouter({
    host: { hello: host.hello, request: async () => ({ tokens: host.tokens }) } as never,
    consent: {} as never,
    decideAccess: async () => ({ kind: 'allow' }),
    extensionVersion: '0.1.0',
  });
  return route({ v: 1, id: 'status-0000001', type: 'kyso.getStatus', payload } as never, { frameOrigin: 'https://portal.example.vn', topOrigin: undefined, signal: new AbortController().signal } as never) as Promise<Record<string, unknown>>;
}

async function missingWith(host: { hello(): Promise<unknown>; tokens: TokenInfo[] }) {
  return (await statusWith(host)).missing;
}

describe('getStatus names the missing piece', () => {
  it('host not installed → host', async () => {
    expect(await missingWith({ hello: async () => { throw new KysoError('HOST_NOT_INSTALLED'); }, tokens: [] })).toBe('host');
  });
  it('host found but no PKCS#11 driver loaded (none found, or one that fails to load) → driver', async () => {
    expect(await missingWith({ hello: async () => ({ hostVersion: '0.1.0', protocolVersion: 1, modules: [] }), tokens: [] })).toBe('driver');
    expect(await missingWith({ hello: async () => ({ hostVersion: '0.1.0', protocolVersion: 1, modules: [FAILED] }), tokens: [] })).toBe('driver');
  });
  it('driver loaded, no token plugged in → token', async () => {
    expect(await missingWith({ hello: async () => ({ hostVersion: '0.1.0', protocolVersion: 1, modules: [FAILED, LOADED] }), tokens: [] })).toBe('token');
  });
  it('everything there → null', async () => {
    expect(await missingWith({ hello: async () => ({ hostVersion: '0.1.0', protocolVersion: 1, modules: [LOADED] }), tokens: [token] })).toBe(null);
  });
  it('an SDK that did not ask (an older copy of kyso.js, whose result schema is strict) gets no `missing` field', async () => {
    const status = await statusWith({ hello: async () => ({ hostVersion: '0.1.0', protocolVersion: 1, modules: [LOADED] }), tokens: [token] }, {});
    expect(status).not.toHaveProperty('missing');
    expect(status.tokens).toEqual([token]);
  });
});
