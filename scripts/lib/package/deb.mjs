/**
 * `kyso_<version>_amd64.deb`, built with dpkg-deb [Debian Policy §3, deb(5)]. Plain files only, no maintainer
 * scripts: the executable in /usr/lib/kyso (with the pkcs11js addon beside it), /usr/bin/kyso → it, and one
 * native messaging host manifest per browser in that browser's SYSTEM folder (every user of the machine).
 * The manifests under /etc are deliberately NOT conffiles, so `dpkg -r` (not only purge) removes them: they
 * name the executable the package owns and are not meant to be edited.
 */
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { importTs } from './load-ts.mjs';

export const INSTALL_DIR = '/usr/lib/kyso';
export const EXECUTABLE_PATH = `${INSTALL_DIR}/kyso`;

/**
 * @param {{ executable: string, addon: string, version: string, outDir: string, workDir: string,
 *           extraChromiumIds?: string[] }} options extraChromiumIds: more extension IDs the Chromium-family manifests
 *   admit (a test's own CRX key; the host must then also be told through KYSO_ALLOWED_EXTENSIONS)
 * @returns {Promise<{ deb: string, bytes: number, ms: number, manifests: string[] }>}
 */
export async function buildDeb({ executable, addon, version, outDir, workDir, extraChromiumIds = [] }) {
  const started = Date.now();
  const { BROWSERS, hostManifest, systemManifestDirectory } = await importTs('native-host/install/host-manifest.ts');
  const { CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID } = await importTs('native-host/config.ts');
  const { NATIVE_HOST_NAME } = await importTs('shared/native-host-name.ts');
  const root = join(workDir, 'deb-root');
  await rm(root, { recursive: true, force: true });
  await mkdir(join(root, 'DEBIAN'), { recursive: true });
  await mkdir(join(root, INSTALL_DIR.slice(1)), { recursive: true });
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await copyFile(executable, join(root, EXECUTABLE_PATH.slice(1)));
  await chmod(join(root, EXECUTABLE_PATH.slice(1)), 0o755);
  await copyFile(addon, join(root, INSTALL_DIR.slice(1), 'pkcs11.node'));
  await chmod(join(root, INSTALL_DIR.slice(1), 'pkcs11.node'), 0o644);
  await symlink('../lib/kyso/kyso', join(root, 'usr/bin/kyso'));
  const manifests = [];
  for (const browser of BROWSERS) {
    const dir = systemManifestDirectory(browser, 'linux');
    await mkdir(join(root, dir.slice(1)), { recursive: true });
    const ids = browser === 'firefox' ? [FIREFOX_EXTENSION_ID] : [CHROMIUM_EXTENSION_ID, ...extraChromiumIds];
    const path = `${dir}/${NATIVE_HOST_NAME}.json`;
    await writeFile(join(root, path.slice(1)), `${JSON.stringify(hostManifest(browser, EXECUTABLE_PATH, ids), null, 2)}\n`, { mode: 0o644 });
    manifests.push(path);
  }
  const installedKb = Math.ceil(((await stat(executable)).size + (await stat(addon)).size) / 1024);
  await writeFile(join(root, 'DEBIAN/control'), [
    'Package: kyso',
    `Version: ${version}`,
    'Architecture: amd64',
    'Maintainer: Kyso <kyso@kyso.vn>',
    // The executable is Node itself (C++ runtime) plus the pkcs11js addon; nothing else, and no `node` package.
    'Depends: libc6 (>= 2.28), libstdc++6, libgcc-s1',
    'Recommends: opensc-pkcs11',
    'Section: utils',
    'Priority: optional',
    `Installed-Size: ${installedKb}`,
    'Homepage: https://kyso.vn',
    'Description: Kyso - sign with a PKCS#11 USB token from approved web portals',
    ' The kyso command line and the native messaging host of the Kyso browser extension,',
    ' registered for every user in Chromium, Google Chrome, Microsoft Edge and Firefox.',
    '',
  ].join('\n'));
  await mkdir(outDir, { recursive: true });
  const deb = join(outDir, `kyso_${version}_amd64.deb`);
  // gzip: a quarter of xz's build time for a ~100 MB payload, on a 2-core CI machine.
  const made = spawnSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, deb], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`dpkg-deb failed: ${made.stderr}`);
  await rm(root, { recursive: true, force: true });
  return { deb, bytes: (await stat(deb)).size, ms: Date.now() - started, manifests };
}
