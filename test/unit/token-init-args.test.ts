/**
 * C_Initialize parameters for drivers that need them (NSS softoken's `configdir=…`): where they come from and
 * which driver they go to, on a simulated file system. The real NSS path is test/integration/token-nss-softoken.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MAX_INIT_ARGS_LENGTH, modulesFromConfig, moduleCandidates, type DiscoverySystem } from '../../native-host/token/module-paths.js';

const NSS = '/usr/lib/x86_64-linux-gnu/libsoftokn3.so';
const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';
const ARGS = "configdir='sql:/home/an/.pki/nssdb' certPrefix='' keyPrefix='' secmod='secmod.db' flags=";

function linux(files: Record<string, string>): DiscoverySystem {
  const paths = Object.keys(files);
  return {
    platform: 'linux', arch: 'x64', programName: 'node',
    exists: (p) => p in files,
    readFile: (p) => files[p],
    readDir: (dir) => paths.filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/')).map((p) => p.slice(dir.length + 1)),
  };
}

describe('C_Initialize parameters', () => {
  it('KYSO_PKCS11_INIT_ARGS goes with the FIRST module of KYSO_PKCS11_MODULE only (SoftHSM2 refuses a non-NULL pReserved)', () => {
    const found = moduleCandidates({ KYSO_PKCS11_MODULE: `${NSS}:${SOFTHSM}`, KYSO_PKCS11_INIT_ARGS: ARGS }, linux({}));
    expect(found).toEqual([
      { path: NSS, foundBy: 'environment', initArgs: ARGS },
      { path: SOFTHSM, foundBy: 'environment', vendor: 'SoftHSM2' },
    ]);
  });

  it('an empty or oversized KYSO_PKCS11_INIT_ARGS gives no parameters', () => {
    expect(moduleCandidates({ KYSO_PKCS11_MODULE: NSS, KYSO_PKCS11_INIT_ARGS: '' }, linux({}))[0]).not.toHaveProperty('initArgs');
    expect(moduleCandidates({ KYSO_PKCS11_MODULE: NSS, KYSO_PKCS11_INIT_ARGS: 'x'.repeat(MAX_INIT_ARGS_LENGTH + 1) }, linux({}))[0]).not.toHaveProperty('initArgs');
  });

  it('a config file entry may be { path, initArgs }; plain paths still work; a malformed entry is left out', () => {
    expect(modulesFromConfig(JSON.stringify({ pkcs11Modules: [
      { path: NSS, initArgs: ARGS }, SOFTHSM, { path: '/opt/a.so', initArgs: 42 }, { initArgs: ARGS }, { path: '/opt/b.so', initArgs: 'a\u0000b' }, SOFTHSM,
    ] }))).toEqual([{ path: NSS, initArgs: ARGS }, { path: SOFTHSM }]);
    const system = linux({ '/etc/kyso/config.json': JSON.stringify({ pkcs11Modules: [{ path: NSS, initArgs: ARGS }] }) });
    expect(moduleCandidates({ HOME: '/home/an' }, system)).toEqual([
      { path: NSS, initArgs: ARGS, foundBy: 'config-file', registeredIn: '/etc/kyso/config.json' },
    ]);
  });

  it("p11-kit's x-init-reserved: is the module's parameters (how a desktop registers NSS softoken with p11-kit)", () => {
    const system = linux({
      '/home/an/.config/pkcs11/modules/nss.module': `module: ${NSS}\nx-init-reserved: ${ARGS}\n`,
      [NSS]: '',
      '/usr/share/p11-kit/modules/softhsm2.module': `module: ${SOFTHSM}\n`,
      [SOFTHSM]: '',
    });
    const found = moduleCandidates({ HOME: '/home/an' }, system).filter((c) => c.foundBy === 'p11-kit');
    expect(found.map((c) => [c.path, c.initArgs])).toEqual([[NSS, ARGS], [SOFTHSM, undefined]]);
  });
});
