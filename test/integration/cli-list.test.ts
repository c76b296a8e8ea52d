/** `kyso list` from the built CLI bundle against a real SoftHSM2 token holding Vietnamese certificates. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createDemoToken, type DemoToken } from '../helpers/demo-token.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
let token: DemoToken;

async function kyso(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [resolve(ROOT, 'bin/kyso.mjs'), ...args], { env: { ...process.env, ...env }, cwd: ROOT, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  await run(process.execPath, [resolve(ROOT, 'scripts/build-host.mjs')], { cwd: ROOT, timeout: 120_000 });
  token = await createDemoToken();
}, 180_000);
afterAll(async () => { if (token) await rm(token.dir, { recursive: true, force: true }); });

interface Listed { tokens: { token: { label: string }; certificates: { commonName?: string; mst?: string; cccd?: string; usable: boolean; unusableReasons: string[]; issuer: string }[] }[] }

describe('kyso list', () => {
  it('--json lists the token and its certificates with typed identifiers and names intact', async () => {
    const result = await kyso(['list', '--json'], token.env);
    expect(result.code).toBe(0);
    const listed = JSON.parse(result.stdout) as Listed;
    const mine = listed.tokens.find((t) => t.token.label === token.tokenLabel);
    expect(mine).toBeDefined();
    const byName = new Map(mine!.certificates.map((c) => [c.commonName, c]));
    expect(byName.get('Công ty TNHH Kyso Thử Nghiệm')).toMatchObject({ mst: '0101234567', usable: true });
    expect(byName.get('Nguyễn Văn Ánh')).toMatchObject({ cccd: '001099012345', usable: true });
    expect(byName.get('Lê Văn Cũ')).toMatchObject({ cccd: '001088000009', usable: false });
    expect(byName.get('Lê Văn Cũ')!.unusableReasons).toContain('expired');
  });

  it('prints a readable list in Vietnamese and English', async () => {
    const result = await kyso(['list'], token.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Thiết bị / Token: ${token.tokenLabel}`);
    expect(result.stdout).toContain('Nguyễn Văn Ánh [CCCD:001099012345]');
    expect(result.stdout).toContain('Chứng thư số đã hết hạn. / The certificate has expired.');
  });

  it('with no PKCS#11 module: a typed install error, nothing on stdout', async () => {
    const result = await kyso(['list', '--json'], { KYSO_PKCS11_MODULE: '/nonexistent/libnothing.so' });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/PKCS11_MODULE_NOT_FOUND/);
  });
});
