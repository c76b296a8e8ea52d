/**
 * The PKCS#11 calls that can take long run on worker threads, each bounded in time: C_Login (a PIN pad waits while
 * the person types on the device; a slow token takes seconds) and C_SignInit + context login + C_Sign (an RSA-2048
 * token takes a second), and every listing of a driver's tokens after start-up (token-listing.ts: C_GetSlotList,
C_GetTokenInfo, the objects read, and the re-C_Initialize SoftHSM2 needs to see a new token). Meanwhile the host's event loop keeps reading messages, so `host.hello`, listings and other
 * tokens' requests are answered, and a driver that never returns costs a typed error, not the host.
 *
 * Why worker threads with their own pkcs11js instance, and not pkcs11js's *Async calls on libuv's thread pool:
 *  - pkcs11js 2.1 has no C_LoginAsync;
 *  - a call that never returns keeps its thread for ever. On libuv's pool (4 threads, shared with fs, crypto and
 *    zlib) four hung calls would stall the whole host; an abandoned worker is one thread of its own.
 * A worker's pkcs11js instance dlopens the same library file, which the OS maps once per process [dlopen(3): a
 * library already loaded is returned again], so it reaches the same initialised module and the same sessions:
 * session and object handles are process-wide [PKCS#11 2.40 §5.6]. Its C_Initialize therefore answers
 * CKR_CRYPTOKI_ALREADY_INITIALIZED, which is expected; it never calls C_Finalize (its instance only dlcloses).
 *
 * A worker loads pkcs11js's native addon (`pkcs11.node`) with process.dlopen, the same way in both builds; only its
 * path differs: under Node, the file pkcs11js itself requires (node_modules/pkcs11js/build/Release/pkcs11.node); in
 * the single executable, which bundles pkcs11js's JavaScript and ships the addon beside itself, that file
 * (singleExecutableAddonPath, computed once by the bundle). The addon is an N-API module (NAPI_MODULE in pkcs11js
 * src/main.cpp), hence context-aware: it loads in any number of worker threads. Where no addon is found,
 * `TokenCallThreads.available` is false and the caller runs the call on the main thread (pkcs11-module.ts).
 */
import type { Worker } from 'node:worker_threads';
import { nodeWorkerThreads } from './lazy-builtins.js';
import { createRequire } from 'node:module';
import { KysoError } from '../../shared/errors/kyso-error.js';
import { runningAsSingleExecutable, singleExecutableAddonPath } from '../single-executable.js';
import { LISTING_ENTRY, LISTING_SOURCE, LISTING_STAGES, type ListingRequest, type RawListedToken } from './token-listing.js';

export type TokenCall =
  | { readonly op: 'login'; readonly modulePath: string; readonly session: Buffer; readonly userType: number; readonly pin?: string | undefined }
  | {
    /**
     * One C_SignInit + C_Sign per input, in order, on one session, in ONE message to the worker: a batch of digests
     * (host.signDigests) costs the token's own time plus one round trip, not a round trip per signature
     * (docs/benchmarks.md "Sixth run": ~0.2 ms each). The first failure ends the call (later inputs are not signed).
     * `progress` counts the signatures done, so the bound applies to each signature, not to the whole batch.
     */
    readonly op: 'sign'; readonly modulePath: string; readonly session: Buffer; readonly key: Buffer;
    readonly mechanism: { readonly mechanism: number; readonly parameter?: unknown };
    /**
     * The inputs end to end in one buffer, input i ending at `inputEnds[i]`: one buffer to copy into the message,
     * not one per signature (for 1,000 digests the per-input Buffers and their clones were ~2 ms of the main thread).
     */
    readonly inputs: Uint8Array; readonly inputEnds: readonly number[];
    readonly signatureBytes: number; readonly progress: SharedArrayBuffer;
    /** CKA_ALWAYS_AUTHENTICATE keys: C_Login(CKU_CONTEXT_SPECIFIC) between C_SignInit and C_Sign [PKCS#11 2.40 §4.9]. */
    readonly contextLogin?: { readonly userType: number; readonly pin?: string | undefined } | undefined;
  }
  /** A listing (token-listing.ts); `stage` receives the number of the call in progress (LISTING_STAGES). */
  | { readonly op: 'list'; readonly modulePath: string; readonly request: ListingRequest; readonly stage: SharedArrayBuffer };

/** What a call sends back; signatures come end to end in one buffer, as the inputs went (`Packed`). */
type Reply = { id: number; ok: true; value?: Packed | RawListedToken[] } | { id: number; ok: false; ckr?: number; message: string };

/** Byte strings end to end: string i is `bytes[ends[i-1] ?? 0 .. ends[i]]`. */
export interface Packed {
  readonly bytes: Uint8Array;
  readonly ends: readonly number[];
}

/** `parts` end to end in one buffer (see Packed). */
export function pack(parts: readonly Uint8Array[]): Packed {
  const ends: number[] = [];
  let total = 0;
  for (const part of parts) ends.push((total += part.length));
  const bytes = new Uint8Array(total);
  parts.forEach((part, i) => bytes.set(part, i === 0 ? 0 : ends[i - 1]!));
  return { bytes, ends };
}

/** The strings of a Packed, as Buffers viewing its one buffer (no copies). */
export function unpack({ bytes, ends }: Packed): Buffer[] {
  return ends.map((end, i) => {
    const start = i === 0 ? 0 : ends[i - 1]!;
    return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
  });
}

/**
 * The worker's code (CommonJS, evaluated): it needs nothing but pkcs11js's native addon, given by path. The bare
 * addon, without pkcs11js's JavaScript wrapper (index.js), throws PKCS#11 failures as an Error whose message is
 * "CKR_NAME:code" (pkcs11js src/common.cpp throw_rv_error) and returns C_Sign's output length, not a slice.
 * A login with no PIN (a PIN pad) passes an empty PIN: pkcs11js 2.1 cannot pass NULL_PTR (its C_Login insists on a
 * string), and a PIN of length 0 is what drivers take as "use the pad" besides NULL (OpenSC: "if (ulPinLen == 0)
 * pPin = NULL"); see docs/tokens.md "Quirks Kyso survives".
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const addon = { exports: {} };
process.dlopen(addon, workerData.addonPath);
const pkcs11 = addon.exports;
/** "CKR_NAME:code" (pkcs11js src/common.cpp throw_rv_error) → code; anything else → undefined. */
function ckrOfThrown(e) {
  const match = /^CKR_[A-Z0-9_]+:(\\d+)$/.exec(e instanceof Error ? e.message : '');
  return match ? Number(match[1]) : undefined;
}
const libs = new Map();
function libFor(path) {
  let lib = libs.get(path);
  if (!lib) {
    lib = new pkcs11.PKCS11();
    lib.load(path);
    try { lib.C_Initialize({ flags: pkcs11.CKF_OS_LOCKING_OK }); }
    catch (e) { if (ckrOfThrown(e) !== pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED) throw e; }
    libs.set(path, lib);
  }
  return lib;
}
// esbuild's keepNames (tsx, which runs the CLI from source in tests) writes __name(fn, "name") into the listing
// functions' own text; the bundle does not. Without this the worker's listing threw ReferenceError (TOKEN_ERROR).
var __name = (target) => target;
${LISTING_SOURCE}
parentPort.on('message', (call) => {
  try {
    const lib = libFor(call.modulePath);
    if (call.op === 'list') {
      parentPort.postMessage({ id: call.id, ok: true, value: ${LISTING_ENTRY}(lib, pkcs11, call.request, new Int32Array(call.stage)) });
      return;
    }
    const session = Buffer.from(call.session);
    if (call.op === 'login') {
      lib.C_Login(session, call.userType, call.pin === undefined ? '' : call.pin);
      parentPort.postMessage({ id: call.id, ok: true });
    } else {
      const key = Buffer.from(call.key);
      const done = new Int32Array(call.progress);
      const inputs = Buffer.from(call.inputs.buffer, call.inputs.byteOffset, call.inputs.byteLength);
      // Signatures end to end in one buffer, as the inputs came (Packed); grown when full.
      let out = Buffer.alloc(call.inputEnds.length * 256 + call.signatureBytes);
      let used = 0;
      const ends = [];
      let start = 0;
      for (const end of call.inputEnds) {
        lib.C_SignInit(session, call.mechanism, key);
        if (call.contextLogin) {
          lib.C_Login(session, call.contextLogin.userType, call.contextLogin.pin === undefined ? '' : call.contextLogin.pin);
        }
        if (out.length - used < call.signatureBytes) {
          const bigger = Buffer.alloc(Math.max(out.length * 2, used + call.signatureBytes));
          out.copy(bigger, 0, 0, used);
          out = bigger;
        }
        const length = lib.C_Sign(session, inputs.subarray(start, end), out.subarray(used, used + call.signatureBytes));
        start = end;
        used += length;
        ends.push(used);
        Atomics.add(done, 0, 1);
      }
      parentPort.postMessage({ id: call.id, ok: true, value: { bytes: new Uint8Array(out.buffer, out.byteOffset, used), ends } });
    }
  } catch (e) {
    parentPort.postMessage({ id: call.id, ok: false, ckr: ckrOfThrown(e), message: String(e && e.message).slice(0, 200) });
  }
});
`;

/** What a call that failed inside the worker threw, shaped so pkcs11-errors.ts `ckrOf` reads its CKR code. */
export class WorkerPkcs11Error extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** Idle workers kept for the next call (each holds a thread and a V8 isolate, ~10 MB). */
const MAX_IDLE_WORKERS = 2;

export class TokenCallThreads {
  readonly #addonPath: string | undefined;
  readonly #idle: Worker[] = [];
  #next = 1;
  /** Workers abandoned inside a call that never returned: counted for diagnostics. */
  abandoned = 0;

  constructor(addonPath: string | undefined = pkcs11jsAddonPath()) {
    this.#addonPath = addonPath;
  }

  get available(): boolean {
    return this.#addonPath !== undefined;
  }

  /**
   * Run a login on a worker. Rejects with what the call threw (a WorkerPkcs11Error carrying its CKR), or
   * TOKEN_NOT_RESPONDING after `timeoutMs` — the worker is then left to its fate (it cannot be interrupted inside a
   * native call) and never reused.
   */
  run(call: Extract<TokenCall, { op: 'login' }>, timeoutMs: number): Promise<undefined> {
    return this.#run(call, timeoutMs) as Promise<undefined>;
  }

  /**
   * Sign each input in order (one C_SignInit + C_Sign each) in one worker call; resolves with the signatures in the
   * inputs' order. Bounded like `run`, per signature: `timeoutMs` without one more signature done gives up.
   */
  sign(call: Omit<Extract<TokenCall, { op: 'sign' }>, 'progress' | 'inputs' | 'inputEnds'> & { readonly inputs: readonly Uint8Array[] }, timeoutMs: number): Promise<Buffer[]> {
    const { bytes, ends } = pack(call.inputs);
    return this.#run({ ...call, inputs: bytes, inputEnds: ends, progress: new SharedArrayBuffer(4) }, timeoutMs) as Promise<Buffer[]>;
  }

  /** One listing of a driver's tokens (token-listing.ts), bounded like `run`; TOKEN_NOT_RESPONDING names the call that hung. */
  list(modulePath: string, request: ListingRequest, timeoutMs: number, stage: SharedArrayBuffer): Promise<RawListedToken[]> {
    return this.#run({ op: 'list', modulePath, request, stage }, timeoutMs) as Promise<RawListedToken[]>;
  }

  #run(call: TokenCall, timeoutMs: number): Promise<Buffer[] | RawListedToken[] | undefined> {
    const worker = this.#idle.pop() ?? this.#spawn();
    const id = this.#next++;
    const signed = call.op === 'sign' ? new Int32Array(call.progress) : undefined;
    return new Promise<Buffer[] | RawListedToken[] | undefined>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (reply: Reply) => {
        if (reply.id !== id) return;
        done();
        this.#park(worker);
        if (reply.ok) resolve(call.op === 'sign' ? unpack(reply.value as Packed) : reply.value as RawListedToken[] | undefined);
        else reject(reply.ckr === undefined ? new KysoError('TOKEN_ERROR', { operation: call.op, ckr: 'none' }) : new WorkerPkcs11Error(reply.ckr, reply.message));
      };
      const onError = () => {
        done();
        reject(new KysoError('TOKEN_ERROR', { operation: call.op, ckr: 'none' }));
      };
      const onExit = onError;
      // A batch of signatures is bounded per signature: while the worker keeps finishing them, the clock restarts.
      let signedAtArm = signed ? Atomics.load(signed, 0) : 0;
      const expire = (): void => {
        if (signed && Atomics.load(signed, 0) !== signedAtArm) {
          signedAtArm = Atomics.load(signed, 0);
          timer = setTimeout(expire, timeoutMs);
          return;
        }
        done();
        this.abandoned++;
        // A thread stuck in the driver cannot be stopped; unref it so it never keeps the host alive.
        worker.unref();
        void worker.terminate().catch(() => undefined);
        reject(new KysoError('TOKEN_NOT_RESPONDING', { operation: operationOf(call), waitedMs: timeoutMs }));
      };
      let timer = setTimeout(expire, timeoutMs);
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.ref();
      worker.postMessage({ ...call, id });
    });
  }

  /**
   * Start a worker now for a call that is about to come, so that its start-up (a thread, a V8 isolate and the
   * addon's dlopen: tens of ms, ~0.2 s on a busy machine) runs on another core while the caller still has work on
   * this one, instead of in front of the call. openSigner calls this before it looks the certificate up (token
   * reads, the X.509 description): the login that follows finds the worker ready. Only the thread is started, no
   * driver call is made on it, so a driver that hangs cannot leave a stuck worker behind. No-op when a worker is
   * idle already or the addon is not found.
   */
  prewarm(): void {
    if (!this.available || this.#idle.length > 0) return;
    const worker = this.#spawn();
    // A worker that fails to start (its addon does not load) must neither crash the process ('error' with no
    // listener throws) nor be handed a call later: drop it from the idle list at once.
    worker.on('error', () => {
      const at = this.#idle.indexOf(worker);
      if (at >= 0) this.#idle.splice(at, 1);
    });
    this.#park(worker);
  }

  #spawn(): Worker {
    // execArgv: [] — the worker's source is plain CommonJS and must not inherit the parent's flags: a parent started
    // with `--input-type=module` (tsx entry points, `node -e`) would make it an ES module with no `require`.
    const worker = new (nodeWorkerThreads().Worker)(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { addonPath: this.#addonPath } });
    // One listener for the worker's whole life (not one per park: a worker reused across a batch piled them up
    // until Node warned of a leak): a worker that dies while idle is never handed a call.
    worker.once('exit', () => {
      const at = this.#idle.indexOf(worker);
      if (at >= 0) this.#idle.splice(at, 1);
    });
    return worker;
  }

  #park(worker: Worker): void {
    if (this.#idle.length >= MAX_IDLE_WORKERS) {
      void worker.terminate().catch(() => undefined);
      return;
    }
    // An idle worker must not keep the host running after stdin closes (one that dies is dropped: #spawn).
    worker.unref();
    this.#idle.push(worker);
  }

  /** Stop the idle workers (the service is closing). */
  close(): void {
    for (const worker of this.#idle.splice(0)) void worker.terminate().catch(() => undefined);
  }
}

/** The PKCS#11 call a bounded call was in when it was given up (a listing says which of its calls). */
function operationOf(call: TokenCall): string {
  if (call.op === 'list') return LISTING_STAGES[Atomics.load(new Int32Array(call.stage), 0)] ?? 'C_GetSlotList';
  return call.op === 'login' ? 'C_Login' : 'C_Sign';
}

/**
 * How long each call may take before the host gives up on it. A PIN pad waits for the person, so its login gets
 * the longest; real PIN pads give up by themselves after 30–60 s (CKR_FUNCTION_CANCELED). A pad login plus a
 * signature stays under the extension's HOST_SIGN_TIMEOUT_MS (120 s), so the person gets the host's typed error,
 * not the extension's TIMEOUT. KYSO_TOKEN_CALL_TIMEOUT_MS replaces all four (tests; a driver known to be slower).
 */
export function tokenCallTimeoutMs(kind: 'login' | 'pinPadLogin' | 'sign' | 'list', env: NodeJS.ProcessEnv = process.env): number {
  const override = Number(env['KYSO_TOKEN_CALL_TIMEOUT_MS']);
  if (Number.isFinite(override) && override > 0) return override;
  // A listing reads a few attributes per object: seconds on a slow card with 20 certificates, never 10 s; it stays
  // well under the extension's 30 s quick-request timeout, so the page gets the host's typed answer.
  return kind === 'pinPadLogin' ? 90_000 : kind === 'login' ? 30_000 : kind === 'list' ? 10_000 : 25_000;
}

/**
 * pkcs11js's native addon for the workers: beside the single executable, or the file pkcs11js's own index.js
 * requires ('./build/Release/pkcs11.node', resolved from it). Undefined when neither is found.
 */
function pkcs11jsAddonPath(): string | undefined {
  // Never resolve pkcs11js from inside the single executable: its import.meta.url is the executable itself, so a
  // pkcs11js found from there would be some other copy on the machine.
  if (runningAsSingleExecutable()) return singleExecutableAddonPath();
  try {
    const pkcs11js = createRequire(import.meta.url).resolve('pkcs11js');
    return createRequire(pkcs11js).resolve('./build/Release/pkcs11.node');
  } catch {
    return undefined;
  }
}

let pool: TokenCallThreads | undefined;

/** One pool of call threads per process, like the loaded modules (module-registry.ts). */
export function tokenCallThreads(): TokenCallThreads {
  return (pool ??= new TokenCallThreads());
}

/**
 * End the process now if a call was abandoned inside the driver. Node joins every worker thread when the process
 * exits (process.exit and process.reallyExit included), and a thread stuck in a driver never finishes, so such a
 * process could never exit. Called by the host (after every reply was written) and the CLI (after its result was
 * printed; stdout and stderr are synchronous for files and pipes on Linux), as their last act: SIGKILL is the one
 * exit that does not wait. No C_Finalize first: a driver that hangs in one call can hang in C_Finalize too.
 */
export function endIfTokenCallStuck(say: (message: string) => void): void {
  if ((pool?.abandoned ?? 0) === 0) return;
  say('a token call never returned; ending without waiting for its thread');
  process.kill(process.pid, 'SIGKILL');
}
