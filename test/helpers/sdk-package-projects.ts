/**
 * Fresh projects that use the packed SDK exactly as a portal's developers would: `npm pack` of dist/sdk-package
 * (built by `npm run build`), the tarball installed with `npm install --offline` (the package has no
 * dependencies, so no registry is needed), then the project's own `tsc` and `vite build`. TypeScript and Vite come
 * from this repository's node_modules (run by path); everything else the projects see is the installed package.
 * The project sources are in test/fixtures/sdk-package/{vite-app,node-server}.
 */
import { execFile } from 'node:child_process';
import { cp, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, '../..');
export const SDK_PACKAGE_DIR = join(ROOT, 'dist/sdk-package');
const FIXTURES = join(ROOT, 'test/fixtures/sdk-package');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js');

export interface Command { readonly stdout: string; readonly stderr: string }

async function exec(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Command> {
  try {
    return await run(file, args, { cwd, env: { ...process.env, ...env }, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}\n${e.message}`);
  }
}

/** `npm pack` the built package into `dir`; returns the tarball's path and the files it holds. */
export async function packSdk(dir: string): Promise<{ tarball: string; files: string[] }> {
  const { stdout } = await exec('npm', ['pack', SDK_PACKAGE_DIR, '--pack-destination', dir, '--json'], dir);
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { tarball: join(dir, packed!.filename), files: packed!.files.map((f) => f.path).sort() };
}

/** Copy a fixture project into `dir` and install the tarball there, offline. */
async function createProject(fixture: 'vite-app' | 'node-server', dir: string, tarball: string): Promise<void> {
  await cp(join(FIXTURES, fixture), dir, { recursive: true });
  await exec('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-save', tarball], dir);
}

export interface ViteApp { readonly dir: string; readonly distDir: string; readonly typecheck: Command; readonly build: Command }

/**
 * A Vite + TypeScript app (index.html, src/main.ts importing '@kyso/sdk'), plus legacy.html that loads the
 * package's minified IIFE with a plain <script> tag (copied into public/, as a portal without a bundler does).
 */
export async function createViteApp(dir: string, tarball: string): Promise<ViteApp> {
  await createProject('vite-app', dir, tarball);
  await cp(join(dir, 'node_modules/@kyso/sdk/kyso.iife.min.js'), join(dir, 'public/kyso.iife.min.js'));
  const typecheck = await exec(process.execPath, [TSC, '-p', 'tsconfig.json'], dir);
  const build = await exec(process.execPath, [VITE, 'build', '--logLevel', 'warn'], dir);
  return { dir, distDir: join(dir, 'dist'), typecheck, build };
}

export interface NodeServer {
  readonly dir: string;
  readonly typecheck: Command;
  /** Run the compiled server check on a JSON input file; resolves with its JSON answer. */
  verify(inputPath: string): Promise<unknown>;
}

/** A Node ≥ 20 project (src/check-sign-in.ts importing '@kyso/sdk/server'), type-checked and compiled by tsc to dist/. */
export async function createNodeServer(dir: string, tarball: string): Promise<NodeServer> {
  await createProject('node-server', dir, tarball);
  // @types/node is the only thing not in the project: the repository's, named on the command line.
  const typecheck = await exec(process.execPath, [TSC, '-p', 'tsconfig.json', '--typeRoots', join(ROOT, 'node_modules/@types')], dir);
  return {
    dir, typecheck,
    verify: async (inputPath) => JSON.parse((await exec(process.execPath, [join(dir, 'dist/check-sign-in.js'), inputPath], dir)).stdout),
  };
}

/** Every file under `dir` (relative), for assertions on what a build produced. */
export async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}
