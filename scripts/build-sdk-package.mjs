/**
 * The publishable SDK package `@kyso/sdk` (sdk/package.json) in dist/sdk-package/, ready for `npm pack`:
 *   kyso.js + kyso.d.ts        ESM for bundlers (Vite, webpack…) — the same file as dist/sdk/kyso.js
 *   kyso.iife.min.js           minified classic script for a <script> tag, global `Kyso`
 *   server.js + server.d.ts    `@kyso/sdk/server` for Node ≥ 20 (verifyAuthToken, verify), no dependencies
 * Every file is self-contained (dependencies bundled), so installing the tarball needs no registry.
 * Called by scripts/build.mjs after dist/sdk/ is built; the version is the repository's.
 */
import { build } from 'vite';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function buildSdkPackage({ root, sdkDir, version, define }) {
  const out = join(root, 'dist/sdk-package');
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  for (const file of ['kyso.js', 'kyso.d.ts', 'server.js', 'server.d.ts']) await cp(join(sdkDir, file), join(out, file));
  await build({
    configFile: false, logLevel: 'warn', define, root, publicDir: false,
    build: {
      emptyOutDir: false, outDir: out, minify: true, sourcemap: false, target: 'es2022', reportCompressedSize: false,
      lib: { entry: join(root, 'sdk/kyso.ts'), name: 'Kyso', formats: ['iife'], fileName: () => 'kyso.iife.min.js' },
    },
  });
  const manifest = JSON.parse(await readFile(join(root, 'sdk/package.json'), 'utf8'));
  manifest.version = version;
  await writeFile(join(out, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  await cp(join(root, 'sdk/README.md'), join(out, 'README.md'));
  return out;
}
