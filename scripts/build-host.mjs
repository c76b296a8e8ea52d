#!/usr/bin/env node
/**
 * Bundle the native host and the CLI as ESM entry files with shared, lazily loaded chunks:
 *   native-host/main.ts     → dist/host/kyso-host.mjs   (what the browser starts, through the launcher)
 *   native-host/cli/main.ts → dist/host/cli.mjs         (what bin/kyso.mjs imports; exports `main`)
 *   everything behind a dynamic import() → dist/host/chunk-*.mjs, in the same folder (so code that finds
 *   files next to itself through import.meta.url, e.g. `kyso install`, sees the same folder as before)
 * Code splitting is what makes start-up cheap: the host's first reply (`host.hello`) and `kyso --help` load only
 * the transport, the dispatcher and the token layer; pdf.js, pdf-lib, fonts, XML and the verifiers are separate
 * chunks read when an operation first needs them (docs/benchmarks.md "Host cold start").
 * pkcs11js stays external: it is a native addon, loaded from node_modules at run time.
 * esbuild (vite's own bundler dependency) is used directly: one Node target, no HTML, no CSS.
 */
import { build } from 'esbuild';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const HOST_OUT_DIR = join(ROOT, 'dist', 'host');

/**
 * CommonJS dependencies bundled into ESM still call `require` for Node built-ins; give them one.
 * The names are prefixed so they cannot clash with the bundle's own identifiers.
 */
const BANNER = [
  "import { createRequire as __kysoCreateRequire } from 'node:module';",
  'const require = __kysoCreateRequire(import.meta.url);',
].join('\n');

/**
 * Engineers add CLI commands in parallel: a line in native-host/cli/commands/index.ts may name a module that
 * is not written yet. Rather than failing the whole build, such a command is bundled as a stub that says so.
 */
const missingCommandStub = {
  name: 'kyso-missing-command',
  setup(b) {
    b.onResolve({ filter: /^\.\/[a-z0-9-]+\.js$/ }, (args) => {
      if (!args.importer.endsWith(join('native-host', 'cli', 'commands', 'index.ts'))) return undefined;
      const source = join(dirname(args.importer), args.path.replace(/\.js$/, '.ts'));
      if (existsSync(source)) return undefined;
      console.warn(`build-host: ${args.path.replace(/\.js$/, '.ts')} not found; bundling a stub for that command`);
      return { path: args.path, namespace: 'kyso-missing-command' };
    });
    b.onLoad({ filter: /.*/, namespace: 'kyso-missing-command' }, (args) => ({
      contents: `export async function run() { process.stderr.write(${JSON.stringify(`kyso: this command (${args.path}) is not available in this build\n`)}); return 2; }`,
      loader: 'js',
    }));
  },
};

/**
 * The host's start-up in one chunk. esbuild's code splitting puts each module in a chunk per SET of entry points
 * that reach it, and every `import()` target is an entry point: the modules `host.hello` needs were spread over
 * ~15 files (one per set of lazy handlers also using them), and Node's ESM loader pays per file (resolution,
 * compilation: ~3 ms each on this machine, docs/benchmarks.md "Host cold start"). Here every relative `import()`
 * in the host's own code loads a wrapper that also imports the host core (native-host/host.ts, already evaluated
 * by then, so at run time this costs nothing): every start-up module is then reached by the same set of entry
 * points, and they land in ONE shared chunk. What each lazy handler alone needs stays in its own chunks.
 */
const HOST_CORE = join(ROOT, 'native-host', 'host.ts');
const startupInOneChunk = {
  name: 'kyso-startup-one-chunk',
  setup(b) {
    const ownCode = [join(ROOT, 'native-host') + '/', join(ROOT, 'shared') + '/'];
    b.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData?.kysoUnwrapped || !ownCode.some((dir) => args.importer.startsWith(dir))) return undefined;
      const target = await b.resolve(args.path, { kind: 'import-statement', importer: args.importer, resolveDir: args.resolveDir, pluginData: { kysoUnwrapped: true } });
      if (target.errors.length > 0 || target.external) return target.errors.length > 0 ? { errors: target.errors } : undefined;
      return { path: target.path, namespace: 'kyso-lazy' };
    });
    b.onLoad({ filter: /.*/, namespace: 'kyso-lazy' }, (args) => ({
      contents: `import ${JSON.stringify(HOST_CORE)};\nexport * from ${JSON.stringify(args.path)};\n`,
      loader: 'js',
      resolveDir: ROOT,
    }));
  },
};

/**
 * pkcs11js (CommonJS) through the bundle's `require` rather than a static ESM `import`: Node's ESM loader would
 * resolve it as an ES module import, run cjs-module-lexer over its index.js to find named exports and wrap it, before
 * the host can answer `host.hello`; `require` loads it directly (~3–4 ms less of a start on this machine,
 * docs/benchmarks.md "Fourth run"). Static imports of 'pkcs11js' become a small ES module whose default export is
 * that `require`'s result: an ES module, so esbuild does not copy the package's ~660 exports into a namespace object
 * with a getter each (`__toESM`, once per importing file: ~15 M instructions of a start, "Eighth run").
 * Its index.js itself ends with `module.exports = { ...pkcs11, PKCS11 }`, a spread of the addon's ~660 constants
 * into a new object, one hidden-class transition per property: ~0.7 MB of young-generation garbage (a scavenge)
 * and another ~15 M instructions. The host's copy of that file is bundled with the line written as
 * `pkcs11.PKCS11 = PKCS11; module.exports = pkcs11`: the same properties and values, on the addon's own exports
 * object, which nothing else holds (`import('pkcs11js')` in the driver probe's child and the token-call workers,
 * which dlopen the bare addon, are other instances). The addon is still required from node_modules at run time, by
 * the same file name, so a process that also loads the package itself dlopens it once. A pkcs11js whose index.js
 * no longer reads so is required as it is.
 */
const PKCS11JS_INDEX = join(ROOT, 'node_modules', 'pkcs11js', 'index.js');
const PKCS11JS_SPREAD = 'module.exports = { ...pkcs11, PKCS11 };';
const PKCS11JS_ADDON = 'require("./build/Release/pkcs11.node")';

/**
 * pkcs11js's index.js with its closing spread written as an assignment, or undefined when the file no longer reads
 * as expected (then it is bundled or required as it is). Also used by the single executable's bundle
 * (scripts/lib/package/executable.mjs), which carries pkcs11js's JavaScript too.
 */
export function pkcs11jsIndexWithoutSpread(source) {
  if (source.split(PKCS11JS_SPREAD).length !== 2) return undefined;
  return source.replace(PKCS11JS_SPREAD, 'pkcs11.PKCS11 = PKCS11;\nmodule.exports = pkcs11;');
}

/** pkcs11js's index.js as the host bundles it (exported for the start-up test that compares it with the package). */
export async function pkcs11jsIndexSource() {
  const source = pkcs11jsIndexWithoutSpread(await readFile(PKCS11JS_INDEX, 'utf8'));
  if (source === undefined || source.split(PKCS11JS_ADDON).length !== 2) {
    console.warn('build-host: pkcs11js/index.js is not the one expected; requiring it as it is');
    return "module.exports = require('pkcs11js');";
  }
  return source.replace(PKCS11JS_ADDON, 'require("pkcs11js/build/Release/pkcs11.node")');
}

const pkcs11jsByRequire = {
  name: 'kyso-pkcs11js-require',
  setup(b) {
    b.onResolve({ filter: /^pkcs11js$/ }, (args) => {
      if (args.kind === 'import-statement') return { path: 'pkcs11js', namespace: 'kyso-pkcs11js' };
      return { path: 'pkcs11js', external: true };
    });
    // The addon, required by the bundled index.js: stays a file in node_modules.
    b.onResolve({ filter: /^pkcs11js\// }, (args) => ({ path: args.path, external: true }));
    b.onResolve({ filter: /^kyso-pkcs11js-index$/ }, () => ({ path: 'pkcs11js/index.js', namespace: 'kyso-pkcs11js-index' }));
    b.onLoad({ filter: /.*/, namespace: 'kyso-pkcs11js' }, () => ({
      contents: "const pkcs11js = require('kyso-pkcs11js-index');\nexport default pkcs11js;",
      loader: 'js',
    }));
    b.onLoad({ filter: /.*/, namespace: 'kyso-pkcs11js-index' }, async () => ({ contents: await pkcs11jsIndexSource(), loader: 'js', resolveDir: dirname(PKCS11JS_INDEX) }));
  },
};

/**
 * @param {{ minify?: boolean, outDir?: string }} [options] outDir must sit inside the repository (so that
 *   `pkcs11js` resolves from node_modules); tests use node_modules/.cache/… to stay off dist/.
 */
export async function buildHost({ minify = false, outDir = HOST_OUT_DIR } = {}) {
  const started = Date.now();
  await mkdir(outDir, { recursive: true });
  // Chunk names carry a content hash: drop the previous build's, or the folder grows with every build.
  for (const name of await readdir(outDir)) if (/^chunk-[A-Z0-9]+\.mjs(\.map)?$/.test(name)) await rm(join(outDir, name), { force: true });
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['pkcs11js'],
    banner: { js: BANNER },
    sourcemap: 'linked',
    minify,
    logLevel: 'warning',
    legalComments: 'none',
    absWorkingDir: ROOT,
    plugins: [missingCommandStub, pkcs11jsByRequire],
  };
  // Two builds into one folder: shared with the CLI, the host's start-up modules would again split by which CLI
  // commands reach them. Code both use is therefore on disk twice (in chunks of different names).
  const split = { outdir: outDir, splitting: true, outExtension: { '.js': '.mjs' }, chunkNames: 'chunk-[hash]' };
  await build({ ...common, ...split, plugins: [...common.plugins, startupInOneChunk], entryPoints: { 'kyso-host': join(ROOT, 'native-host/main.ts') } });
  await build({ ...common, ...split, entryPoints: { cli: join(ROOT, 'native-host/cli/main.ts') } });
  return { outDir, hostPath: join(outDir, 'kyso-host.mjs'), cliPath: join(outDir, 'cli.mjs'), ms: Date.now() - started };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildHost().then(
    (r) => process.stdout.write(`build-host: ${r.hostPath} and ${r.cliPath} in ${r.ms} ms\n`),
    (error) => {
      process.stderr.write(`build-host: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
