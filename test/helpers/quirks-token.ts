/**
 * The quirky token of issue 13 §2: the demo SoftHSM2 token seen through test/fixtures/pkcs11-quirks/quirks-module.c,
 * a real PKCS#11 module built here with the system C compiler, so the host reaches it through the real pkcs11js path.
 * `quirksEnv(token, [...])` is the environment for a host (or CLI) that must see the token with those quirks; each
 * call gets its own folder for the module's files (PIN pad input, replug count, call log). A token-quirks test file
 * starts from `openQuirksHosts()`: token, module and host built once, every host it starts closed at the end.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createDemoToken, type DemoToken } from './demo-token.js';
import { buildTestHost, spawnHost, type HostProcess } from './host-process.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const SOURCE = join(ROOT, 'test/fixtures/pkcs11-quirks/quirks-module.c');
const HEADERS = join(ROOT, 'node_modules/pkcs11js/includes/pkcs11');

export type Quirk =
  | 'cert-no-id' | 'cert-other-id' | 'certs-after-login' | 'always-auth' | 'pin-pad' | 'raw-mechanisms-only'
  | 'empty-slot' | 'unrecognized-token' | 'replug' | 'removed-once' | 'session-lost-once'
  | 'pin-count-low' | 'pin-final-try' | 'pin-locked' | 'pin-expired'
  | 'slow-login' | 'slow-sign' | 'hung-login' | 'hung-sign' | 'hung-listing' | 'crash-sign' | 'key-gone-when-read';

/** Build the module into a fresh temp folder; returns the library's path. */
export async function buildQuirksModule(): Promise<string> {
  if (spawnSync('cc', ['--version']).error) throw new Error('the quirks tests build a PKCS#11 module with cc: apt-get install -y gcc');
  const out = join(mkdtempSync(join(tmpdir(), 'kyso-quirks-module-')), 'libkyso-quirks.so');
  await run('cc', ['-shared', '-fPIC', '-O1', '-I', HEADERS, '-o', out, SOURCE, '-ldl', '-lpthread']);
  return out;
}

export interface QuirksSetup {
  /** Environment for the host / CLI: the quirks module in place of SoftHSM2, the token's SoftHSM config. */
  readonly env: NodeJS.ProcessEnv;
  /** The module's folder (pinpad-input, replug-count, calls.log, release). */
  readonly dir: string;
  /** Lines of calls.log so far ("C_Login user pin", "C_Sign", …). */
  calls(): string[];
  /** Type the PIN on the simulated PIN pad once the host waits for it. */
  typeOnPinPad(pin: string, timeoutMs?: number): Promise<void>;
  /** Simulate unplugging and plugging the token back in: every slot ID changes. */
  replug(): void;
  /** Let every hung call return (so the host process can be closed at the end of a test). */
  release(): void;
}

let replugs = 0;

export function quirksSetup(modulePath: string, token: DemoToken, quirks: readonly Quirk[]): QuirksSetup {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-quirks-'));
  mkdirSync(join(dir, 'history'), { recursive: true });
  const env = {
    SOFTHSM2_CONF: token.softhsm2Conf,
    KYSO_PKCS11_MODULE: modulePath,
    KYSO_QUIRKS_TARGET: token.module,
    KYSO_QUIRKS: quirks.join(','),
    KYSO_QUIRKS_DIR: dir,
    KYSO_DATA_DIR: join(dir, 'history'),
    KYSO_STATE_DIR: join(dir, 'state'),
  };
  return {
    env,
    dir,
    calls: () => (existsSync(join(dir, 'calls.log')) ? readFileSync(join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean) : []),
    async typeOnPinPad(pin, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (!existsSync(join(dir, 'pinpad-waiting'))) {
        if (Date.now() > until) throw new Error('the host never asked the PIN pad for a PIN');
        await new Promise((r) => setTimeout(r, 50));
      }
      writeFileSync(join(dir, 'pinpad-input'), pin);
      // Wait until the device took it, so a second call types for the next prompt, not this one.
      while (existsSync(join(dir, 'pinpad-input'))) {
        if (Date.now() > until) throw new Error('the PIN pad never took the PIN');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    replug() {
      writeFileSync(join(dir, 'replug-count'), String(++replugs));
    },
    release() {
      writeFileSync(join(dir, 'release'), '');
    },
  };
}

/** `openssl dgst -verify` with the certificate's public key: what a person's own verifier would accept. */
export function opensslVerifies(certificateBase64: string, document: Uint8Array, signatureBase64: string, hash: 'sha256' | 'sha384' | 'sha512' = 'sha256'): boolean {
  const work = mkdtempSync(join(tmpdir(), 'kyso-quirks-verify-'));
  writeFileSync(join(work, 'cert.der'), Buffer.from(certificateBase64, 'base64'));
  writeFileSync(join(work, 'doc'), document);
  writeFileSync(join(work, 'sig'), Buffer.from(signatureBase64, 'base64'));
  const pub = spawnSync('openssl', ['x509', '-inform', 'DER', '-in', join(work, 'cert.der'), '-pubkey', '-noout', '-out', join(work, 'pub.pem')]);
  if (pub.status !== 0) throw new Error(`openssl x509: ${pub.stderr.toString()}`);
  const verified = spawnSync('openssl', ['dgst', `-${hash}`, '-verify', join(work, 'pub.pem'), '-signature', join(work, 'sig'), join(work, 'doc')]);
  return verified.status === 0 && /Verified OK/.test(verified.stdout.toString());
}

/** A built host (test/helpers/host-process.ts) that sees the demo token through the quirks module. */
export function spawnQuirksHost(hostPath: string, modulePath: string, token: DemoToken, quirks: readonly Quirk[], env: NodeJS.ProcessEnv = {}): { host: HostProcess; setup: QuirksSetup } {
  const setup = quirksSetup(modulePath, token, quirks);
  return { host: spawnHost(hostPath, { env: { ...setup.env, ...env } }), setup };
}

/** PIN tries the host made (C_Login as the user, with a PIN or on the PIN pad). */
export const userLogins = (setup: QuirksSetup): string[] => setup.calls().filter((c) => /^C_Login user (pin|no-pin)$/.test(c));

/**
 * What every token-quirks test file needs: the demo token, the quirks module and the built host, made at once
 * (in `beforeAll`), and every host started from them closed by `close()` (in `afterAll`).
 */
export interface QuirksHosts {
  readonly token: DemoToken;
  /** A host seeing the token with these quirks (extra `env` on top of the quirks environment); closed by close(). */
  start(quirks: readonly Quirk[], env?: NodeJS.ProcessEnv): { host: HostProcess; setup: QuirksSetup };
  /** The quirks environment alone, for a CLI run. */
  setup(quirks: readonly Quirk[]): QuirksSetup;
  close(): Promise<void>;
}

export async function openQuirksHosts(): Promise<QuirksHosts> {
  const [token, modulePath, { hostPath }] = await Promise.all([createDemoToken(), buildQuirksModule(), buildTestHost()]);
  const hosts: HostProcess[] = [];
  return {
    token,
    start(quirks, env = {}) {
      const started = spawnQuirksHost(hostPath, modulePath, token, quirks, env);
      hosts.push(started.host);
      return started;
    },
    setup: (quirks) => quirksSetup(modulePath, token, quirks),
    async close() { await Promise.all(hosts.map((h) => h.close())); },
  };
}

/**
 * Change the quirks of a module already loaded by a running host (KYSO_QUIRKS_DIR/quirks, read by the module at
 * every call): one browser meets several token states in turn, as a person's token changes between two signings.
 */
export function switchQuirks(setup: QuirksSetup, quirks: readonly Quirk[]): void {
  writeFileSync(join(setup.dir, 'quirks'), quirks.join(','));
}
