#!/usr/bin/env node
/**
 * npm run build: the extension for Chromium (dist/chromium) and Firefox (dist/firefox), the page SDK
 * (dist/sdk/kyso.js + kyso.d.ts), then the native host (scripts/build-host.mjs).
 * Default flavour is DEVELOPMENT (allows http://localhost and http://127.0.0.1); KYSO_BUILD=production turns it off.
 */
import { build } from 'vite';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const FIREFOX_GECKO_ID = 'kyso@kyso.vn';

export async function buildAll({ flavour = process.env.KYSO_BUILD === 'production' ? 'production' : 'development', host = true } = {}) {
  const started = Date.now();
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  const development = flavour !== 'production';
  const define = {
    __KYSO_DEVELOPMENT_BUILD__: JSON.stringify(development),
    __KYSO_VERSION__: JSON.stringify(pkg.version),
  };
  const chromiumDir = join(DIST, 'chromium');
  const firefoxDir = join(DIST, 'firefox');
  const sdkDir = join(DIST, 'sdk');
  for (const dir of [chromiumDir, firefoxDir, sdkDir]) await rm(dir, { recursive: true, force: true });

  const common = {
    configFile: false, logLevel: 'warn', define, root: ROOT, publicDir: false,
    build: { emptyOutDir: false, minify: !development, sourcemap: development, target: 'es2022', reportCompressedSize: false },
  };

  // The consent window is built on its own (issue 14, warm window): in the shared build below its script came as 5
  // files (the bundler's runtime and chunks shared with the other pages), each a module request before the window
  // can show. Alone, everything it imports statically is one file; only what it loads later with import() (the
  // Public Suffix List beside the state, the PDF preview) stays apart. No modulepreload polyfill: Chromium and
  // Firefox ≥ 115 preload modules natively, and the polyfill is code the window would parse first for nothing.
  await build({
    ...common, root: join(ROOT, 'extension'), base: './',
    build: {
      ...common.build, sourcemap: false, outDir: chromiumDir, modulePreload: { polyfill: false },
      rollupOptions: { input: { consent: join(ROOT, 'extension/ui/consent/consent.html') } },
    },
  });

  // The other extension pages (the options page when its owner has added it). Relative asset paths.
  // popup: the toolbar button's "Cho phép trang này ký số" (extension/ui/popup, plugin compatibility).
  const pages = { popup: join(ROOT, 'extension/ui/popup/popup.html') };
  // VGCA FileName "": the window where the person chooses a local file (extension/compat/local-file/).
  pages.localFile = join(ROOT, 'extension/compat/local-file/local-file.html');
  const optionsHtml = join(ROOT, 'extension/ui/options/options.html');
  const hasOptions = await pageIsComplete(optionsHtml);
  if (hasOptions) pages.options = optionsHtml;
  else console.warn('build: extension/ui/options/options.html (or a file it references) not found yet; building without an options page');
  await build({
    ...common, root: join(ROOT, 'extension'), base: './',
    build: { ...common.build, sourcemap: false, outDir: chromiumDir, rollupOptions: { input: pages } },
  });

  // Background and content scripts: classic scripts (IIFE). A content script cannot be an ES module, and one
  // classic background bundle serves both Chromium's service worker and Firefox's background.scripts.
  // compat-shim: the MAIN-world WebSocket shim the background injects only into allowed portals' frames (extension/compat/).
  // compat-bridge: its ISOLATED-world partner, registered by the background for the same sites; content.js (every
  // frame of every site) is only the tiny page relay (≤ 10 KB, test/integration/content-script-size.test.ts).
  for (const [name, entry] of [['background', 'extension/background/main.ts'], ['content', 'extension/content/main.ts'], ['compat-shim', 'extension/compat/page-shim.ts'], ['compat-bridge', 'extension/content/compat-bridge-main.ts']]) {
    await build({
      ...common,
      build: {
        ...common.build, outDir: chromiumDir,
        lib: { entry: join(ROOT, entry), name: `kyso_${name.replace(/-/g, "_")}`, formats: ['iife'], fileName: () => `${name}.js` },
      },
    });
  }

  // page-relay.js: the full page relay as an ES module, imported by content.js only when a page asks to sign
  // (listed in web_accessible_resources behind a per-session URL: manifest.json).
  await build({
    ...common,
    build: {
      ...common.build, outDir: chromiumDir,
      lib: { entry: join(ROOT, 'extension/content/page-relay.ts'), formats: ['es'], fileName: () => 'page-relay.js' },
    },
  });

  // Manifests.
  const source = JSON.parse(await readFile(join(ROOT, 'manifest.json'), 'utf8'));
  source.version = pkg.version;
  if (!hasOptions) delete source.options_ui;
  const managedSchema = join(ROOT, 'extension/managed-schema.json');
  if (existsSync(managedSchema)) await cp(managedSchema, join(chromiumDir, 'managed-schema.json'));
  else { delete source.storage; console.warn('build: extension/managed-schema.json not found yet; no managed storage schema'); }

  const chromium = structuredClone(source);
  const key = await chromiumExtensionKey();
  if (key) chromium.key = key;
  else console.warn('build: native-host/config.ts has no CHROMIUM_EXTENSION_PUBLIC_KEY; the extension ID will not be fixed');
  await writeFile(join(chromiumDir, 'manifest.json'), JSON.stringify(chromium, null, 2) + '\n');

  await cp(chromiumDir, firefoxDir, { recursive: true });
  const firefox = structuredClone(source);
  firefox.background = { scripts: ['background.js'] };
  delete firefox.minimum_chrome_version;
  // Firefox has no per-session web-accessible URL (its moz-extension:// host is already random per install).
  for (const entry of firefox.web_accessible_resources ?? []) delete entry.use_dynamic_url;
  // Kyso collects nothing; Firefox asks every add-on to say so [MDN browser_specific_settings, data_collection_permissions].
  firefox.browser_specific_settings = { gecko: { id: FIREFOX_GECKO_ID, strict_min_version: '140.0', data_collection_permissions: { required: ['none'] } } };
  await writeFile(join(firefoxDir, 'manifest.json'), JSON.stringify(firefox, null, 2) + '\n');

  // The page SDK: one ES module plus its hand-written declarations.
  await build({
    ...common,
    build: {
      ...common.build, outDir: sdkDir, sourcemap: false, minify: false,
      lib: { entry: join(ROOT, 'sdk/kyso.ts'), formats: ['es'], fileName: () => 'kyso.js' },
    },
  });
  // The declarations are hand-written (sdk/kyso-public.d.ts); test/unit/sdk-types.test.ts keeps them equal to the code.
  await cp(join(ROOT, 'sdk/kyso-public.d.ts'), join(sdkDir, 'kyso.d.ts'));
  // Server-side helpers (verifyAuthToken): WebCrypto only, runs in Node ≥ 20 and browsers; declarations hand-written too.
  await build({
    ...common,
    build: { ...common.build, outDir: sdkDir, sourcemap: false, minify: false, lib: { entry: join(ROOT, 'sdk/server/index.ts'), formats: ['es'], fileName: () => 'server.js' } },
  });
  await cp(join(ROOT, 'sdk/server/server-public.d.ts'), join(sdkDir, 'server.d.ts'));
  // The same SDK as the publishable package @kyso/sdk (dist/sdk-package/: ESM, minified IIFE, ./server).
  const { buildSdkPackage } = await import('./build-sdk-package.mjs');
  await buildSdkPackage({ root: ROOT, sdkDir, version: pkg.version, define });
  console.error(`build: extension (${flavour}) and SDK in ${Date.now() - started} ms`);

  if (host) {
    const hostScript = join(ROOT, 'scripts/build-host.mjs');
    if (existsSync(hostScript)) {
      const { buildHost } = await import(pathToFileURL(hostScript).href);
      await buildHost();
    } else {
      console.warn('build: scripts/build-host.mjs not found yet; skipping the native host');
    }
  }
}

/** A page builds only when it and every local file it references (src/href) exist (its owner may still be writing it). */
async function pageIsComplete(html) {
  if (!existsSync(html)) return false;
  const text = await readFile(html, 'utf8');
  const refs = [...text.matchAll(/(?:src|href)="(\.{1,2}\/[^"]+)"/g)].map((m) => resolve(dirname(html), m[1]));
  return refs.every((ref) => existsSync(ref));
}

/** The fixed public key lives with the host config (native-host/config.ts), read through tsx. */
async function chromiumExtensionKey() {
  const config = join(ROOT, 'native-host/config.ts');
  if (!existsSync(config)) return undefined;
  const { tsImport } = await import('tsx/esm/api');
  const module = await tsImport(pathToFileURL(config).href, import.meta.url);
  return module.CHROMIUM_EXTENSION_PUBLIC_KEY;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildAll().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
