/**
 * Try a driver in a short-lived child process before the host loads it: load, C_Initialize, C_GetInfo,
 * C_GetSlotList, C_GetTokenInfo of each present slot, C_Finalize. pkcs11js calls are synchronous and run the
 * driver's code on the host's own thread, so a driver that never returns from C_Initialize would freeze the
 * host and one that calls abort() would kill it; in a child, the first is killed after DRIVER_PROBE_TIMEOUT_MS
 * and the second only ends the child. The child reports each step before taking it, so a hang names its call.
 *
 * Synchronous on purpose (spawnSync): the TokenService is built synchronously; the probe runs once per new or
 * changed driver file (driver-health.ts remembers the verdict), so a normal start spawns nothing.
 */
import { nodeChildProcess } from '../lazy-builtins.js';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { ckrName } from '../pkcs11-errors.js';
import { runningAsSingleExecutable } from '../../single-executable.js';

/** Long enough for a real token driver to enumerate USB readers on a busy machine; short enough to wait once. */
export const DRIVER_PROBE_TIMEOUT_MS = 5000;
const PROBE_OUTPUT_MAX_BYTES = 1024 * 1024;
const MARK = 'KYSO_DRIVER_PROBE ';
/** The driver's C_Initialize parameters reach the child in its environment (the argument list stays fixed). */
export const DRIVER_PROBE_INIT_ARGS_ENV = 'KYSO_DRIVER_PROBE_INIT_ARGS';

export type ProbeVerdict =
  | { readonly kind: 'ok'; readonly slotsWithToken: number; readonly library: string }
  /** Could not be loaded, or a PKCS#11 call returned an error: `error` is a catalogue code or CKR name. */
  | { readonly kind: 'failed'; readonly stage: string; readonly error: string }
  /** Did not return from `stage` within the time bound; the child was killed. */
  | { readonly kind: 'hung'; readonly stage: string; readonly timeoutMs: number }
  /** The child died (a signal, or an exit without a report) during `stage`. */
  | { readonly kind: 'crashed'; readonly stage: string; readonly how: string };

/**
 * The hidden first argument that makes the single `kyso` executable run the probe instead of the CLI
 * (native-host/executable.ts): the executable is process.execPath there and has no `node -e`.
 */
export const DRIVER_PROBE_ARGUMENT = '--kyso-driver-probe';

/**
 * The child's steps, as a function body over (pkcs11js, modulePath, fs): the same text runs under `node -e`
 * (CHILD_PROGRAM) and inside the single executable (runDriverProbeInThisProcess), so both speak one protocol.
 * It writes one marked line per step with fs.writeSync, so the lines are out before a hang or a crash; drivers
 * that print to stdout themselves do not confuse it.
 */
const PROBE_STEPS = `
const say = (o) => fs.writeSync(1, '\\n${MARK}' + JSON.stringify(o) + '\\n');
const codeOf = (e) => (e && typeof e.code === 'number' ? e.code : null);
const lib = new pkcs11js.PKCS11();
say({ stage: 'load' });
try { lib.load(modulePath); } catch { say({ done: 'failed', stage: 'load' }); process.exit(0); }
say({ stage: 'C_Initialize' });
const initArgs = process.env.${DRIVER_PROBE_INIT_ARGS_ENV} || undefined;
try { lib.C_Initialize(initArgs ? { libraryParameters: initArgs, flags: pkcs11js.CKF_OS_LOCKING_OK } : { flags: pkcs11js.CKF_OS_LOCKING_OK }); } catch (e) {
  if (codeOf(e) === pkcs11js.CKR_CANT_LOCK) {
    try { lib.C_Initialize(initArgs ? { libraryParameters: initArgs } : undefined); } catch (again) { say({ done: 'failed', stage: 'C_Initialize', ckr: codeOf(again) }); process.exit(0); }
  } else if (codeOf(e) !== pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    say({ done: 'failed', stage: 'C_Initialize', ckr: codeOf(e) }); process.exit(0);
  }
}
say({ stage: 'C_GetInfo' });
let library = '';
try { const i = lib.C_GetInfo(); library = (i.manufacturerID.trim() + ' / ' + i.libraryDescription.trim()).replace(/\\u0000/g, ''); } catch {}
say({ stage: 'C_GetSlotList' });
let slots = [];
try { slots = lib.C_GetSlotList(true); } catch (e) { say({ done: 'failed', stage: 'C_GetSlotList', ckr: codeOf(e) }); process.exit(0); }
say({ stage: 'C_GetTokenInfo' });
for (const slot of slots) { try { lib.C_GetTokenInfo(slot); } catch {} }
say({ stage: 'C_Finalize' });
try { lib.C_Finalize(); } catch {}
say({ done: 'ok', slots: slots.length, library });
process.exit(0);
`;

/** The child's program under Node (CommonJS, run with `node -e PROGRAM pkcs11jsPath modulePath`). */
const CHILD_PROGRAM = `
const [pkcs11jsPath, modulePath] = process.argv.slice(1);
(function (pkcs11js, modulePath, fs) {${PROBE_STEPS}})(require(pkcs11jsPath), modulePath, require('node:fs'));
`;

/**
 * The child's side inside the single executable (`kyso --kyso-driver-probe MODULE`): pkcs11js is bundled
 * there, so it is handed to the same steps instead of being required by path. Ends the process.
 */
export async function runDriverProbeInThisProcess(modulePath: string): Promise<void> {
  const { default: pkcs11js } = await import('pkcs11js');
  const steps = new Function('pkcs11js', 'modulePath', 'fs', PROBE_STEPS) as (p: unknown, m: string, f: typeof fs) => void;
  steps(pkcs11js, modulePath, fs);
}

interface ProbeLine { stage?: string; done?: 'ok' | 'failed'; ckr?: number | null; slots?: number; library?: string }

function probeLines(stdout: string): ProbeLine[] {
  const lines: ProbeLine[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(MARK)) continue;
    try {
      lines.push(JSON.parse(line.slice(MARK.length)) as ProbeLine);
    } catch {
      // A driver's own output interleaved with ours: ignore the broken line.
    }
  }
  return lines;
}

/** pkcs11js as this code resolves it (from the bundle in dist/host or from the sources), for the child. */
function pkcs11jsPath(): string {
  return createRequire(import.meta.url).resolve('pkcs11js');
}

/**
 * How the child is started: under Node, `node -e CHILD_PROGRAM …`; inside the single executable (where
 * process.execPath is `kyso` itself and Node's own options are not read), the executable with
 * DRIVER_PROBE_ARGUMENT. Throws when pkcs11js cannot be resolved for a Node child.
 */
function childArguments(modulePath: string): string[] {
  return runningAsSingleExecutable() ? [DRIVER_PROBE_ARGUMENT, modulePath] : ['-e', CHILD_PROGRAM, pkcs11jsPath(), modulePath];
}

export interface ProbeOptions {
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** C_Initialize parameters (pReserved) the driver needs, as the host will pass them (DriverCandidate.initArgs). */
  readonly initArgs?: string;
}

/** Probe one driver; never throws. */
export function probeDriver(modulePath: string, options: ProbeOptions = {}): ProbeVerdict {
  const timeoutMs = options.timeoutMs ?? DRIVER_PROBE_TIMEOUT_MS;
  let args: string[];
  try {
    args = childArguments(modulePath);
  } catch {
    return { kind: 'failed', stage: 'start', error: 'DRIVER_PROBE_NOT_STARTED' };
  }
  const result = nodeChildProcess().spawnSync(process.execPath, args, {
    env: { ...(options.env ?? process.env), [DRIVER_PROBE_INIT_ARGS_ENV]: options.initArgs ?? '' },
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: PROBE_OUTPUT_MAX_BYTES,
    windowsHide: true,
    encoding: 'utf8',
  });
  const lines = probeLines(result.stdout ?? '');
  const done = lines.find((l) => l.done);
  const stage = [...lines].reverse().find((l) => l.stage)?.stage ?? 'start';
  if (done?.done === 'ok') return { kind: 'ok', slotsWithToken: done.slots ?? 0, library: (done.library ?? '').slice(0, 200) };
  if (done?.done === 'failed') {
    const error = done.stage === 'load' ? 'PKCS11_MODULE_NOT_FOUND' : typeof done.ckr === 'number' ? ckrName(done.ckr) : 'TOKEN_ERROR';
    return { kind: 'failed', stage: done.stage ?? stage, error };
  }
  const code = (result.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ETIMEDOUT') return { kind: 'hung', stage, timeoutMs };
  if (code === 'ENOBUFS') return { kind: 'failed', stage, error: 'DRIVER_FLOODS_OUTPUT' };
  if (result.error) return { kind: 'failed', stage: 'start', error: 'DRIVER_PROBE_NOT_STARTED' };
  return { kind: 'crashed', stage, how: result.signal ?? `exit ${result.status ?? '?'}` };
}
