/**
 * Browser links: which browsers are installed, and per browser the host manifest (present, valid JSON), the
 * extension id it allows, the launcher it points at, and whether that launcher starts a host that answers.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { NATIVE_HOST_NAME } from '../../shared/native-host-name.js';
import { CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID } from '../config.js';
import { manifestDirectory, type Browser } from './host-manifest.js';
import { both, check, type CheckResult } from './doctor-check.js';

const HELLO_TIMEOUT_MS = 5000;

/** Executable names each browser installs on Linux, and its macOS application bundle. */
const BROWSER_PROGRAMS: Record<Browser, { readonly linux: readonly string[]; readonly mac: string }> = {
  chromium: { linux: ['chromium', 'chromium-browser'], mac: '/Applications/Chromium.app' },
  chrome: { linux: ['google-chrome', 'google-chrome-stable'], mac: '/Applications/Google Chrome.app' },
  edge: { linux: ['microsoft-edge', 'microsoft-edge-stable'], mac: '/Applications/Microsoft Edge.app' },
  firefox: { linux: ['firefox', 'firefox-esr'], mac: '/Applications/Firefox.app' },
};

/** Where a browser's program is, or undefined when it is not installed (PATH search; /Applications on macOS). */
export function findBrowserProgram(browser: Browser, env: NodeJS.ProcessEnv = process.env, platform = process.platform): string | undefined {
  const programs = BROWSER_PROGRAMS[browser];
  if (platform === 'darwin') return existsSync(programs.mac) ? programs.mac : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of programs.linux) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch { /* not here */ }
    }
  }
  return undefined;
}

export function checkBrowsersFound(browsers: readonly Browser[], env: NodeJS.ProcessEnv = process.env): CheckResult {
  const found = browsers.flatMap((b) => {
    const program = findBrowserProgram(b, env);
    return program ? [{ browser: b, program }] : [];
  });
  const list = found.map((f) => `${f.browser} (${f.program})`).join(', ');
  return found.length
    ? check('browsers', 'ok', { vi: 'trình duyệt', en: 'browsers' }, both(list), { details: { found } })
    : check('browsers', 'warn', { vi: 'trình duyệt', en: 'browsers' },
      { vi: `không tìm thấy ${browsers.join(', ')} trên máy này`, en: `none of ${browsers.join(', ')} found on this computer` },
      { hint: { vi: 'cài Chrome, Edge, Chromium hoặc Firefox', en: 'install Chrome, Edge, Chromium or Firefox' }, details: { found } });
}

/** Start a launcher as the browser would, send host.hello, and wait for a well-formed reply. */
export function probeLauncher(launcher: string, callerArgs: readonly string[]): Promise<{ ok: boolean; detail: string; hostVersion?: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (ok: boolean, detail: string, hostVersion?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdin.end();
      child.kill();
      resolve({ ok, detail, ...(hostVersion ? { hostVersion } : {}) });
    };
    const child = spawn(launcher, [...callerArgs], { stdio: ['pipe', 'pipe', 'ignore'] });
    const timer = setTimeout(() => finish(false, `no reply within ${HELLO_TIMEOUT_MS} ms`), HELLO_TIMEOUT_MS);
    let out = Buffer.alloc(0);
    child.on('error', (error) => finish(false, `cannot start: ${error.message}`));
    child.on('exit', (code) => finish(false, `exited (${code}) without a reply`));
    child.stdin.on('error', () => undefined);
    child.stdout.on('data', (chunk: Buffer) => {
      out = Buffer.concat([out, chunk]);
      if (out.length < 4) return;
      const n = out.readUInt32LE(0);
      if (n > 1024 * 1024) return finish(false, 'stdout does not carry protocol frames (something prints to stdout)');
      if (out.length < 4 + n) return;
      try {
        const reply = JSON.parse(out.subarray(4, 4 + n).toString('utf8')) as { type?: string; payload?: { hostVersion?: string }; error?: { code?: string } };
        if (reply.type === 'host.result') finish(true, `host ${reply.payload?.hostVersion ?? '?'} answered`, reply.payload?.hostVersion);
        else finish(false, `host answered ${reply.error?.code ?? reply.type ?? 'something unexpected'}`);
      } catch {
        finish(false, 'stdout does not carry protocol frames (something prints to stdout)');
      }
    });
    const body = Buffer.from(JSON.stringify({ v: 1, id: 'doctor', type: 'host.hello', payload: { extensionVersion: 'doctor' } }));
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length, 0);
    child.stdin.write(Buffer.concat([head, body]));
  });
}

/** The links of one browser: manifest, extension id, launcher, host answers. Stops at the first broken one. */
export async function checkBrowser(browser: Browser, options: { userDataDir?: string }): Promise<CheckResult[]> {
  const where = `${browser}${options.userDataDir ? ` (${options.userDataDir})` : ''}`;
  const install = `kyso install --browser ${browser}${options.userDataDir ? ` --user-data-dir ${options.userDataDir}` : ''}`;
  const reinstall = { vi: `chạy lại: ${install}`, en: install };
  const manifestPath = join(manifestDirectory(browser, options.userDataDir ? { userDataDir: options.userDataDir } : {}), `${NATIVE_HOST_NAME}.json`);
  const registration = { vi: `${where}: đăng ký`, en: `${where}: registration` };
  if (!existsSync(manifestPath)) {
    return [check(`manifest:${browser}`, 'skip', registration,
      { vi: `chưa đăng ký Kyso với trình duyệt này: không có tệp ${manifestPath}`, en: `no ${manifestPath}` },
      { hint: { vi: `chạy: ${install}`, en: install }, details: { browser, manifestPath, problem: 'missing' } })];
  }
  let manifest: { name?: unknown; path?: unknown; type?: unknown; allowed_origins?: unknown; allowed_extensions?: unknown };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as typeof manifest;
  } catch {
    return [check(`manifest:${browser}`, 'fail', registration,
      { vi: `${manifestPath} không phải JSON hợp lệ`, en: `${manifestPath} is not JSON` }, { hint: reinstall, details: { browser, manifestPath, problem: 'notJson' } })];
  }
  const results: CheckResult[] = [];
  const problems: Array<{ vi: string; en: string }> = [];
  if (manifest.name !== NATIVE_HOST_NAME) problems.push({ vi: `tên không phải ${NATIVE_HOST_NAME}`, en: `name is not ${NATIVE_HOST_NAME}` });
  if (manifest.type !== 'stdio') problems.push({ vi: 'type không phải stdio', en: 'type is not stdio' });
  results.push(problems.length
    ? check(`manifest:${browser}`, 'fail', registration,
      { vi: `${manifestPath}: ${problems.map((p) => p.vi).join('; ')}`, en: `${manifestPath}: ${problems.map((p) => p.en).join('; ')}` },
      { hint: reinstall, details: { browser, manifestPath, problem: 'malformed' } })
    : check(`manifest:${browser}`, 'ok', registration, both(manifestPath), { details: { browser, manifestPath } }));

  // The extension id link: Chrome refuses a host whose allowed_origins does not name the calling extension
  // ("Access to the specified native messaging host is forbidden"), Firefox likewise with allowed_extensions.
  const allowed = browser === 'firefox' ? manifest.allowed_extensions : manifest.allowed_origins;
  const expected = browser === 'firefox' ? FIREFOX_EXTENSION_ID : `chrome-extension://${CHROMIUM_EXTENSION_ID}/`;
  const allowedList = Array.isArray(allowed) ? allowed.filter((a): a is string => typeof a === 'string') : [];
  const extensionName = { vi: `${where}: mã tiện ích được phép`, en: `${where}: extension id` };
  results.push(allowedList.includes(expected)
    ? check(`extension-id:${browser}`, 'ok', extensionName, both(expected), { details: { browser, expected, allowed: allowedList } })
    : check(`extension-id:${browser}`, 'fail', extensionName, allowedList.length
      ? { vi: `tệp đăng ký không cho phép tiện ích Kyso (${expected}); nó cho phép ${allowedList.join(', ')}`, en: `does not allow the Kyso extension (${expected}); it allows ${allowedList.join(', ')}` }
      : { vi: `tệp đăng ký không cho phép tiện ích nào (cần ${expected})`, en: `no allowed extension (expected ${expected})` },
    { hint: reinstall, details: { browser, expected, allowed: allowedList } }));
  if (!allowedList.includes(expected)) return results;

  const launcher = typeof manifest.path === 'string' ? manifest.path : '';
  const launcherName = { vi: `${where}: chương trình khởi chạy`, en: `${where}: launcher` };
  if (!launcher.startsWith('/')) {
    results.push(check(`launcher:${browser}`, 'fail', launcherName,
      { vi: 'đường dẫn trong tệp đăng ký không phải đường dẫn tuyệt đối', en: 'manifest path is not absolute' }, { hint: reinstall, details: { browser, launcher } }));
    return results;
  }
  if (!existsSync(launcher)) {
    results.push(check(`launcher:${browser}`, 'fail', launcherName,
      { vi: `tệp đăng ký trỏ tới ${launcher}, tệp này không tồn tại (Kyso đã bị di chuyển hoặc xoá?)`, en: `the manifest points at ${launcher}, which does not exist (was Kyso moved or removed?)` },
      { hint: reinstall, details: { browser, launcher, problem: 'missing' } }));
    return results;
  }
  try {
    accessSync(launcher, constants.X_OK);
  } catch {
    results.push(check(`launcher:${browser}`, 'fail', launcherName,
      { vi: `${launcher} không có quyền chạy`, en: `${launcher} missing or not executable` }, { hint: reinstall, details: { browser, launcher, problem: 'notExecutable' } }));
    return results;
  }
  const caller = browser === 'firefox' ? [manifestPath, FIREFOX_EXTENSION_ID] : [`chrome-extension://${CHROMIUM_EXTENSION_ID}/`];
  const probe = await probeLauncher(launcher, caller);
  results.push(check(`host:${browser}`, probe.ok ? 'ok' : 'fail', { vi: `${where}: host trả lời`, en: `${where}: host answers` },
    probe.ok
      ? { vi: `${launcher}: host ${probe.hostVersion ?? '?'} đã trả lời`, en: `${launcher}: ${probe.detail}` }
      : { vi: `${launcher}: host không trả lời đúng (${probe.detail})`, en: `${launcher}: ${probe.detail}` },
    { ...(probe.ok ? {} : { hint: { vi: 'npm run build, rồi chạy lại kyso install', en: 'npm run build, then kyso install again' } }), details: { browser, launcher, ...(probe.hostVersion ? { hostVersion: probe.hostVersion } : {}) } }));
  return results;
}
