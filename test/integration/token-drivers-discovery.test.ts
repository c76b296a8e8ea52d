/**
 * With no KYSO_PKCS11_MODULE and no config file, the host finds token drivers by itself (issue 13 §1):
 * Debian's softhsm2 package registers its module with p11-kit (/usr/share/p11-kit/modules/softhsm2.module), a
 * user may register one in ~/.config/pkcs11/modules, and the known driver folders are searched. Checked through
 * the built `kyso list`, `kyso doctor` and the built host (what the extension talks to), against the real
 * SoftHSM2 demo token. HOME and XDG_CONFIG_HOME point at a fresh folder, so no Kyso config file exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';
import { runKyso } from '../helpers/kyso-cli.js';
import { buildTestHost, spawnHost } from '../helpers/host-process.js';
import { registeredSoftHsmDriver, registerUserDriver, SYSTEM_REGISTRATION, unconfiguredEnv } from '../helpers/p11-kit-desktop.js';

let token: DemoToken;
let home: string;
/** The module path p11-kit's registration names (the host must report this path, found by p11-kit). */
let registered: string;

interface Listed {
  tokens: Array<{ token: { label: string; driver?: { file: string; vendor?: string } }; certificates: Array<{ id: string; commonName?: string }> }>;
  drivers: Array<{ path: string; loaded: boolean; foundBy?: string; registeredIn?: string; error?: string }>;
}

const unconfigured = (): NodeJS.ProcessEnv => unconfiguredEnv(home, token);

beforeAll(async () => {
  registered = registeredSoftHsmDriver();
  token = await createDemoToken();
  home = mkdtempSync(join(tmpdir(), 'kyso-home-'));
}, 120_000);

afterAll(() => { if (home) rmSync(home, { recursive: true, force: true }); });

describe('drivers found with no configuration', () => {
  it('kyso list finds the SoftHSM token through its p11-kit registration, and names the driver', async () => {
    const result = await runKyso(['list', '--json'], { env: unconfigured() });
    expect(result.code, result.stderr).toBe(0);
    const listed = JSON.parse(result.stdout) as Listed;
    const mine = listed.tokens.find((t) => t.token.label === token.tokenLabel);
    expect(mine?.token.driver).toEqual({ file: basename(registered), vendor: 'SoftHSM2' });
    expect(mine?.certificates.map((c) => c.id)).toContain(token.cert('org-rsa').certificateId);
    expect(listed.drivers.find((d) => d.path === registered)).toMatchObject({ loaded: true, foundBy: 'p11-kit', registeredIn: SYSTEM_REGISTRATION });
    // The same library is also at a known path (/usr/lib/softhsm/…, a symlink): it is loaded once.
    expect(listed.drivers.filter((d) => /softhsm2\.so$/.test(d.path))).toHaveLength(1);
  }, 120_000);

  it('kyso doctor finds it too', async () => {
    const result = await runKyso(['doctor', '--json'], { env: unconfigured() });
    const checks = JSON.parse(result.stdout).checks as Array<{ name: string; status: string; detail: string }>;
    expect(checks).toContainEqual(expect.objectContaining({ name: 'token driver', status: 'ok', detail: expect.stringContaining(`${registered} (registered with p11-kit: ${SYSTEM_REGISTRATION})`) }));
    expect(checks.find((c) => c.name === 'certificates')).toMatchObject({ status: 'ok', detail: expect.stringContaining('[MST:0101234567]') });
  }, 120_000);

  it('the host the extension talks to finds it too: host.hello names it, host.listCertificates lists its certificates', async () => {
    const { hostPath } = await buildTestHost();
    const host = spawnHost(hostPath, { env: unconfigured() });
    try {
      const hello = await host.request('host.hello', { extensionVersion: 'test' });
      expect(hello.payload.modules).toContainEqual(expect.objectContaining({ path: registered, loaded: true, foundBy: 'p11-kit', vendor: 'SoftHSM2' }));
      const listed = await host.request('host.listCertificates', {});
      const org = (listed.payload.certificates as Array<{ id: string; token?: { label: string; driver?: { file: string } } }>).find((c) => c.id === token.cert('org-rsa').certificateId);
      expect(org?.token).toMatchObject({ label: token.tokenLabel, driver: { file: basename(registered), vendor: 'SoftHSM2' } });
      // Certificates and tokens reach web pages: they name the driver's file, never its full path (which may hold a user name).
      expect(JSON.stringify(listed.payload)).not.toContain(registered);
      expect(JSON.stringify((await host.request('host.listTokens', {})).payload)).not.toContain(registered);
    } finally {
      await host.close();
    }
  }, 120_000);

  it('a driver the user registered in ~/.config/pkcs11/modules is found, and the user can disable a system one', async () => {
    // A copy of SoftHSM at a path of its own stands for a driver installed in the user's home; the system
    // registration is switched off by a blank module: line of the same name.
    const { path: userDriver, modules, registration } = registerUserDriver(home, registered, 'libkyso-user-token.so');
    try {
      const result = await runKyso(['list', '--json'], { env: unconfigured() });
      expect(result.code, result.stderr).toBe(0);
      const listed = JSON.parse(result.stdout) as Listed;
      expect(listed.drivers.find((d) => d.path === userDriver)).toMatchObject({ loaded: true, foundBy: 'p11-kit', registeredIn: registration });
      expect(listed.drivers.filter((d) => d.foundBy === 'p11-kit').map((d) => d.path)).not.toContain(registered);
      expect(listed.tokens.map((t) => t.token.driver?.file)).toContain(basename(userDriver));
      // The system SoftHSM is still found at its known path, so the one token is reached through two drivers:
      // side by side, each certificate is listed once (its id stays unique), under the first driver.
      const ids = listed.tokens.flatMap((t) => t.certificates.map((c) => c.id));
      expect(new Set(ids).size).toBe(ids.length);
      expect(listed.tokens.find((t) => t.token.driver?.file === basename(userDriver))?.certificates.map((c) => c.id)).toContain(token.cert('org-rsa').certificateId);
    } finally {
      rmSync(modules, { recursive: true, force: true });
    }
  }, 120_000);
});
