/**
 * What the host remembers about drivers between starts, in a small per-user state file:
 * - `ok`: probed fine, so later starts load it without a probe (startup stays fast);
 * - `hung` / `crashed`: skipped on later starts, and named by `kyso doctor`, until the driver file changes
 *   (another size or modification time: the vendor shipped an update), then probed again.
 * Failures that return an error (not loadable, C_Initialize error) are not remembered: they cost nothing to
 * see again and may depend on the environment (SOFTHSM2_CONF, a reader service not yet started).
 *
 * Entries are keyed by the driver's real path. The file lives in the user's state folder, created 0700, written
 * 0600 by rename so a crash mid-write leaves the old file. Anything in it only ever causes a known driver to be
 * skipped or loaded without a probe; it can never add a driver, so editing it gains nothing.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, parse } from 'node:path';

export type DriverHealthVerdict = 'ok' | 'hung' | 'crashed';

export interface DriverHealthEntry {
  readonly verdict: DriverHealthVerdict;
  readonly size: number;
  readonly mtimeMs: number;
  /** The PKCS#11 call that hung or crashed. */
  readonly stage?: string;
  /** "SIGABRT", "exit 1", or the timeout that was hit. */
  readonly how?: string;
  /** C_GetInfo manufacturer / description, when it answered. */
  readonly library?: string;
  /** When it was judged (ISO 8601). */
  readonly at: string;
}

export interface FileIdentity { readonly size: number; readonly mtimeMs: number }

/** Environment variable naming the state folder (tests; portable installs). */
export const STATE_DIR_ENV = 'KYSO_STATE_DIR';
const MAX_ENTRIES = 256;

/** The state file: $KYSO_STATE_DIR, else the OS's per-user state folder. */
export function driverHealthFile(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = env.HOME || env.USERPROFILE || homedir();
  let dir: string;
  if (env[STATE_DIR_ENV] && isAbsolute(env[STATE_DIR_ENV]!)) dir = env[STATE_DIR_ENV]!;
  else if (platform === 'win32') dir = join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'Kyso');
  else if (platform === 'darwin') dir = join(home, 'Library', 'Application Support', 'Kyso');
  // XDG Base Directory: a relative $XDG_STATE_HOME is invalid and ignored.
  else dir = join(env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(home, '.local', 'state'), 'kyso');
  return join(dir, 'drivers.json');
}

function isEntry(value: unknown): value is DriverHealthEntry {
  const e = value as Partial<DriverHealthEntry> | null;
  return typeof e === 'object' && e !== null
    && (e.verdict === 'ok' || e.verdict === 'hung' || e.verdict === 'crashed')
    && typeof e.size === 'number' && typeof e.mtimeMs === 'number' && typeof e.at === 'string';
}

function readEntries(file: string): Map<string, DriverHealthEntry> {
  const out = new Map<string, DriverHealthEntry>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return out; // none yet, or unreadable: every driver is simply probed again
  }
  const drivers = (parsed as { drivers?: unknown } | null)?.drivers;
  if (typeof drivers !== 'object' || drivers === null) return out;
  for (const [path, entry] of Object.entries(drivers)) if (isEntry(entry)) out.set(path, entry);
  return out;
}

/**
 * mkdir -p, one level at a time. Not `mkdirSync(…, { recursive: true })`: on Node 20 that never returns for a
 * path under /proc (seen here with a state folder set there), and a host that hangs is what this file prevents.
 */
export function makeDirectories(dir: string): void {
  const { root } = parse(dir);
  let path = root;
  for (const part of dir.slice(root.length).split(/[\\/]+/).filter(Boolean)) {
    path = join(path, part);
    try {
      mkdirSync(path, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

export class DriverHealthStore {
  readonly file: string;
  #entries: Map<string, DriverHealthEntry>;

  constructor(file: string = driverHealthFile()) {
    this.file = file;
    this.#entries = readEntries(file);
  }

  /** The remembered verdict for this file, if the file has not changed since. */
  get(realPath: string, identity: FileIdentity): DriverHealthEntry | undefined {
    const entry = this.#entries.get(realPath);
    return entry && entry.size === identity.size && entry.mtimeMs === identity.mtimeMs ? entry : undefined;
  }

  /** Every remembered hung or crashed driver (for doctor). */
  bad(): Array<[string, DriverHealthEntry]> {
    return [...this.#entries].filter(([, e]) => e.verdict !== 'ok');
  }

  /** Remember a verdict; written at once (merged with what another process wrote meanwhile). Never throws. */
  remember(realPath: string, entry: DriverHealthEntry): void {
    const merged = readEntries(this.file);
    merged.set(realPath, entry);
    while (merged.size > MAX_ENTRIES) merged.delete(merged.keys().next().value!);
    this.#entries = merged;
    try {
      makeDirectories(dirname(this.file));
      const temp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify({ drivers: Object.fromEntries(merged) }, null, 2)}\n`, { mode: 0o600 });
      renameSync(temp, this.file);
    } catch {
      // A read-only home: the verdict holds for this process only; the next start probes again.
    }
  }
}
