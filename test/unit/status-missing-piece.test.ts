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

async function missingWith(host: { hello(): Promise<unknown>; tokens: TokenInfo[] }) {
  const route = createRouter({
    host: { hello: host.hello, request: async () => ({ tokens: host.tokens }) } as never,
    consent: {} as never,
    decideAccess: async () => ({ kind: 'allow' }),
    extensionVersion: '0.1.0',
  });
  const status = await route({ v: 1, id: 'status-0000001', type: 'kyso.getStatus', payload: {} } as never, { frameOrigin: 'https://portal.example.vn', topOrigin: undefined, signal: new AbortController().signal } as never);
  return (status as { missing: unknown }).missing;
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
});
