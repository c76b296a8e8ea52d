/**
 * Where the host looks for token drivers with no configuration, per OS, on a simulated file system (a set of
 * paths that "exist"), so Windows and macOS searches are checked on any machine.
 */
import { describe, expect, it } from 'vitest';
import { knownDriverCandidates, vendorOfDriverFile } from '../../native-host/token/drivers/known-driver-candidates.js';
import { KNOWN_DRIVERS } from '../../native-host/token/drivers/known-drivers.js';
import { moduleCandidates, type DiscoverySystem } from '../../native-host/token/module-paths.js';

/** A simulated file system: `files` maps a path to its text ('' for a binary that only needs to exist). */
function simulatedSystem(platform: NodeJS.Platform, files: Record<string, string>, arch = 'x64'): DiscoverySystem {
  const paths = Object.keys(files);
  const sep = platform === 'win32' ? '\\' : '/';
  return {
    platform,
    arch,
    programName: 'node',
    exists: (p) => p in files,
    readFile: (p) => files[p],
    readDir: (dir) => paths.filter((p) => p.startsWith(dir + sep) && !p.slice(dir.length + 1).includes(sep)).map((p) => p.slice(dir.length + 1)),
  };
}

const WINDOWS_ENV = { SystemRoot: 'C:\\Windows', ProgramFiles: 'C:\\Program Files', 'ProgramFiles(x86)': 'C:\\Program Files (x86)' };

describe('known driver locations (simulated file system)', () => {
  it('Windows: VNPT and VGCA drivers in System32, BKAV in its Program Files folder, a 32-bit copy in SysWOW64', () => {
    const fs = simulatedSystem('win32', {
      'C:\\Windows\\System32\\vnptca_p11_v8.dll': '',
      'C:\\Windows\\System32\\eTPKCS11.dll': '',
      'C:\\Windows\\SysWOW64\\eTPKCS11.dll': '',
      'C:\\Program Files\\Bkav Corporation\\BkavCA Token Manager\\st3csp11.dll': '',
      'C:\\Windows\\System32\\unrelated.dll': '',
    });
    const found = knownDriverCandidates({ platform: 'win32', arch: 'x64', env: WINDOWS_ENV, exists: fs.exists });
    expect(found.map((c) => [c.path, c.vendor])).toEqual([
      ['C:\\Windows\\System32\\eTPKCS11.dll', 'VGCA (Ban Cơ yếu Chính phủ) — SafeNet eToken'],
      // Listed so that the architecture check can say "32-bit driver" instead of a bare load failure.
      ['C:\\Windows\\SysWOW64\\eTPKCS11.dll', 'VGCA (Ban Cơ yếu Chính phủ) — SafeNet eToken'],
      ['C:\\Windows\\System32\\vnptca_p11_v8.dll', 'VNPT-CA'],
      ['C:\\Program Files\\Bkav Corporation\\BkavCA Token Manager\\st3csp11.dll', 'BKAV-CA'],
    ]);
    expect(found.every((c) => c.foundBy === 'known-path')).toBe(true);
  });

  it('Windows: environment names are matched case-insensitively, and %SystemRoot% defaults to C:\\Windows', () => {
    const fs = simulatedSystem('win32', { 'D:\\Win\\System32\\viettel-ca_v6.dll': '', 'C:\\Windows\\System32\\fptca_v5.dll': '' });
    expect(knownDriverCandidates({ platform: 'win32', arch: 'x64', env: { SYSTEMROOT: 'D:\\Win' }, exists: fs.exists }).map((c) => c.path))
      .toEqual(['D:\\Win\\System32\\viettel-ca_v6.dll']);
    expect(knownDriverCandidates({ platform: 'win32', arch: 'x64', env: {}, exists: fs.exists }).map((c) => c.path))
      .toEqual(['C:\\Windows\\System32\\fptca_v5.dll']);
  });

  it('macOS: Viettel and Nacencomm dylibs in /usr/local/lib, OpenSC in /Library/OpenSC/lib', () => {
    const fs = simulatedSystem('darwin', {
      '/usr/local/lib/viettel-ca_v6.dylib': '',
      '/usr/local/lib/nca_v6.dylib': '',
      '/Library/OpenSC/lib/opensc-pkcs11.so': '',
      '/usr/local/lib/vnptca_p11_v8.dll': '', // a Windows name: never looked for on macOS
    });
    expect(knownDriverCandidates({ platform: 'darwin', arch: 'arm64', env: {}, exists: fs.exists }).map((c) => [c.path, c.vendor])).toEqual([
      ['/usr/local/lib/viettel-ca_v6.dylib', 'Viettel-CA'],
      ['/usr/local/lib/nca_v6.dylib', 'Nacencomm (CA2 / NCCA)'],
      ['/Library/OpenSC/lib/opensc-pkcs11.so', 'OpenSC'],
    ]);
  });

  it('Linux: the ePass3003 under /opt, SafeNet in /usr/lib, OpenSC in the multiarch folder of the CPU', () => {
    const fs = simulatedSystem('linux', {
      '/opt/SecurityData_Linux/redist/x86_64/libshuttle_p11v220.so.1.0.0': '',
      '/usr/lib/libeTPkcs11.so': '',
      '/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so': '',
      '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so': '',
    });
    expect(knownDriverCandidates({ platform: 'linux', arch: 'arm64', env: {}, exists: fs.exists }).map((c) => c.path)).toEqual([
      '/usr/lib/libeTPkcs11.so',
      '/opt/SecurityData_Linux/redist/x86_64/libshuttle_p11v220.so.1.0.0',
      '/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so',
    ]);
  });

  it('nothing installed, or an OS without a driver table, finds nothing', () => {
    const empty = simulatedSystem('linux', {});
    expect(knownDriverCandidates({ platform: 'linux', arch: 'x64', env: {}, exists: empty.exists })).toEqual([]);
    expect(knownDriverCandidates({ platform: 'freebsd', arch: 'x64', env: {}, exists: () => true })).toEqual([]);
  });

  it('a driver file is recognised by name in any folder, case-insensitively (Windows spellings vary)', () => {
    expect(vendorOfDriverFile('C:\\Tools\\ETPKCS11.DLL')).toBe('VGCA (Ban Cơ yếu Chính phủ) — SafeNet eToken');
    expect(vendorOfDriverFile('/somewhere/libsofthsm2.so')).toBe('SoftHSM2');
    expect(vendorOfDriverFile('/somewhere/libunknown.so')).toBeUndefined();
  });

  it('the table holds no CSP image (X_s.dll): those are CryptoAPI providers, not PKCS#11 modules', () => {
    const names = KNOWN_DRIVERS.flatMap((d) => Object.values(d.files).flatMap((f) => f ?? []));
    expect(names.filter((n) => /_s(\.x64)?\.dll$/i.test(n))).toEqual([]);
    expect(names.length).toBeGreaterThan(60);
  });
});

describe('which tier names the drivers (simulated file system)', () => {
  const linux = simulatedSystem('linux', {
    '/usr/share/p11-kit/modules/softhsm2.module': 'module: /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so\n',
    '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so': '',
    '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so': '',
    '/home/an/.config/kyso/config.json': JSON.stringify({ pkcs11Modules: ['/opt/vendor/libtoken.so'] }),
  });

  it('KYSO_PKCS11_MODULE wins over everything', () => {
    expect(moduleCandidates({ KYSO_PKCS11_MODULE: '/a.so:/b.so:/a.so', HOME: '/home/an' }, linux)).toEqual([
      { path: '/a.so', foundBy: 'environment' }, { path: '/b.so', foundBy: 'environment' },
    ]);
  });

  it('then a config file', () => {
    expect(moduleCandidates({ HOME: '/home/an' }, linux)).toEqual([
      { path: '/opt/vendor/libtoken.so', foundBy: 'config-file', registeredIn: '/home/an/.config/kyso/config.json' },
    ]);
  });

  it('with neither, discovery: p11-kit registrations first, then known driver files', () => {
    expect(moduleCandidates({ HOME: '/home/bich' }, linux).map((c) => [c.path, c.foundBy])).toEqual([
      ['/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so', 'p11-kit'],
      ['/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so', 'known-path'],
      ['/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so', 'known-path'], // the same file: screening loads it once
    ]);
  });

  it('Windows lists KYSO_PKCS11_MODULE with ";" (":" is part of a drive letter)', () => {
    const windows = simulatedSystem('win32', {});
    expect(moduleCandidates({ KYSO_PKCS11_MODULE: 'C:\\a.dll;D:\\b.dll' }, windows).map((c) => c.path)).toEqual(['C:\\a.dll', 'D:\\b.dll']);
  });

  it('p11-kit is read on Linux only', () => {
    const mac = simulatedSystem('darwin', { '/usr/share/p11-kit/modules/x.module': 'module: /usr/local/lib/libx.so\n', '/usr/local/lib/libx.so': '' });
    expect(moduleCandidates({ HOME: '/Users/an' }, mac)).toEqual([]);
  });
});
