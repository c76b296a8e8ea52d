/**
 * Windows: a browser finds a native messaging host through the REGISTRY, not a folder. The key
 * `<hive>\<browser key>\NativeMessagingHosts\vn.kyso.host` has as DEFAULT value (REG_SZ) the full path of
 * the host manifest; HKCU is the person's own registration, HKLM the one for every user
 * [Chrome "Native messaging host location" (Windows); MDN "Native manifests", Windows; Edge "Native messaging"].
 * Chrome, Chromium and Edge read the 64-bit view of HKLM and also the 32-bit one; the installer (64-bit)
 * writes the 64-bit view. Chrome and Edge share one manifest (allowed_origins), Firefox has its own
 * (allowed_extensions), so there are two manifest files next to the executable.
 *
 * This module only computes keys, values and commands; `kyso install` runs `reg.exe` with them on Windows and
 * scripts/lib/package/windows.mjs turns them into NSIS instructions. Both are unit-tested for every pair.
 */
import { win32 } from 'node:path';
import { NATIVE_HOST_NAME } from '../../shared/native-host-name.js';
import { BROWSERS, type Browser } from './host-manifest.js';

export type RegistryHive = 'HKCU' | 'HKLM';

const BROWSER_KEY: Readonly<Record<Browser, string>> = {
  chromium: 'Software\\Chromium',
  chrome: 'Software\\Google\\Chrome',
  edge: 'Software\\Microsoft\\Edge',
  firefox: 'Software\\Mozilla',
};

/** `Software\Google\Chrome\NativeMessagingHosts\vn.kyso.host` (no hive). */
export function nativeHostRegistryKey(browser: Browser): string {
  return `${BROWSER_KEY[browser]}\\NativeMessagingHosts\\${NATIVE_HOST_NAME}`;
}

/** The manifest file a browser family reads on Windows, in `dir`. */
export function windowsManifestPath(dir: string, browser: Browser): string {
  return win32.join(dir, `${NATIVE_HOST_NAME}.${browser === 'firefox' ? 'firefox' : 'chromium'}.json`);
}

/** Per-user files of `kyso install` on Windows: %LOCALAPPDATA%\Kyso. */
export function windowsUserDataDir(localAppData: string): string {
  return win32.join(localAppData, 'Kyso');
}

export interface RegistryValue {
  readonly hive: RegistryHive;
  readonly key: string;
  /** '' is the key's default value. */
  readonly name: string;
  readonly type: 'REG_SZ';
  readonly data: string;
}

export function nativeHostRegistryValues(hive: RegistryHive, manifestDir: string, browsers: readonly Browser[] = BROWSERS): RegistryValue[] {
  return browsers.map((browser) => ({ hive, key: nativeHostRegistryKey(browser), name: '', type: 'REG_SZ', data: windowsManifestPath(manifestDir, browser) }));
}

/** Arguments of `reg.exe add` for one value (no shell: each argument is passed as is). */
export function regAddArgs(value: RegistryValue): string[] {
  return ['add', `${value.hive}\\${value.key}`, ...(value.name === '' ? ['/ve'] : ['/v', value.name]), '/t', value.type, '/d', value.data, '/f'];
}

/** Arguments of `reg.exe delete` removing the host's key for one browser. */
export function regDeleteArgs(hive: RegistryHive, browser: Browser): string[] {
  return ['delete', `${hive}\\${nativeHostRegistryKey(browser)}`, '/f'];
}

/** An NSIS string: `$` doubled, `"` escaped as $\" [NSIS manual §4.1 "Script File Format"]. */
export function nsisString(text: string): string {
  return `"${text.replace(/\$/g, '$$$$').replace(/"/g, '$\\"')}"`;
}

/** NSIS instructions for a value (WriteRegStr ROOT subkey name value); `$INSTDIR` in data is left to NSIS. */
export function nsisWriteRegStr(value: RegistryValue, options: { dataIsNsisExpression?: boolean } = {}): string {
  const data = options.dataIsNsisExpression ? `"${value.data}"` : nsisString(value.data);
  return `WriteRegStr ${value.hive} ${nsisString(value.key)} ${nsisString(value.name)} ${data}`;
}
