/**
 * `kyso install --browser chromium|chrome|edge|firefox [--user-data-dir DIR] [--extension-id ID]…
 *   [--host PATH] [--node PATH] [--launcher-dir DIR] [--pkcs11-module PATH] [--env NAME=VALUE]…`
 * `kyso uninstall --browser … [--user-data-dir DIR] [--launcher-dir DIR]`
 *
 * Registers the native host with a browser: writes the launcher script and the host manifest
 * `vn.kyso.host.json` (see install/host-manifest.ts for the folders), and prints what it wrote.
 */
import { parseArgs, promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KysoError } from '../../../shared/errors/kyso-error.js';
import { NATIVE_HOST_NAME } from '../../../shared/native-host-name.js';
import { ALLOWED_EXTENSIONS_ENV, CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID, PKCS11_MODULE_ENV } from '../../config.js';
import { BROWSERS, hostManifest, manifestDirectory, type Browser } from '../../install/host-manifest.js';
import { launcherScript } from '../../install/launcher.js';
import { runningAsSingleExecutable } from '../../single-executable.js';
import {
  nativeHostRegistryValues, regAddArgs, regDeleteArgs, windowsManifestPath, windowsUserDataDir,
} from '../../install/windows-registry.js';

const OPTIONS = {
  browser: { type: 'string' },
  'user-data-dir': { type: 'string' },
  'extension-id': { type: 'string', multiple: true },
  host: { type: 'string' },
  node: { type: 'string' },
  'launcher-dir': { type: 'string' },
  'pkcs11-module': { type: 'string' },
  env: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

const USAGE = `Usage: kyso install --browser chromium|chrome|edge|firefox [options]
  --user-data-dir DIR    the browser profile to register in (Chromium family: DIR/NativeMessagingHosts)
  --extension-id ID      allowed extension (repeatable); default the Kyso extension
  --host PATH            the built host (default dist/host/kyso-host.mjs next to this CLI)
  --node PATH            Node.js to run it with (default: this one)
  --launcher-dir DIR     where to write the launcher (default next to the profile, or ~/.local/share/kyso)
  --pkcs11-module PATH   token driver(s) for the host (${PKCS11_MODULE_ENV})
  --env NAME=VALUE       extra environment for the host (repeatable)
       kyso uninstall --browser … [--user-data-dir DIR] [--launcher-dir DIR]
`;

interface Parsed {
  readonly browser: Browser;
  readonly userDataDir: string | undefined;
  readonly launcherDir: string;
  readonly values: ReturnType<typeof parse>['values'];
}

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true });
  } catch (error) {
    throw new KysoError('BAD_REQUEST', { problem: error instanceof Error ? error.message.slice(0, 200) : 'bad arguments' });
  }
}

function common(argv: string[]): Parsed | undefined {
  const { values } = parse(argv);
  if (values.help) {
    process.stdout.write(USAGE);
    return undefined;
  }
  const browser = values.browser;
  if (!browser || !(BROWSERS as readonly string[]).includes(browser)) {
    throw new KysoError('BAD_REQUEST', { field: 'browser', problem: `one of ${BROWSERS.join(', ')}` });
  }
  const userDataDir = values['user-data-dir'] ? resolve(values['user-data-dir']) : undefined;
  if (userDataDir && process.platform === 'win32') {
    throw new KysoError('BAD_REQUEST', { field: 'user-data-dir', problem: 'on Windows the browser reads the registry (HKCU), not the profile folder' });
  }
  if (userDataDir && browser === 'firefox') {
    // Firefox reads host manifests from $HOME only; a temporary profile needs a temporary HOME instead.
    throw new KysoError('BAD_REQUEST', { field: 'user-data-dir', problem: 'Firefox reads ~/.mozilla/native-messaging-hosts; set HOME instead' });
  }
  const launcherDir = values['launcher-dir'] ? resolve(values['launcher-dir'])
    : userDataDir ? join(userDataDir, 'kyso')
    : process.platform === 'darwin' ? join(homedir(), 'Library', 'Application Support', 'Kyso')
    : join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'kyso');
  return { browser: browser as Browser, userDataDir, launcherDir, values };
}

/** Kept here for callers that import it from the install command; the decision lives in single-executable.ts. */
export { runningAsSingleExecutable };

/** The bundled host next to this CLI bundle (dist/host/), or found from the source tree in development. */
export function locateHostScript(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'kyso-host.mjs')];
  for (let dir = here, i = 0; i < 6; i++, dir = dirname(dir)) candidates.push(join(dir, 'dist', 'host', 'kyso-host.mjs'));
  return candidates.find((p) => existsSync(p));
}

function parseEnv(entries: readonly string[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new KysoError('BAD_REQUEST', { field: 'env', problem: 'NAME=VALUE expected' });
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = common(argv);
  if (!parsed) return 0;
  const { browser, userDataDir, launcherDir, values } = parsed;

  const defaultId = browser === 'firefox' ? FIREFOX_EXTENSION_ID : CHROMIUM_EXTENSION_ID;
  const ids = values['extension-id']?.length ? [...new Set(values['extension-id'])] : [defaultId];
  for (const id of ids) {
    const ok = browser === 'firefox' ? /^(?:[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+|\{[0-9a-fA-F-]{36}\})$/.test(id) : /^[a-p]{32}$/.test(id);
    if (!ok) throw new KysoError('BAD_REQUEST', { field: 'extension-id', problem: browser === 'firefox' ? 'add-on id expected' : '32 letters a-p expected' });
  }

  const env = parseEnv(values.env);
  if (values['pkcs11-module']) env[PKCS11_MODULE_ENV] = values['pkcs11-module'];
  // The host checks its caller again; an extension id it was not built with must be admitted explicitly.
  const extra = ids.filter((id) => id !== CHROMIUM_EXTENSION_ID && id !== FIREFOX_EXTENSION_ID);
  if (extra.length) env[ALLOWED_EXTENSIONS_ENV] = [...new Set([...(env[ALLOWED_EXTENSIONS_ENV]?.split(',') ?? []), ...extra])].filter(Boolean).join(',');

  // The single executable is the host itself; otherwise Node runs the bundled host script.
  const singleExecutable = !values.host && runningAsSingleExecutable();
  const hostScript = singleExecutable ? process.execPath : values.host ? resolve(values.host) : locateHostScript();
  if (!hostScript || !existsSync(hostScript)) {
    throw new KysoError('HOST_NOT_INSTALLED', { problem: 'dist/host/kyso-host.mjs not found; run "npm run build" first' });
  }
  const nodePath = values.node ?? process.execPath;
  if (!singleExecutable && !isAbsolute(nodePath)) throw new KysoError('BAD_REQUEST', { field: 'node', problem: 'absolute path expected' });

  if (process.platform === 'win32') {
    if (Object.keys(env).length) throw new KysoError('BAD_REQUEST', { field: 'env', problem: 'on Windows set environment variables for the user instead (setx NAME VALUE)' });
    const plan = windowsInstallPlan({ browser, localAppData: process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), hostPath: hostScript, singleExecutable, nodePath, ids });
    await mkdir(plan.dir, { recursive: true });
    if (plan.launcher) await writeFile(plan.launcher.path, plan.launcher.text);
    await writeFile(plan.manifestPath, `${JSON.stringify(plan.manifest, null, 2)}\n`);
    await promisify(execFile)('reg', plan.regArgs, { windowsHide: true });
    process.stdout.write(`Kyso host registered for ${browser} (HKCU)\n  manifest: ${plan.manifestPath}\n  host:     ${plan.manifest.path}\n  allowed:  ${ids.join(', ')}\n`);
    return 0;
  }

  // The manifest names the executable itself when nothing else is needed; a launcher script carries environment.
  let launcherPath = hostScript;
  if (!singleExecutable || Object.keys(env).length) {
    launcherPath = join(launcherDir, 'kyso-host');
    await mkdir(launcherDir, { recursive: true });
    const script = singleExecutable ? launcherScript({ executable: hostScript, env }) : launcherScript({ nodePath, hostScript, env });
    await writeFile(launcherPath, script, { mode: 0o755 });
    await chmod(launcherPath, 0o755);
  }

  const manifestDir = manifestDirectory(browser, userDataDir ? { userDataDir } : {});
  const manifestPath = join(manifestDir, `${NATIVE_HOST_NAME}.json`);
  await mkdir(manifestDir, { recursive: true });
  await writeFile(manifestPath, `${JSON.stringify(hostManifest(browser, launcherPath, ids), null, 2)}\n`);

  process.stdout.write(
    `Kyso host registered for ${browser}${userDataDir ? ` (profile ${userDataDir})` : ''}\n`
    + `  manifest: ${manifestPath}\n  launcher: ${launcherPath}\n  host:     ${hostScript}\n`
    + `  allowed:  ${ids.join(', ')}\n`
    + (Object.keys(env).length ? `  env:      ${Object.keys(env).join(', ')}\n` : ''),
  );
  return 0;
}

/** `kyso uninstall`: remove the manifest and the launcher this command wrote. */
export async function uninstall(argv: string[]): Promise<number> {
  const parsed = common(argv);
  if (!parsed) return 0;
  const { browser, userDataDir, launcherDir } = parsed;
  if (process.platform === 'win32') {
    const dir = windowsUserDataDir(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'));
    await promisify(execFile)('reg', regDeleteArgs('HKCU', browser), { windowsHide: true }).catch(() => undefined);
    process.stdout.write(`Removed HKCU registration for ${browser} (files stay in ${dir} while another browser may use them).\n`);
    return 0;
  }
  const manifestPath = join(manifestDirectory(browser, userDataDir ? { userDataDir } : {}), `${NATIVE_HOST_NAME}.json`);
  const launcherPath = join(launcherDir, 'kyso-host');
  const removed: string[] = [];
  for (const path of [manifestPath, launcherPath]) {
    if (existsSync(path)) {
      await rm(path, { force: true });
      removed.push(path);
    }
  }
  process.stdout.write(removed.length ? `Removed:\n${removed.map((p) => `  ${p}\n`).join('')}` : 'Nothing to remove.\n');
  return 0;
}

export interface WindowsInstallPlan {
  readonly dir: string;
  readonly manifestPath: string;
  readonly manifest: ReturnType<typeof hostManifest>;
  /** A .bat that starts Node on the host script, when not running as the single executable. */
  readonly launcher: { readonly path: string; readonly text: string } | undefined;
  readonly regArgs: string[];
}

/**
 * What `kyso install` does on Windows, as data (unit-tested on every OS): the manifest in %LOCALAPPDATA%\Kyso and
 * the HKCU key naming it. Chrome starts a .bat through cmd.exe [Chrome "Native messaging", Windows example].
 */
export function windowsInstallPlan(options: { browser: Browser; localAppData: string; hostPath: string; singleExecutable: boolean; nodePath: string; ids: readonly string[] }): WindowsInstallPlan {
  const dir = windowsUserDataDir(options.localAppData);
  const launcher = options.singleExecutable ? undefined : {
    path: `${dir}\\kyso-host.bat`,
    text: `@echo off\r\n"${options.nodePath}" "${options.hostPath}" %*\r\n`,
  };
  const manifestPath = windowsManifestPath(dir, options.browser);
  const manifest = hostManifest(options.browser, launcher ? launcher.path : options.hostPath, options.ids);
  const [value] = nativeHostRegistryValues('HKCU', dir, [options.browser]);
  return { dir, manifestPath, manifest, launcher, regArgs: regAddArgs(value!) };
}
