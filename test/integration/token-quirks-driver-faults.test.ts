/**
 * Issue 13 §1 after start-up: a driver that passes the probe and only later hangs in a listing (C_GetSlotList /
 * C_GetTokenInfo), or crashes the host inside a call, next to a driver that works. Two drivers side by side in the
 * built host: the quirks module over the demo SoftHSM2 token (first) and a plain copy of SoftHSM2 (a library file of
 * its own, so a second driver instance) seeing the same token. A certificate is listed once, under the first driver
 * that sees its key: under the quirks driver while it works, under the plain one once it is given up or skipped.
 * The faults are the quirks module's (`hung-listing`, `crash-sign`): real hangs and a real abort() in the driver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { DemoToken } from '../helpers/demo-token.js';
import type { HostProcess } from '../helpers/host-process.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { openQuirksHosts, opensslVerifies, type QuirksHosts } from '../helpers/quirks-token.js';

const DOCUMENT = Buffer.from('Biên bản bàn giao số 7/2026');
const digest = createHash('sha256').update(DOCUMENT).digest().toString('base64');
/** The listing bound, shortened for the test (10 s by default, token-call-thread.ts). */
const BOUND_MS = 3000;

let quirks: QuirksHosts;
let token: DemoToken;
let quirksModule: string;
let plainModule: string;

beforeAll(async () => {
  ({ token } = quirks = await openQuirksHosts());
  // The quirks module's path, from the environment it gives a host.
  quirksModule = quirks.setup([]).env['KYSO_PKCS11_MODULE']!;
  plainModule = join(mkdtempSync(join(tmpdir(), 'kyso-plain-driver-')), 'libsofthsm2-plain.so');
  copyFileSync(token.module, plainModule);
}, 120_000);
afterAll(() => quirks?.close());

type Cert = { id: string; token?: { driver?: { file: string } } };
const driverOf = (certs: Cert[], id: string) => certs.find((c) => c.id === id)?.token?.driver?.file;
const sideBySide = (extra: NodeJS.ProcessEnv = {}) => ({ KYSO_PKCS11_MODULE: `${quirksModule}:${plainModule}`, KYSO_TOKEN_CALL_TIMEOUT_MS: String(BOUND_MS), ...extra });

async function signs(h: HostProcess): Promise<void> {
  const signed = await h.request('host.signDigest', { certificateId: token.cert('org-rsa').certificateId, digest, hashAlgorithm: 'SHA-256', pin: token.userPin });
  expect(signed.type, JSON.stringify(signed.error)).toBe('host.result');
  expect(opensslVerifies(signed.payload.certificate, DOCUMENT, signed.payload.signature)).toBe(true);
}

/** Ask for a signature; resolves with the signal that ended the host before any answer came, or 'answered'. */
async function diesUnderSignature(h: HostProcess): Promise<string> {
  const signing = h.request('host.signDigest', { certificateId: token.cert('org-rsa').certificateId, digest, hashAlgorithm: 'SHA-256', pin: token.userPin });
  signing.catch(() => undefined);
  return Promise.race([signing.then(() => 'answered'), h.exited.then(() => h.child.signalCode ?? `exit ${h.child.exitCode}`)]);
}

describe('token-quirks: a driver that hangs in a listing after start-up', () => {
  it('hung-listing: listing answers within the bound with the hung driver reported, the other driver\'s certificates listed, and signing works', async () => {
    const { host: h, setup } = quirks.start(['hung-listing'], sideBySide());
    try {
      const org = token.cert('org-rsa').certificateId;
      const before = await h.request('host.listCertificates', {});
      expect(driverOf(before.payload.certificates, org)).toBe(basename(quirksModule));

      writeFileSync(join(setup.dir, 'hang-listing'), '');
      const started = Date.now();
      const during = await h.request('host.listCertificates', {}, 'list-hung');
      const waited = Date.now() - started;
      expect(during.type, JSON.stringify(during.error)).toBe('host.result');
      // Answered at the bound, not never: the hung call is abandoned on its worker thread.
      expect(waited).toBeGreaterThanOrEqual(BOUND_MS - 100);
      expect(waited).toBeLessThan(BOUND_MS + 5000);
      expect(driverOf(during.payload.certificates, org)).toBe(basename(plainModule));

      // Reported where the extension and doctor read drivers: the hung one by its code and the call that hung.
      const hello = await h.request('host.hello', { extensionVersion: 'test' });
      expect(hello.payload.modules).toContainEqual(expect.objectContaining({ path: quirksModule, loaded: false, error: 'TOKEN_NOT_RESPONDING' }));
      expect(hello.payload.modules).toContainEqual(expect.objectContaining({ path: plainModule, loaded: true }));

      // Given up for this host: later listings do not wait for it again.
      const again = Date.now();
      const tokens = await h.request('host.listTokens', {});
      expect(Date.now() - again).toBeLessThan(BOUND_MS);
      expect(tokens.payload.tokens.map((t: { driver?: { file: string } }) => t.driver?.file)).toEqual([basename(plainModule)]);

      await signs(h);
    } finally {
      setup.release();
    }
  }, 90_000);

  it('hung-listing through kyso doctor: the driver that stopped answering is named, the other driver\'s token and certificates are checked', async () => {
    const setup = quirks.setup(['hung-listing']);
    try {
      // The first start probes both drivers (the probe passes: the hang is not on yet) and remembers them as good.
      expect((await runKyso(['list'], { env: { ...setup.env, ...sideBySide() } })).code).toBe(0);
      writeFileSync(join(setup.dir, 'hang-listing'), '');
      const result = await runKyso(['doctor', '--json'], { env: { ...setup.env, ...sideBySide() }, timeoutMs: 60_000 });
      const checks = JSON.parse(result.stdout).checks as Array<{ id: string; status: string; en: string; hint?: { en: string } }>;
      const hung = checks.find((c) => c.id === `driver:${quirksModule}`);
      expect(hung).toMatchObject({ status: 'warn', en: expect.stringMatching(/TOKEN_NOT_RESPONDING — no answer from C_(GetSlotList|GetTokenInfo) in 3000 ms/) });
      expect(hung?.hint?.en).toMatch(/unplug and replug/);
      expect(checks.find((c) => c.id === 'certificates')).toMatchObject({ status: 'ok' });
    } finally {
      setup.release();
    }
  }, 90_000);
});

describe('token-quirks: a driver that crashes the host after a good probe', () => {
  it('crash-sign: the host dies inside C_Sign; the next start skips that driver, the other driver lists and signs, doctor names it', async () => {
    const { host: h, setup } = quirks.start(['crash-sign'], sideBySide());
    const stateDir = setup.env['KYSO_STATE_DIR']!;
    // The request is never answered: the process ends with the driver's abort(). (The extension turns a host that
    // ends under a request into HOST_DISCONNECTED: test/unit/router-host-client.test.ts, test/e2e/fault-host-kill.test.ts.)
    expect(await diesUnderSignature(h)).toBe('SIGABRT');
    // What it left: a marker naming the driver it was inside — the path and file identity, nothing else.
    const markers = readdirSync(stateDir).filter((n) => n.startsWith('in-driver-'));
    expect(markers).toEqual([`in-driver-${h.child.pid}.json`]);

    const { host: next } = quirks.start(['crash-sign'], { ...sideBySide(), KYSO_STATE_DIR: stateDir, KYSO_QUIRKS_DIR: setup.dir });
    const hello = await next.request('host.hello', { extensionVersion: 'test' });
    expect(hello.payload.modules).toContainEqual(expect.objectContaining({ path: quirksModule, loaded: false, error: 'DRIVER_CRASHED' }));
    expect(hello.payload.modules).toContainEqual(expect.objectContaining({ path: plainModule, loaded: true }));
    const listed = await next.request('host.listCertificates', {});
    expect(driverOf(listed.payload.certificates, token.cert('org-rsa').certificateId)).toBe(basename(plainModule));
    await signs(next);
    expect(existsSync(join(stateDir, markers[0]!))).toBe(false);

    const doctor = await runKyso(['doctor', '--json'], { env: { ...setup.env, ...sideBySide(), KYSO_STATE_DIR: stateDir } });
    const checks = JSON.parse(doctor.stdout).checks as Array<{ id: string; status: string; en: string; hint?: { en: string } }>;
    const crashed = checks.find((c) => c.id === `driver:${quirksModule}`);
    expect(crashed).toMatchObject({ status: 'warn', en: expect.stringMatching(/DRIVER_CRASHED — crashed the host in a session \(C_Login, C_Sign\)/) });
    expect(crashed?.hint?.en).toContain(join(stateDir, 'drivers.json'));
  }, 90_000);

  it('crash-sign with no other driver: the next start loads it again (skipping the only driver would leave nothing to sign with)', async () => {
    const { host: h, setup } = quirks.start(['crash-sign'], { KYSO_TOKEN_CALL_TIMEOUT_MS: String(BOUND_MS) });
    expect(await diesUnderSignature(h)).toBe('SIGABRT');
    const { host: next } = quirks.start([], { KYSO_STATE_DIR: setup.env['KYSO_STATE_DIR']!, KYSO_QUIRKS_DIR: setup.dir });
    const hello = await next.request('host.hello', { extensionVersion: 'test' });
    expect(hello.payload.modules).toEqual([expect.objectContaining({ path: quirksModule, loaded: true })]);
    await signs(next);
  }, 90_000);

  it('a host that ends itself is no crash: closed by its browser, or stopped with SIGTERM, inside a driver or not, it leaves no marker', async () => {
    const { host: h, setup } = quirks.start([], sideBySide());
    const stateDir = setup.env['KYSO_STATE_DIR']!;
    await h.request('host.listCertificates', {});
    await signs(h);
    await h.close();
    // A PIN pad login waits inside the driver when the browser stops the host (SIGTERM).
    const { host: padHost, setup: pad } = quirks.start(['pin-pad'], { ...sideBySide(), KYSO_STATE_DIR: stateDir });
    void padHost.request('host.signDigest', { certificateId: token.cert('org-rsa').certificateId, digest, hashAlgorithm: 'SHA-256' }).catch(() => undefined);
    const until = Date.now() + 20_000;
    while (!existsSync(join(pad.dir, 'pinpad-waiting')) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(stateDir).filter((n) => n.startsWith('in-driver-'))).toHaveLength(1);
    padHost.child.kill('SIGTERM');
    await padHost.exited;
    expect(padHost.child.signalCode).toBe('SIGTERM');
    pad.release();
    expect(readdirSync(stateDir).filter((n) => n.startsWith('in-driver-'))).toEqual([]);
  }, 90_000);
});
