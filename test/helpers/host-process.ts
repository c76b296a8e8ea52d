/**
 * The BUILT native host as a child process, spoken to over stdin/stdout exactly as a browser does.
 * `buildTestHost()` bundles it into node_modules/.cache (not dist/, which other builds rewrite) once per file.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM_EXTENSION_ID } from '../../native-host/config.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface BuiltHost {
  readonly hostPath: string;
  readonly cliPath: string;
  readonly outDir: string;
}

let built: Promise<BuiltHost> | undefined;

export function buildTestHost(): Promise<BuiltHost> {
  built ??= (async () => {
    const { buildHost } = await import(pathToFileURL(join(ROOT, 'scripts/build-host.mjs')).href) as {
      buildHost(o: { outDir: string }): Promise<BuiltHost>;
    };
    const cacheDir = join(ROOT, 'node_modules', '.cache');
    removeStaleBuilds(cacheDir);
    const outDir = join(cacheDir, `kyso-test-host-${process.pid}`);
    process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
    return buildHost({ outDir });
  })();
  return built;
}

/** Test workers are not always given the chance to run exit hooks: remove builds of processes that are gone. */
function removeStaleBuilds(cacheDir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(cacheDir);
  } catch {
    return;
  }
  for (const name of entries) {
    const match = /^kyso-test-host-(\d+)$/.exec(name);
    if (!match || Number(match[1]) === process.pid) continue;
    try {
      process.kill(Number(match[1]), 0); // still running: its build is in use
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(cacheDir, name), { recursive: true, force: true });
    }
  }
}

export const CHROME_CALLER = `chrome-extension://${CHROMIUM_EXTENSION_ID}/`;

export function frame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
}

export type HostFrame = { v: number; id: string; type: string; payload?: any; error?: any; index?: number; count?: number; data?: string };

export interface HostProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Every byte the host wrote to stdout. */
  stdoutBytes(): Buffer;
  stderrText(): string;
  /** Frames decoded so far, in arrival order. */
  readonly frames: HostFrame[];
  send(message: unknown): void;
  sendRaw(bytes: Buffer): void;
  /** Send a request and wait for its reply frame (by id). */
  request(type: string, payload: unknown, id?: string): Promise<HostFrame>;
  /** Wait for the first frame matching `predicate`. */
  waitFor(predicate: (f: HostFrame) => boolean, timeoutMs?: number): Promise<HostFrame>;
  /** Close stdin and wait for the exit code. */
  close(): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

let counter = 0;

/**
 * Start the built host as a browser would. `executable: true`: hostPath is the single `kyso` executable
 * (`npm run package`), started by itself rather than by Node.
 */
export function spawnHost(hostPath: string, options: { env?: NodeJS.ProcessEnv; args?: string[]; executable?: boolean } = {}): HostProcess {
  const callerArgs = options.args ?? [CHROME_CALLER];
  const [command, args] = options.executable ? [hostPath, callerArgs] : [process.execPath, [hostPath, ...callerArgs]];
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const frames: HostFrame[] = [];
  const waiters = new Set<() => void>();
  let out = Buffer.alloc(0);
  let all = Buffer.alloc(0);
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    all = Buffer.concat([all, chunk]);
    out = Buffer.concat([out, chunk]);
    while (out.length >= 4) {
      const n = out.readUInt32LE(0);
      if (out.length < 4 + n) break;
      frames.push(JSON.parse(out.subarray(4, 4 + n).toString('utf8')) as HostFrame);
      out = out.subarray(4 + n);
    }
    for (const w of [...waiters]) w();
  });
  child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString('utf8'); });
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => {
    for (const w of [...waiters]) w();
    resolveExit(code);
  }));
  child.stdin.on('error', () => { /* the host may exit first (refused caller) */ });

  const waitFor = (predicate: (f: HostFrame) => boolean, timeoutMs = 30_000) => new Promise<HostFrame>((resolveFrame, reject) => {
    const check = () => {
      const found = frames.find(predicate);
      if (found) {
        waiters.delete(check);
        clearTimeout(timer);
        resolveFrame(found);
      } else if (child.exitCode !== null) {
        waiters.delete(check);
        clearTimeout(timer);
        reject(new Error(`host exited (${child.exitCode}) before the frame arrived; stderr:\n${err}`));
      }
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`no matching frame within ${timeoutMs} ms; stderr:\n${err}`));
    }, timeoutMs);
    waiters.add(check);
    check();
  });

  return {
    child,
    frames,
    stdoutBytes: () => all,
    stderrText: () => err,
    send: (message) => child.stdin.write(frame(message)),
    sendRaw: (bytes) => child.stdin.write(bytes),
    request(type, payload, id = `r${++counter}`) {
      child.stdin.write(frame({ v: 1, id, type, payload }));
      return waitFor((f) => f.id === id && f.type !== 'host.chunk');
    },
    waitFor,
    async close() {
      child.stdin.end();
      return exited;
    },
    exited,
  };
}
