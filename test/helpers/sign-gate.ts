/**
 * The sign-gate PKCS#11 module (test/fixtures/pkcs11-faulty/sign-gate-module.c): the real SoftHSM2 module with a
 * control file that holds, hangs, crashes or fails C_Sign — a known point inside C_Sign for a fault test to act
 * on (kill the host there, pull the token there). Built once per test file with the system C compiler.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { DemoToken } from './demo-token.js';

const run = promisify(execFile);
const SOURCE = resolve(import.meta.dirname, '../fixtures/pkcs11-faulty/sign-gate-module.c');

export type GateMode = 'pass' | 'hold' | 'hang' | 'abort' | 'removed';

export interface SignGate {
  /** The module path to give the host instead of SoftHSM2's (its name contains "softhsm": rescans the same way). */
  readonly module: string;
  /** Environment for the host: the gate module in front of the token's SoftHSM2. */
  readonly env: Record<string, string>;
  /** What the next C_Sign does. */
  set(mode: GateMode): Promise<void>;
  /** Resolves once a C_Sign reached the gate (hold/hang/abort); the pid of the process inside C_Sign. */
  entered(timeoutMs?: number): Promise<number>;
  remove(): Promise<void>;
}

export async function createSignGate(token: DemoToken, options: { tokenDir?: string } = {}): Promise<SignGate> {
  const dir = await mkdtemp(join(tmpdir(), 'kyso-sign-gate-'));
  const module = join(dir, 'libkyso-softhsm-signgate.so');
  await run('cc', ['-shared', '-fPIC', '-O1', '-o', module, SOURCE, '-ldl']);
  const control = join(dir, 'control');
  await writeFile(control, 'pass\n');
  const env: Record<string, string> = {
    ...token.env,
    KYSO_PKCS11_MODULE: module,
    KYSO_FAULTGATE_REAL: token.module,
    KYSO_FAULTGATE_CONTROL: control,
    ...(options.tokenDir ? { KYSO_FAULTGATE_TOKEN_DIR: options.tokenDir } : {}),
  };
  return {
    module, env,
    async set(mode) {
      await rm(`${control}.entered`, { force: true });
      await writeFile(control, `${mode}\n`);
    },
    async entered(timeoutMs = 30_000) {
      const marker = `${control}.entered`;
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (existsSync(marker)) {
          const { readFile } = await import('node:fs/promises');
          const pid = Number((await readFile(marker, 'utf8')).trim());
          if (pid > 0) return pid;
        }
        await new Promise((ok) => setTimeout(ok, 20));
      }
      throw new Error('no C_Sign reached the sign gate');
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
