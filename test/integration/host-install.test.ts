/**
 * `kyso install` / `kyso uninstall` from the built CLI: the files a browser reads, and a launcher that really
 * starts the host (spoken to over stdio with the caller argument Chrome passes).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { buildTestHost, CHROME_CALLER, frame, type BuiltHost } from '../helpers/host-process.js';
import { CHROMIUM_EXTENSION_ID, CHROMIUM_EXTENSION_PUBLIC_KEY } from '../../native-host/config.js';
import { spawn } from 'node:child_process';

const run = promisify(execFile);
let token: DemoToken;
let built: BuiltHost;

beforeAll(async () => {
  [token, built] = await Promise.all([createDemoToken(), buildTestHost()]);
});

function kyso(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, ['-e', `import(${JSON.stringify(built.cliPath)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`, ...args], {
    env: { ...process.env, ...env },
  }).then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
}

/** Start the launcher as Chrome would and ask hello; resolves with the reply. */
function helloThroughLauncher(launcher: string, caller: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(launcher, [caller], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = Buffer.alloc(0);
    child.stdout.on('data', (d: Buffer) => {
      out = Buffer.concat([out, d]);
      if (out.length >= 4 && out.length >= 4 + out.readUInt32LE(0)) {
        child.stdin.end();
        resolve(JSON.parse(out.subarray(4, 4 + out.readUInt32LE(0)).toString('utf8')));
      }
    });
    child.on('error', reject);
    child.stdin.write(frame({ v: 1, id: 'h1', type: 'host.listTokens', payload: {} }));
  });
}

describe('fixed Chromium extension id', () => {
  it('is derived from the public key in config.ts (SHA-256, first 32 hex digits mapped to a-p)', () => {
    const hex = createHash('sha256').update(Buffer.from(CHROMIUM_EXTENSION_PUBLIC_KEY, 'base64')).digest('hex').slice(0, 32);
    expect([...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('')).toBe(CHROMIUM_EXTENSION_ID);
  });
});

describe('kyso install', () => {
  it('registers the host in a Chromium profile; the launcher starts a working host', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'kyso-profile-'));
    const result = await kyso(['install', '--browser', 'chromium', '--user-data-dir', profile, '--pkcs11-module', token.module, '--env', `SOFTHSM2_CONF=${token.softhsm2Conf}`]);
    expect(result.code).toBe(0);
    const manifestPath = join(profile, 'NativeMessagingHosts', 'vn.kyso.host.json');
    expect(result.stdout).toContain(manifestPath);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    expect(manifest).toMatchObject({ name: 'vn.kyso.host', type: 'stdio', allowed_origins: [CHROME_CALLER] });
    expect(manifest.path.startsWith('/')).toBe(true);
    expect(statSync(manifest.path).mode & 0o111).not.toBe(0);
    const reply = await helloThroughLauncher(manifest.path, CHROME_CALLER);
    expect(reply.type).toBe('host.result');
    expect(reply.payload.tokens.map((t: { label: string }) => t.label)).toEqual(['Kyso Demo']);

    const removed = await kyso(['uninstall', '--browser', 'chromium', '--user-data-dir', profile]);
    expect(removed.code).toBe(0);
    expect(existsSync(manifestPath)).toBe(false);
    expect(existsSync(manifest.path)).toBe(false);
  });

  it('registers for Firefox in $HOME/.mozilla/native-messaging-hosts with allowed_extensions', async () => {
    const home = mkdtempSync(join(tmpdir(), 'kyso-home-'));
    const result = await kyso(['install', '--browser', 'firefox'], { HOME: home, XDG_DATA_HOME: '' });
    expect(result.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(home, '.mozilla', 'native-messaging-hosts', 'vn.kyso.host.json'), 'utf8'));
    expect(manifest.allowed_extensions).toEqual(['kyso@kyso.vn']);
    expect(manifest.allowed_origins).toBeUndefined();
    expect(manifest.path).toBe(join(home, '.local', 'share', 'kyso', 'kyso-host'));
  });

  it('an extra extension id is admitted both by the manifest and by the host', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'kyso-profile-'));
    const id = 'c'.repeat(32);
    const result = await kyso(['install', '--browser', 'chromium', '--user-data-dir', profile, '--extension-id', id, '--pkcs11-module', token.module, '--env', `SOFTHSM2_CONF=${token.softhsm2Conf}`]);
    expect(result.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(profile, 'NativeMessagingHosts', 'vn.kyso.host.json'), 'utf8'));
    expect(manifest.allowed_origins).toEqual([`chrome-extension://${id}/`]);
    expect((await helloThroughLauncher(manifest.path, `chrome-extension://${id}/`)).type).toBe('host.result');
    // Another id is still refused by the host itself.
    const refused = await helloThroughLauncher(manifest.path, `chrome-extension://${'d'.repeat(32)}/`);
    expect(refused.error.code).toBe('CALLER_NOT_ALLOWED');
  });

  it('refuses bad arguments with a typed error and a non-zero exit', async () => {
    const noBrowser = await kyso(['install', '--browser', 'netscape']);
    expect(noBrowser.code).toBe(1);
    expect(noBrowser.stderr).toContain('BAD_REQUEST');
    const badId = await kyso(['install', '--browser', 'chrome', '--user-data-dir', mkdtempSync(join(tmpdir(), 'kyso-p-')), '--extension-id', 'XYZ']);
    expect(badId.code).toBe(1);
    expect(badId.stderr).toContain('extension-id');
  });
});

describe('kyso doctor', () => {
  it('passes for a good registration and names what is broken otherwise', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'kyso-profile-'));
    await kyso(['install', '--browser', 'chromium', '--user-data-dir', profile, '--pkcs11-module', token.module, '--env', `SOFTHSM2_CONF=${token.softhsm2Conf}`]);
    const env = { ...token.env };
    const good = await kyso(['doctor', '--browser', 'chromium', '--user-data-dir', profile, '--lang', 'en'], env);
    expect(good.stdout).toContain('host answers');
    expect(good.stdout).toContain('Công ty TNHH Kyso Thử Nghiệm [MST:0101234567]');
    expect(good.code).toBe(0);

    const manifest = JSON.parse(readFileSync(join(profile, 'NativeMessagingHosts', 'vn.kyso.host.json'), 'utf8'));
    // A launcher that prints to stdout breaks the protocol ("Error when communicating with the native messaging host").
    writeFileSync(manifest.path, '#!/bin/sh\necho hello from a careless wrapper\nexec cat\n');
    const noisy = await kyso(['doctor', '--browser', 'chromium', '--user-data-dir', profile, '--json'], env);
    expect(noisy.code).toBe(1);
    const checks = JSON.parse(noisy.stdout).checks as Array<{ name: string; status: string; detail: string }>;
    expect(checks.find((c) => c.name.endsWith('host answers'))).toMatchObject({ status: 'fail', detail: expect.stringContaining('protocol frames') });

    chmodSync(manifest.path, 0o644);
    const notExecutable = await kyso(['doctor', '--browser', 'chromium', '--user-data-dir', profile, '--lang', 'en'], env);
    expect(notExecutable.code).toBe(1);
    expect(notExecutable.stdout).toContain('not executable');

    const missing = await kyso(['doctor', '--browser', 'chromium', '--user-data-dir', mkdtempSync(join(tmpdir(), 'kyso-empty-')), '--lang', 'en'], env);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('kyso install --browser chromium');
  });
});
