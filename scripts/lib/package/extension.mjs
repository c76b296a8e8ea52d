/**
 * The extension for distribution, from a built dist/chromium and dist/firefox:
 *   kyso-<v>-chrome.zip     Chrome Web Store / Edge Add-ons upload (no "key": the store assigns the ID)
 *   kyso-<v>.crx            CRX3 signed with the release key, for self-hosting; its manifest carries
 *                           "update_url" so Chrome keeps updating from the same server
 *   update.xml              the gupdate file the admin's policy points at (ExtensionInstallForcelist)
 *   kyso-<v>.xpi            Firefox, by `web-ext build` (signing by addons.mozilla.org happens after upload)
 * The release key is read from a PEM outside the repository; without one, a throwaway key signs the .crx and
 * its (different) extension ID is reported — fine for tests, never for a release.
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../prerequisites.mjs';
import { crx3, publicKeyDer, updateXml } from './crx.mjs';
import { zipDirectory } from './zip.mjs';

export const DEFAULT_UPDATE_URL = 'https://kyso.vn/extension/update.xml';

function withManifest(edit) {
  return (name, data) => {
    if (name !== 'manifest.json') return data;
    const manifest = JSON.parse(data.toString('utf8'));
    edit(manifest);
    return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  };
}

/**
 * @param {{ version: string, outDir: string, workDir: string, chromiumDir: string, firefoxDir: string,
 *           crxKeyPath?: string, updateUrl?: string, say?: (line: string) => void }} options
 */
export async function packageExtension({ version, outDir, workDir, chromiumDir, firefoxDir, crxKeyPath, updateUrl = DEFAULT_UPDATE_URL, say = () => undefined }) {
  const started = Date.now();
  for (const dir of [chromiumDir, firefoxDir]) {
    if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`extension: ${dir}/manifest.json missing; run KYSO_BUILD=production npm run build first`);
  }
  await mkdir(outDir, { recursive: true });
  const storeZip = join(outDir, `kyso-${version}-chrome.zip`);
  await writeFile(storeZip, await zipDirectory(chromiumDir, withManifest((m) => { delete m.key; delete m.update_url; })));

  let privateKey;
  if (crxKeyPath) {
    privateKey = createPrivateKey(await readFile(crxKeyPath));
  } else {
    privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  }
  const spki = publicKeyDer(createPublicKey(privateKey));
  // The manifest key must be the signing key: Chrome derives the ID from the CRX key.
  const crxZip = await zipDirectory(chromiumDir, withManifest((m) => { m.key = spki.toString('base64'); m.update_url = updateUrl; }));
  const { crx, extensionId } = crx3(crxZip, privateKey);
  const crxPath = join(outDir, `kyso-${version}.crx`);
  await writeFile(crxPath, crx);
  const crxUrl = new URL(`kyso-${version}.crx`, updateUrl).href;
  const updateXmlPath = join(outDir, 'update.xml');
  await writeFile(updateXmlPath, updateXml({ extensionId, version, crxUrl }));
  if (!crxKeyPath) say(`extension: NO release key given (--crx-key / KYSO_CRX_KEY): ${crxPath} is signed with a throwaway key, extension ID ${extensionId}`);

  const xpi = join(outDir, `kyso-${version}.xpi`);
  const webExt = join(ROOT, 'node_modules/.bin/web-ext');
  const built = spawnSync(webExt, ['build', '--source-dir', firefoxDir, '--artifacts-dir', workDir, '--filename', `kyso-${version}.xpi`, '--overwrite-dest', '--no-input'], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`extension: web-ext build failed:\n${built.stdout}\n${built.stderr}`);
  await rename(join(workDir, `kyso-${version}.xpi`), xpi);
  const sizes = await Promise.all([storeZip, crxPath, xpi].map(async (p) => `${p.split('/').pop()} ${((await stat(p)).size / 1024).toFixed(0)} kB`));
  say(`extension: ${sizes.join(', ')}, update.xml for ${crxUrl}, in ${Date.now() - started} ms`);
  return { storeZip, crx: crxPath, updateXml: updateXmlPath, xpi, extensionId, crxUrl, ms: Date.now() - started };
}
