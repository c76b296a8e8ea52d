/** How `kyso doctor` words one driver: what it is, how it was found, and why it was skipped. */
import { describe, expect, it } from 'vitest';
import { driverCheck } from '../../native-host/install/doctor.js';

describe('kyso doctor: one line per driver', () => {
  it('a loaded driver: vendor, path, how it was found, the driver\'s own description', () => {
    expect(driverCheck({
      path: '/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so', loaded: true, vendor: 'OpenSC', foundBy: 'p11-kit',
      registeredIn: '/usr/share/p11-kit/modules/opensc-pkcs11.module', library: 'OpenSC Project / OpenSC smartcard framework',
    }, true)).toMatchObject({
      name: 'token driver', status: 'ok',
      detail: 'OpenSC: /usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so (registered with p11-kit: /usr/share/p11-kit/modules/opensc-pkcs11.module) — OpenSC Project / OpenSC smartcard framework',
    });
  });

  it('a hung driver next to a working one is a warning; with no working driver it is a failure', () => {
    const hung = { path: '/usr/lib/libeTPkcs11.so', loaded: false, error: 'DRIVER_HUNG', detail: 'hung in C_Initialize (no answer in 5000 ms) on 2026-12-02; skipped until the driver file changes', foundBy: 'known-path' as const };
    const warn = driverCheck(hung, true);
    expect(warn.status).toBe('warn');
    expect(warn.detail).toBe('/usr/lib/libeTPkcs11.so (known driver location): DRIVER_HUNG — hung in C_Initialize (no answer in 5000 ms) on 2026-12-02; skipped until the driver file changes');
    expect(warn.hint?.en).toContain('drivers.json');
    expect(warn.hint?.vi).toContain('drivers.json');
    expect(driverCheck(hung, false).status).toBe('fail');
  });

  it('a driver built for another CPU says which build to install', () => {
    const check = driverCheck({ path: 'C:\\Windows\\SysWOW64\\eTPKCS11.dll', loaded: false, error: 'DRIVER_NOT_FOR_THIS_CPU', detail: 'built for ia32, this host is x64: install the driver\'s x64 version' }, false);
    expect(check).toMatchObject({ status: 'fail', hint: { en: `install the driver built for this computer (${process.arch})` } });
  });
});
