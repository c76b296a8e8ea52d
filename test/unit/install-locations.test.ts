/**
 * Where the host is registered, for every OS × browser pair: Linux and macOS manifest folders (per user and
 * system-wide) and the Windows registry keys, values and reg.exe commands (HKCU per user, HKLM for all users).
 * Expected values are written out from the browsers' documentation, not computed from the code under test.
 */
import { describe, expect, it } from 'vitest';
import { BROWSERS, manifestDirectory, systemManifestDirectory, type Browser } from '../../native-host/install/host-manifest.js';
import {
  nativeHostRegistryKey, nativeHostRegistryValues, nsisString, nsisWriteRegStr, regAddArgs, regDeleteArgs, windowsManifestPath,
} from '../../native-host/install/windows-registry.js';
import { windowsInstallPlan } from '../../native-host/cli/commands/install.js';
import { launcherScript } from '../../native-host/install/launcher.js';

const HOME = '/home/an';
const MAC_HOME = '/Users/an';

const EXPECTED: Record<Browser, { linuxUser: string; linuxSystem: string; macUser: string; macSystem: string; registry: string }> = {
  chromium: {
    linuxUser: '/home/an/.config/chromium/NativeMessagingHosts',
    linuxSystem: '/etc/chromium/native-messaging-hosts',
    macUser: '/Users/an/Library/Application Support/Chromium/NativeMessagingHosts',
    macSystem: '/Library/Application Support/Chromium/NativeMessagingHosts',
    registry: 'Software\\Chromium\\NativeMessagingHosts\\vn.kyso.host',
  },
  chrome: {
    linuxUser: '/home/an/.config/google-chrome/NativeMessagingHosts',
    linuxSystem: '/etc/opt/chrome/native-messaging-hosts',
    macUser: '/Users/an/Library/Application Support/Google/Chrome/NativeMessagingHosts',
    macSystem: '/Library/Google/Chrome/NativeMessagingHosts',
    registry: 'Software\\Google\\Chrome\\NativeMessagingHosts\\vn.kyso.host',
  },
  edge: {
    linuxUser: '/home/an/.config/microsoft-edge/NativeMessagingHosts',
    linuxSystem: '/etc/opt/edge/native-messaging-hosts',
    macUser: '/Users/an/Library/Application Support/Microsoft Edge/NativeMessagingHosts',
    macSystem: '/Library/Microsoft/Edge/NativeMessagingHosts',
    registry: 'Software\\Microsoft\\Edge\\NativeMessagingHosts\\vn.kyso.host',
  },
  firefox: {
    linuxUser: '/home/an/.mozilla/native-messaging-hosts',
    linuxSystem: '/usr/lib/mozilla/native-messaging-hosts',
    macUser: '/Users/an/Library/Application Support/Mozilla/NativeMessagingHosts',
    macSystem: '/Library/Application Support/Mozilla/NativeMessagingHosts',
    registry: 'Software\\Mozilla\\NativeMessagingHosts\\vn.kyso.host',
  },
};

const INSTALL_DIR = 'C:\\Program Files\\Kyso';

describe.each(BROWSERS)('%s', (browser) => {
  const expected = EXPECTED[browser];
  it('Linux per-user manifest folder', () => expect(manifestDirectory(browser, { home: HOME, platform: 'linux' })).toBe(expected.linuxUser));
  it('Linux system-wide manifest folder (the .deb)', () => expect(systemManifestDirectory(browser, 'linux')).toBe(expected.linuxSystem));
  it('macOS per-user manifest folder', () => expect(manifestDirectory(browser, { home: MAC_HOME, platform: 'darwin' })).toBe(expected.macUser));
  it('macOS system-wide manifest folder', () => expect(systemManifestDirectory(browser, 'darwin')).toBe(expected.macSystem));
  it('Windows registry key', () => expect(nativeHostRegistryKey(browser)).toBe(expected.registry));

  for (const hive of ['HKCU', 'HKLM'] as const) {
    it(`Windows ${hive}: default value = the manifest path; reg add / reg delete commands`, () => {
      const [value] = nativeHostRegistryValues(hive, INSTALL_DIR, [browser]);
      const manifest = `C:\\Program Files\\Kyso\\vn.kyso.host.${browser === 'firefox' ? 'firefox' : 'chromium'}.json`;
      expect(value).toEqual({ hive, key: expected.registry, name: '', type: 'REG_SZ', data: manifest });
      expect(regAddArgs(value!)).toEqual(['add', `${hive}\\${expected.registry}`, '/ve', '/t', 'REG_SZ', '/d', manifest, '/f']);
      expect(regDeleteArgs(hive, browser)).toEqual(['delete', `${hive}\\${expected.registry}`, '/f']);
      expect(nsisWriteRegStr(value!)).toBe(`WriteRegStr ${hive} "${expected.registry}" "" "${manifest}"`);
    });
  }

  it('kyso install on Windows (single executable): manifest in %LOCALAPPDATA%\\Kyso naming kyso.exe, HKCU key naming the manifest', () => {
    const exe = 'C:\\Users\\an\\AppData\\Local\\Programs\\Kyso\\kyso.exe';
    const plan = windowsInstallPlan({ browser, localAppData: 'C:\\Users\\an\\AppData\\Local', hostPath: exe, singleExecutable: true, nodePath: 'unused', ids: ['x'] });
    const manifestPath = `C:\\Users\\an\\AppData\\Local\\Kyso\\vn.kyso.host.${browser === 'firefox' ? 'firefox' : 'chromium'}.json`;
    expect(plan.manifestPath).toBe(manifestPath);
    expect(plan.manifest.path).toBe(exe);
    expect(plan.launcher).toBeUndefined();
    expect(plan.regArgs).toEqual(['add', `HKCU\\${expected.registry}`, '/ve', '/t', 'REG_SZ', '/d', manifestPath, '/f']);
  });
});

describe('Windows details', () => {
  it('Chrome and Edge share the allowed_origins manifest; Firefox has its allowed_extensions one', () => {
    expect(windowsManifestPath(INSTALL_DIR, 'chrome')).toBe(windowsManifestPath(INSTALL_DIR, 'edge'));
    expect(windowsManifestPath(INSTALL_DIR, 'firefox')).not.toBe(windowsManifestPath(INSTALL_DIR, 'chrome'));
  });

  it('kyso install from a source checkout on Windows writes a .bat that starts Node on the host', () => {
    const plan = windowsInstallPlan({ browser: 'chrome', localAppData: 'C:\\L', hostPath: 'C:\\src\\kyso\\dist\\host\\kyso-host.mjs', singleExecutable: false, nodePath: 'C:\\Program Files\\nodejs\\node.exe', ids: ['abddkodjbciaefbbillgfgplhpgfcokp'] });
    expect(plan.launcher).toEqual({ path: 'C:\\L\\Kyso\\kyso-host.bat', text: '@echo off\r\n"C:\\Program Files\\nodejs\\node.exe" "C:\\src\\kyso\\dist\\host\\kyso-host.mjs" %*\r\n' });
    expect(plan.manifest).toMatchObject({ path: 'C:\\L\\Kyso\\kyso-host.bat', allowed_origins: ['chrome-extension://abddkodjbciaefbbillgfgplhpgfcokp/'] });
  });

  it('NSIS strings escape $ and double quotes', () => {
    expect(nsisString('a"b$c')).toBe('"a$\\"b$$c"');
  });
});

describe('Linux launcher for the single executable', () => {
  it('execs the executable itself with the caller arguments and the environment', () => {
    expect(launcherScript({ executable: '/usr/lib/kyso/kyso', env: { KYSO_PKCS11_MODULE: "/opt/it's/lib.so" } }))
      .toContain(`export KYSO_PKCS11_MODULE='/opt/it'\\''s/lib.so'\nexec '/usr/lib/kyso/kyso' "$@"\n`);
  });
});
