/**
 * Native messaging host manifests and where each browser looks for them on Linux and macOS
 * [Chrome "Native messaging", "Native messaging host location"; MDN "Native manifests", "Manifest location"].
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NATIVE_HOST_NAME } from '../../shared/native-host-name.js';

export const BROWSERS = ['chromium', 'chrome', 'edge', 'firefox'] as const;
export type Browser = (typeof BROWSERS)[number];

export const HOST_DESCRIPTION = 'Kyso — ký số với USB token (PKCS#11) / sign with your USB token';

export interface ChromiumHostManifest {
  readonly name: string;
  readonly description: string;
  readonly path: string;
  readonly type: 'stdio';
  readonly allowed_origins: readonly string[];
}

export interface FirefoxHostManifest {
  readonly name: string;
  readonly description: string;
  readonly path: string;
  readonly type: 'stdio';
  readonly allowed_extensions: readonly string[];
}

export function hostManifest(browser: Browser, launcherPath: string, extensionIds: readonly string[]): ChromiumHostManifest | FirefoxHostManifest {
  const base = { name: NATIVE_HOST_NAME, description: HOST_DESCRIPTION, path: launcherPath, type: 'stdio' as const };
  if (browser === 'firefox') return { ...base, allowed_extensions: [...extensionIds] };
  // Chrome requires the trailing slash and refuses wildcards in allowed_origins.
  return { ...base, allowed_origins: extensionIds.map((id) => `chrome-extension://${id}/`) };
}

/**
 * The per-user folder the browser reads host manifests from. With a custom --user-data-dir, Chromium-family
 * browsers read `<dir>/NativeMessagingHosts/` (and not the default per-user folder).
 */
export function manifestDirectory(browser: Browser, options: { userDataDir?: string; home?: string; platform?: NodeJS.Platform } = {}): string {
  const home = options.home ?? homedir();
  const platform = options.platform ?? process.platform;
  if (browser === 'firefox') {
    return platform === 'darwin'
      ? join(home, 'Library', 'Application Support', 'Mozilla', 'NativeMessagingHosts')
      : join(home, '.mozilla', 'native-messaging-hosts');
  }
  if (options.userDataDir) return join(options.userDataDir, 'NativeMessagingHosts');
  if (platform === 'darwin') {
    const product = { chromium: 'Chromium', chrome: join('Google', 'Chrome'), edge: 'Microsoft Edge' }[browser];
    return join(home, 'Library', 'Application Support', product, 'NativeMessagingHosts');
  }
  const product = { chromium: 'chromium', chrome: 'google-chrome', edge: 'microsoft-edge' }[browser];
  return join(home, '.config', product, 'NativeMessagingHosts');
}

/**
 * The folder an administrator installs a host manifest into so that EVERY user of the machine gets it
 * (the .deb and the macOS package use these). Linux: Chromium `/etc/chromium/native-messaging-hosts`,
 * Chrome `/etc/opt/chrome/native-messaging-hosts`, Edge `/etc/opt/edge/native-messaging-hosts`
 * [Chrome "Native messaging host location"; Edge "Native messaging" for Linux], Firefox
 * `/usr/lib/mozilla/native-messaging-hosts` [MDN "Native manifests", Linux global]. macOS: `/Library/…`
 * (Chrome `/Library/Google/Chrome/NativeMessagingHosts`, Chromium `/Library/Application Support/Chromium/…`,
 * Edge `/Library/Microsoft/Edge/NativeMessagingHosts`, Firefox `/Library/Application Support/Mozilla/…`).
 * Windows has no such folder: the registry names the manifest (install/windows-registry.ts).
 */
export function systemManifestDirectory(browser: Browser, platform: 'linux' | 'darwin'): string {
  if (platform === 'darwin') {
    return {
      chromium: '/Library/Application Support/Chromium/NativeMessagingHosts',
      chrome: '/Library/Google/Chrome/NativeMessagingHosts',
      edge: '/Library/Microsoft/Edge/NativeMessagingHosts',
      firefox: '/Library/Application Support/Mozilla/NativeMessagingHosts',
    }[browser];
  }
  return {
    chromium: '/etc/chromium/native-messaging-hosts',
    chrome: '/etc/opt/chrome/native-messaging-hosts',
    edge: '/etc/opt/edge/native-messaging-hosts',
    firefox: '/usr/lib/mozilla/native-messaging-hosts',
  }[browser];
}
