/**
 * The `kyso` executable for Linux x64: Node's single-executable-application support [Node docs "Single
 * executable applications"]: one CommonJS bundle of native-host/executable.ts (host + CLI), turned into a
 * preparation blob by `node --experimental-sea-config`, injected with postject into a copy of this Node binary.
 *
 * pkcs11js is a native addon and cannot live inside the blob. Its JavaScript is bundled; its `pkcs11.node` is
 * shipped BESIDE the executable and loaded from the executable's own (real) directory with process.dlopen —
 * never extracted to a temporary, world-writable folder where another user could swap it.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from '../prerequisites.mjs';
import { pkcs11jsIndexWithoutSpread } from '../../build-host.mjs';

/** The fuse postject flips so the Node binary looks for the injected blob [Node docs, SEA, step 5]. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const ADDON_NAME = 'pkcs11.node';

/**
 * The bundle's first lines.
 * `import.meta.url` does not exist in a CommonJS bundle; code that uses it to find files next to itself
 * (install.ts) gets the executable's own URL instead.
 * `__kysoAddonPath`: the pkcs11js addon beside the executable's real file (/usr/bin/kyso → /usr/lib/kyso/), the
 * one place this rule is written: the bundled pkcs11js loads it (below) and so do the token-call worker threads
 * (native-host/single-executable.ts singleExecutableAddonPath).
 */
const BANNER = [
  "var __kysoExecutableUrl = require('node:url').pathToFileURL(process.execPath).href;",
  `var __kysoAddonPath = require('node:path').join(require('node:path').dirname(require('node:fs').realpathSync(process.execPath)), ${JSON.stringify(ADDON_NAME)});`,
].join('\n');

/**
 * Replace pkcs11js's `require('./build/Release/pkcs11.node')` by a dlopen of the addon beside the executable; and
 * bundle pkcs11js so that a start copies none of its exports (below).
 */
const addonBesideExecutable = {
  name: 'kyso-addon-beside-executable',
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => ({ path: args.path, namespace: 'kyso-addon' }));
    // As in the host's bundle (scripts/build-host.mjs pkcs11jsByRequire), pkcs11js's ~660 exports are copied at no
    // start: `import pkcs11js from 'pkcs11js'` takes its module.exports from a small ES module (no __toESM copy per
    // importing file), and its index.js's closing `{ ...pkcs11, PKCS11 }` is an assignment.
    b.onResolve({ filter: /^pkcs11js$/ }, (args) => (args.kind === 'import-statement' ? { path: 'pkcs11js', namespace: 'kyso-pkcs11js' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'kyso-pkcs11js' }, () => ({
      contents: "const pkcs11js = require('pkcs11js/index.js');\nexport default pkcs11js;",
      loader: 'js',
      resolveDir: ROOT,
    }));
    b.onLoad({ filter: /[\\/]node_modules[\\/]pkcs11js[\\/]index\.js$/ }, async (args) => {
      const contents = pkcs11jsIndexWithoutSpread(await readFile(args.path, 'utf8'));
      return contents === undefined ? undefined : { contents, loader: 'js' };
    });
    b.onLoad({ filter: /.*/, namespace: 'kyso-addon' }, () => ({
      loader: 'js',
      contents: [
        'const addon = { exports: {} };',
        'process.dlopen(addon, __kysoAddonPath);',
        'module.exports = addon.exports;',
      ].join('\n'),
    }));
  },
};

/** postject from node_modules, or from KYSO_PACKAGE_DEPS (a folder where `npm install --prefix` put it). */
export function loadPostject() {
  const places = [join(ROOT, 'package.json')];
  if (process.env.KYSO_PACKAGE_DEPS) places.push(join(process.env.KYSO_PACKAGE_DEPS, 'package.json'));
  for (const place of places) {
    try {
      return createRequire(place)('postject');
    } catch { /* try the next place */ }
  }
  throw new Error('postject not found: npm install (it is a devDependency), or set KYSO_PACKAGE_DEPS to a folder with node_modules/postject');
}

/**
 * @param {{ outDir: string, workDir: string, nodeBinary?: string }} options
 * @returns {Promise<{ executable: string, addon: string, bytes: number, ms: number }>}
 */
export async function buildExecutable({ outDir, workDir, nodeBinary = process.execPath }) {
  const started = Date.now();
  // Linux x64 here and in CI; Windows x64 on a Windows build machine (README "Windows host executable": the
  // pkcs11js addon must be compiled there). macOS would also need the Mach-O segment and re-signing: not done.
  const supported = (process.platform === 'linux' || process.platform === 'win32') && process.arch === 'x64';
  if (!supported) throw new Error(`the executable is built on Linux x64 or Windows x64 (this is ${process.platform} ${process.arch})`);
  await mkdir(outDir, { recursive: true });
  await mkdir(workDir, { recursive: true });
  const bundle = join(workDir, 'kyso-executable.cjs');
  // Bundled from the sources, not from dist/host: no code splitting here, and esbuild inlines every
  // `import('./…')` (dispatcher handlers, x509) and `import('pkcs11js')` into the one CommonJS file. What it
  // cannot see is a module resolved at run time (createRequire(…).resolve): that finds nothing beside the
  // executable, so code that needs such a path must branch on runningAsSingleExecutable() (driver-probe.ts).
  await build({
    entryPoints: [join(ROOT, 'native-host/executable.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    logLevel: 'error',
    absWorkingDir: ROOT,
    banner: { js: BANNER },
    define: { 'import.meta.url': '__kysoExecutableUrl' },
    plugins: [addonBesideExecutable],
  });
  const blob = join(workDir, 'kyso-executable.blob');
  const config = join(workDir, 'sea-config.json');
  await writeFile(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
  const made = spawnSync(nodeBinary, ['--experimental-sea-config', config], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`node --experimental-sea-config failed: ${made.stderr}`);

  const executable = join(outDir, process.platform === 'win32' ? 'kyso.exe' : 'kyso');
  await rm(executable, { force: true });
  await copyFile(nodeBinary, executable);
  await chmod(executable, 0o755);
  const { inject } = loadPostject();
  await inject(executable, 'NODE_SEA_BLOB', await readFile(blob), { sentinelFuse: SEA_FUSE });
  const addon = join(outDir, ADDON_NAME);
  const addonSource = join(ROOT, 'node_modules/pkcs11js/build/Release/pkcs11.node');
  if (!existsSync(addonSource)) throw new Error(`${addonSource} missing: pkcs11js was installed without its build step`);
  await copyFile(addonSource, addon);
  await chmod(addon, 0o644);
  return { executable, addon, bytes: (await stat(executable)).size, ms: Date.now() - started };
}
