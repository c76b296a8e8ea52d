#!/usr/bin/env node
/**
 * npm run package [-- --only executable,deb,extension,windows] [--crx-key KEY.pem] [--update-url URL]
 *                 [--windows-host DIR]
 * Writes, under dist/packages/:
 *   linux-x64/kyso + pkcs11.node     one executable, host and CLI, no Node needed (scripts/lib/package/executable.mjs);
 *                                    on a Windows build machine: win32-x64/kyso.exe + pkcs11.node (--only executable)
 *   kyso_<version>_amd64.deb         system-wide install for Chromium, Chrome, Edge, Firefox (deb.mjs)
 *   kyso-<version>-chrome.zip        for the Chrome Web Store / Edge Add-ons (extension.mjs)
 *   kyso-<version>.crx + update.xml  for self-hosting and force-install by policy
 *   kyso-<version>.xpi               for Firefox (web-ext build)
 *   kyso-<version>-windows-setup.exe NSIS installer (windows.mjs), when a Windows host build is given
 * The extension is packaged from dist/chromium and dist/firefox as they are: run `KYSO_BUILD=production npm run build` first
 * for a release (a development build also admits http://localhost).
 * Release signing keys are never in the repository: --crx-key (or KYSO_CRX_KEY) names the PEM; without one
 * the .crx is signed with a throwaway key and its extension ID is printed (fine for tests, not for a release).
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib/prerequisites.mjs';

export const PARTS = ['executable', 'deb', 'extension', 'windows'];

/**
 * @param {{ outDir?: string, parts?: string[], crxKey?: string, updateUrl?: string, windowsHost?: string,
 *           chromiumDir?: string, firefoxDir?: string, say?: (line: string) => void }} [options]
 */
export async function packageAll(options = {}) {
  const say = options.say ?? ((line) => process.stderr.write(`package: ${line}\n`));
  const outDir = options.outDir ?? join(ROOT, 'dist', 'packages');
  const parts = options.parts ?? PARTS;
  const workDir = join(outDir, '.work');
  const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  const results = {};
  if (parts.includes('executable') || parts.includes('deb')) {
    const { buildExecutable } = await import('./lib/package/executable.mjs');
    results.executable = await buildExecutable({ outDir: join(outDir, `${process.platform}-${process.arch}`), workDir });
    say(`${results.executable.executable}: ${mb(results.executable.bytes)} in ${results.executable.ms} ms`);
  }
  if (parts.includes('deb')) {
    const { buildDeb } = await import('./lib/package/deb.mjs');
    results.deb = await buildDeb({ executable: results.executable.executable, addon: results.executable.addon, version, outDir, workDir });
    say(`${results.deb.deb}: ${mb(results.deb.bytes)} in ${results.deb.ms} ms`);
  }
  if (parts.includes('extension')) {
    const { packageExtension } = await import('./lib/package/extension.mjs');
    results.extension = await packageExtension({
      version, outDir, workDir,
      chromiumDir: options.chromiumDir ?? join(ROOT, 'dist', 'chromium'),
      firefoxDir: options.firefoxDir ?? join(ROOT, 'dist', 'firefox'),
      crxKeyPath: options.crxKey ?? process.env.KYSO_CRX_KEY,
      updateUrl: options.updateUrl,
      say,
    });
  }
  if (parts.includes('windows')) {
    const { buildWindowsInstaller } = await import('./lib/package/windows.mjs');
    results.windows = await buildWindowsInstaller({ version, outDir, workDir, hostDir: options.windowsHost ?? process.env.KYSO_WINDOWS_HOST_DIR, updateUrl: options.updateUrl, say });
  }
  await rm(workDir, { recursive: true, force: true });
  return results;
}

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' }, 'crx-key': { type: 'string' }, 'update-url': { type: 'string' }, 'windows-host': { type: 'string' },
    },
  });
  const parts = values.only ? values.only.split(',').map((p) => p.trim()) : undefined;
  const unknown = (parts ?? []).filter((p) => !PARTS.includes(p));
  if (unknown.length) {
    process.stderr.write(`package: unknown part(s) ${unknown.join(', ')}; known: ${PARTS.join(', ')}\n`);
    process.exit(2);
  }
  const started = Date.now();
  packageAll({ parts, crxKey: values['crx-key'], updateUrl: values['update-url'], windowsHost: values['windows-host'] }).then(
    () => process.stderr.write(`package: done in ${Date.now() - started} ms\n`),
    (error) => {
      process.stderr.write(`package: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
