/**
 * `kyso doctor` checks, each answering one question a support call would ask: is the host built, is it
 * registered with the browser, does the registered launcher really start a host that answers, can the token
 * driver be loaded, is a token plugged in, does it hold a usable certificate.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NATIVE_HOST_NAME } from '../../shared/native-host-name.js';
import { CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID } from '../config.js';
import { BROWSERS, manifestDirectory, type Browser } from './host-manifest.js';
import { TokenService } from '../token/token-service.js';
import type { DriverStatus } from '../token/drivers/driver-status.js';
import { driverHealthFile } from '../token/drivers/driver-health.js';
import { serializeError } from '../../shared/errors/kyso-error.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to do about it, when not ok. */
  readonly hint?: string;
}

const HELLO_TIMEOUT_MS = 5000;

/** Start a launcher as the browser would, send host.hello, and wait for a well-formed reply. */
export function probeLauncher(launcher: string, callerArgs: readonly string[]): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (ok: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdin.end();
      child.kill();
      resolve({ ok, detail });
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
        if (reply.type === 'host.result') finish(true, `host ${reply.payload?.hostVersion ?? '?'} answered`);
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

export async function checkBrowser(browser: Browser, options: { userDataDir?: string }): Promise<CheckResult[]> {
  const name = `${browser}${options.userDataDir ? ` (${options.userDataDir})` : ''}`;
  const manifestPath = join(manifestDirectory(browser, options.userDataDir ? { userDataDir: options.userDataDir } : {}), `${NATIVE_HOST_NAME}.json`);
  if (!existsSync(manifestPath)) {
    return [{ name: `${name}: registration`, status: 'skip', detail: `no ${manifestPath}`, hint: `kyso install --browser ${browser}${options.userDataDir ? ` --user-data-dir ${options.userDataDir}` : ''}` }];
  }
  let manifest: { name?: unknown; path?: unknown; type?: unknown; allowed_origins?: unknown; allowed_extensions?: unknown };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as typeof manifest;
  } catch {
    return [{ name: `${name}: registration`, status: 'fail', detail: `${manifestPath} is not JSON`, hint: `kyso install --browser ${browser}` }];
  }
  const results: CheckResult[] = [];
  const allowed = browser === 'firefox' ? manifest.allowed_extensions : manifest.allowed_origins;
  const expected = browser === 'firefox' ? FIREFOX_EXTENSION_ID : `chrome-extension://${CHROMIUM_EXTENSION_ID}/`;
  const problems: string[] = [];
  if (manifest.name !== NATIVE_HOST_NAME) problems.push(`name is not ${NATIVE_HOST_NAME}`);
  if (manifest.type !== 'stdio') problems.push('type is not stdio');
  if (!Array.isArray(allowed) || allowed.length === 0) problems.push('no allowed extension');
  else if (!allowed.includes(expected)) problems.push(`does not allow the Kyso extension (${expected})`);
  results.push(problems.length
    ? { name: `${name}: registration`, status: 'fail', detail: `${manifestPath}: ${problems.join('; ')}`, hint: `kyso install --browser ${browser}` }
    : { name: `${name}: registration`, status: 'ok', detail: manifestPath });

  const launcher = typeof manifest.path === 'string' ? manifest.path : '';
  if (!launcher.startsWith('/')) {
    results.push({ name: `${name}: launcher`, status: 'fail', detail: 'manifest path is not absolute', hint: `kyso install --browser ${browser}` });
    return results;
  }
  try {
    accessSync(launcher, constants.X_OK);
  } catch {
    results.push({ name: `${name}: launcher`, status: 'fail', detail: `${launcher} missing or not executable`, hint: `kyso install --browser ${browser}` });
    return results;
  }
  const caller = browser === 'firefox' ? [manifestPath, FIREFOX_EXTENSION_ID] : [`chrome-extension://${CHROMIUM_EXTENSION_ID}/`];
  const probe = await probeLauncher(launcher, caller);
  results.push({ name: `${name}: host answers`, status: probe.ok ? 'ok' : 'fail', detail: `${launcher}: ${probe.detail}`, ...(probe.ok ? {} : { hint: 'npm run build, then kyso install again' }) });
  return results;
}

const FOUND_BY_TEXT: Record<NonNullable<DriverStatus['foundBy']>, string> = {
  environment: 'from KYSO_PKCS11_MODULE',
  'config-file': 'from the config file',
  'p11-kit': 'registered with p11-kit',
  'known-path': 'known driver location',
};

/** One line per driver: what it is, how it was found, and why it was skipped if it was. */
export function driverCheck(m: DriverStatus, anotherLoaded: boolean): CheckResult {
  const how = m.foundBy ? ` (${FOUND_BY_TEXT[m.foundBy]}${m.registeredIn ? `: ${m.registeredIn}` : ''})` : '';
  const what = `${m.vendor ? `${m.vendor}: ` : ''}${m.path}${how}`;
  if (m.loaded) return { name: 'token driver', status: 'ok', detail: `${what}${m.library ? ` — ${m.library}` : ''}` };
  const hint = m.error === 'DRIVER_HUNG' || m.error === 'DRIVER_CRASHED'
    ? `install the newest driver from the token's maker, or remove this one; Kyso tries it again when the file changes (or delete ${driverHealthFile()} to try now)`
    : m.error === 'DRIVER_NOT_FOR_THIS_CPU'
      ? `install the driver built for this computer (${process.arch})`
      : m.error?.startsWith('CKR_')
        ? 'the driver loaded but refused to start: reinstall it from the token\'s maker (its reader service may not be running)'
        : 'check the driver path and that it matches this computer (64-bit)';
  // A broken driver next to a working one does not stop signing: a warning, not a failure.
  return { name: 'token driver', status: anotherLoaded ? 'warn' : 'fail', detail: `${what}: ${m.error ?? 'not loaded'}${m.detail ? ` — ${m.detail}` : ''}`, hint };
}

export async function checkToken(): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const service = new TokenService();
  try {
    const modules = service.modules();
    if (modules.length === 0) {
      results.push({
        name: 'token driver', status: 'fail', detail: 'no PKCS#11 module configured or found',
        hint: 'install the token driver (docs/tokens.md lists where Kyso looks), or set KYSO_PKCS11_MODULE / ~/.config/kyso/config.json',
      });
      return results;
    }
    const anyLoaded = modules.some((m) => m.loaded);
    for (const m of modules) results.push(driverCheck(m, anyLoaded));
    if (!modules.some((m) => m.loaded)) return results;
    const tokens = await service.listTokens();
    if (tokens.length === 0) {
      results.push({ name: 'token', status: 'fail', detail: 'no token plugged in', hint: 'plug in the USB token' });
      return results;
    }
    for (const t of tokens) {
      const state = t.flags.userPinLocked ? 'PIN LOCKED' : t.flags.userPinFinalTry ? 'one PIN try left' : t.flags.userPinCountLow ? 'a wrong PIN was entered' : 'PIN ok';
      results.push({
        name: 'token', status: t.flags.userPinLocked ? 'fail' : t.flags.userPinFinalTry || t.flags.userPinCountLow ? 'warn' : 'ok',
        detail: `${t.label} (${t.manufacturer} ${t.model}, serial ${t.serialNumber}${t.driver ? `, driver ${t.driver.file}` : ''}): ${state}`,
        ...(t.flags.userPinLocked ? { hint: 'ask your certificate authority to unlock it' } : {}),
      });
    }
    const certs = await service.listCertificates();
    const usable = certs.filter((c) => c.unusableReasons.length === 0);
    results.push(usable.length
      ? { name: 'certificates', status: 'ok', detail: `${usable.length} usable: ${usable.map((c) => `${c.subject.commonName ?? c.id} [${c.subject.identifiers.all.join(', ')}] until ${c.notAfter.slice(0, 10)}`).join('; ')}` }
      : { name: 'certificates', status: 'fail', detail: `${certs.length} found, none usable (${[...new Set(certs.flatMap((c) => c.unusableReasons))].join(', ') || 'none on the token'})`, hint: 'renew the certificate with your certificate authority' });
  } catch (error) {
    const e = serializeError(error, 'en');
    results.push({ name: 'token', status: 'fail', detail: `${e.code}: ${e.messageEn}` });
  } finally {
    service.close();
  }
  return results;
}

export async function runDoctor(options: { browsers?: readonly Browser[]; userDataDir?: string; hostScript?: string | undefined }): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const [major] = process.versions.node.split('.').map(Number);
  results.push((major ?? 0) >= 20
    ? { name: 'node', status: 'ok', detail: `Node.js ${process.versions.node}` }
    : { name: 'node', status: 'fail', detail: `Node.js ${process.versions.node}`, hint: 'install Node.js 20 or later' });
  results.push(options.hostScript
    ? { name: 'host build', status: 'ok', detail: options.hostScript }
    : { name: 'host build', status: 'fail', detail: 'dist/host/kyso-host.mjs not found', hint: 'npm run build' });
  for (const browser of options.browsers ?? BROWSERS) {
    results.push(...await checkBrowser(browser, options.userDataDir ? { userDataDir: options.userDataDir } : {}));
  }
  results.push(...await checkToken());
  return results;
}
