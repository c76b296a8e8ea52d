/**
 * The Windows installer, compiled here with Debian's makensis. The Windows host executable cannot be built on
 * Linux (README: the pkcs11js addon needs a Windows compiler), so these tests compile the installer around a
 * STAND-IN payload (two small files named kyso.exe and pkcs11.node): what is checked is the installer script
 * and the registry instructions it carries, not the host inside.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID } from '../../native-host/config.js';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;
let built: { installer: string; registryScript: string; bytes: number };
let registry: string;
let manifests: { chromium: any; firefox: any };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kyso-windows-'));
  const payload = join(dir, 'payload');
  await mkdir(payload);
  await writeFile(join(payload, 'kyso.exe'), 'stand-in for the Windows host executable');
  await writeFile(join(payload, 'pkcs11.node'), 'stand-in for the Windows pkcs11js addon');
  const { buildWindowsInstaller } = await import(pathToFileURL(join(ROOT, 'scripts/lib/package/windows.mjs')).href);
  const workDir = join(dir, 'work');
  built = await buildWindowsInstaller({ version: '0.1.0', outDir: join(dir, 'out'), workDir, hostDir: payload, updateUrl: 'https://kyso.congty.vn/ext/update.xml' });
  registry = await readFile(built.registryScript, 'utf8');
  manifests = {
    chromium: JSON.parse(await readFile(join(workDir, 'windows', 'vn.kyso.host.chromium.json'), 'utf8')),
    firefox: JSON.parse(await readFile(join(workDir, 'windows', 'vn.kyso.host.firefox.json'), 'utf8')),
  };
}, 120_000);
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

describe('Windows installer (makensis, stand-in payload)', () => {
  it('makensis produces a 64-bit Windows (PE32+, x86-64) NSIS installer named kyso-<version>-windows-x64-setup.exe', async () => {
    expect(built.installer).toMatch(/kyso-0\.1\.0-windows-x64-setup\.exe$/);
    const bytes = await readFile(built.installer);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('MZ');
    const pe = bytes.readUInt32LE(0x3c);
    expect(bytes.subarray(pe, pe + 4).toString('latin1')).toBe('PE\0\0');
    expect(bytes.readUInt16LE(pe + 4)).toBe(0x8664); // IMAGE_FILE_MACHINE_AMD64
    expect(bytes.readUInt16LE(pe + 24)).toBe(0x20b); // PE32+ optional header
    expect(bytes.includes(Buffer.from('NullsoftInst'))).toBe(true);
  });

  it('registers the host for all users (HKLM) in Chrome, Edge, Chromium and Firefox, naming the manifests under $INSTDIR', () => {
    expect(registry).toContain('WriteRegStr HKLM "Software\\Google\\Chrome\\NativeMessagingHosts\\vn.kyso.host" "" "$INSTDIR\\vn.kyso.host.chromium.json"');
    expect(registry).toContain('WriteRegStr HKLM "Software\\Microsoft\\Edge\\NativeMessagingHosts\\vn.kyso.host" "" "$INSTDIR\\vn.kyso.host.chromium.json"');
    expect(registry).toContain('WriteRegStr HKLM "Software\\Chromium\\NativeMessagingHosts\\vn.kyso.host" "" "$INSTDIR\\vn.kyso.host.chromium.json"');
    expect(registry).toContain('WriteRegStr HKLM "Software\\Mozilla\\NativeMessagingHosts\\vn.kyso.host" "" "$INSTDIR\\vn.kyso.host.firefox.json"');
  });

  it('the uninstaller deletes every key the installer wrote', () => {
    const written = [...registry.matchAll(/WriteRegStr HKLM "([^"]+NativeMessagingHosts[^"]+)"/g)].map((m) => m[1]);
    expect(written).toHaveLength(4);
    for (const key of written) expect(registry).toContain(`DeleteRegKey HKLM "${key}"`);
  });

  it('optionally force-installs the extension in Chrome and Edge (ExtensionInstallForcelist "<id>;<update URL>")', () => {
    for (const root of ['Software\\Policies\\Google\\Chrome', 'Software\\Policies\\Microsoft\\Edge']) {
      expect(registry).toContain(`WriteRegStr HKLM "${root}\\ExtensionInstallForcelist" "1" "${CHROMIUM_EXTENSION_ID};https://kyso.congty.vn/ext/update.xml"`);
      expect(registry).toContain(`DeleteRegValue HKLM "${root}\\ExtensionInstallForcelist" "1"`);
    }
  });

  it('the manifests name kyso.exe beside them and allow only the Kyso extension', () => {
    expect(manifests.chromium).toMatchObject({ name: 'vn.kyso.host', path: 'kyso.exe', type: 'stdio', allowed_origins: [`chrome-extension://${CHROMIUM_EXTENSION_ID}/`] });
    expect(manifests.firefox).toMatchObject({ name: 'vn.kyso.host', path: 'kyso.exe', type: 'stdio', allowed_extensions: [FIREFOX_EXTENSION_ID] });
  });
});

/**
 * The same installer RUN under Debian's Wine (64-bit), silently (/S) as a deployment tool would, in a throwaway
 * WINEPREFIX; the registry is read back with Wine's reg.exe. Wine stands in for Windows here: it checks what the
 * installer writes, not how Chrome on Windows reads it.
 */
const WINE = '/usr/lib/wine/wine64';

describe('Windows installer under Wine (stand-in payload)', () => {
  let prefix: string;
  const wine = (args: string[], timeout = 120_000) => spawnSync(WINE, args, {
    encoding: 'utf8', timeout, env: { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' },
  });
  const query = (key: string) => wine(['reg', 'query', key], 60_000);

  beforeAll(() => {
    prefix = join(dir, 'wineprefix');
    expect(wine(['wineboot', '-i'], 240_000).status).toBe(0);
    const installed = wine([built.installer, '/S']);
    expect(installed.status, installed.stderr).toBe(0);
    wine(['wineserver', '-w']);
  }, 300_000);

  it('/S installs kyso.exe, pkcs11.node and both manifests under C:\\Program Files\\Kyso', () => {
    const installDir = join(prefix, 'drive_c', 'Program Files', 'Kyso');
    for (const name of ['kyso.exe', 'pkcs11.node', 'vn.kyso.host.chromium.json', 'vn.kyso.host.firefox.json', 'uninstall.exe']) {
      expect(existsSync(join(installDir, name)), name).toBe(true);
    }
  });

  it('HKLM native-messaging keys read back for Chrome, Edge, Chromium and Firefox (64-bit view)', () => {
    for (const [key, manifest] of [
      ['Google\\Chrome', 'chromium'], ['Microsoft\\Edge', 'chromium'], ['Chromium', 'chromium'], ['Mozilla', 'firefox'],
    ] as const) {
      const result = query(`HKLM\\Software\\${key}\\NativeMessagingHosts\\vn.kyso.host`);
      expect(result.status, `${key}: ${result.stderr}`).toBe(0);
      expect(result.stdout.replace(/\r/g, '')).toMatch(new RegExp(`\\(Default\\)\\s+REG_SZ\\s+C:\\\\Program Files\\\\Kyso\\\\vn\\.kyso\\.host\\.${manifest}\\.json`));
    }
  });

  it('the force-install policy is an unticked option: a silent default install writes no ExtensionInstallForcelist', () => {
    expect(query('HKLM\\Software\\Policies\\Google\\Chrome\\ExtensionInstallForcelist').status).not.toBe(0);
  });

  it('the uninstaller removes the keys and the files', () => {
    const installDir = 'C:\\Program Files\\Kyso';
    // _?= runs the uninstaller in place and waits for it (otherwise it copies itself away and returns at once).
    const removed = wine([join(prefix, 'drive_c', 'Program Files', 'Kyso', 'uninstall.exe'), '/S', `_?=${installDir}`]);
    expect(removed.status, removed.stderr).toBe(0);
    wine(['wineserver', '-w']);
    expect(query('HKLM\\Software\\Google\\Chrome\\NativeMessagingHosts\\vn.kyso.host').status).not.toBe(0);
    expect(query('HKLM\\Software\\Mozilla\\NativeMessagingHosts\\vn.kyso.host').status).not.toBe(0);
    expect(existsSync(join(prefix, 'drive_c', 'Program Files', 'Kyso', 'kyso.exe'))).toBe(false);
  });
});
