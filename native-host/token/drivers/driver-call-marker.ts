/**
 * Remembering a driver that crashes the host after a good probe (issue 13 §1: "a driver that crashes the process is
 * remembered and skipped on the next start"). The host cannot see its own crash: abort() or a segfault inside the
 * driver ends the process with no JavaScript run. So, while the host is inside a driver — a listing of its tokens,
 * or a session (login, signatures) — a small marker file in the state folder names the driver; it is removed when
 * the host leaves the driver, and on every exit the host makes itself. A marker whose process is gone at the next
 * start means that process died inside the driver: driver-screening.ts turns it into a `crashed` verdict in the one
 * driver memory (driver-health.ts), the same one the probe writes, so the driver is skipped and `kyso doctor` names
 * it until the driver file changes (or drivers.json is deleted).
 *
 * What a marker holds: the process id, when the machine booted, and per driver its real path, file size and
 * modification time, and the kind of work ('listing' / 'session'). Never a PIN, a certificate or a document.
 * Cost: rewritten in place (one file per process, kept open: one pwrite, padded, no file created or removed)
 * when the host enters a driver with no other work in it and when it leaves — twice per listing and twice per
 * signing session however many signatures a batch makes; ~25 µs of CPU each pair (docs/tokens.md).
 *
 * Only the host writes markers (enableDriverCallMarkers). A CLI stopped with Ctrl-C inside a driver would leave
 * one that looks like a crash. Any process reads them (doctor names a crash of the host).
 */
import { closeSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { uptime } from 'node:os';
import { dirname, join } from 'node:path';
import { driverHealthFile, makeDirectories } from './driver-health.js';

export type DriverWork = 'listing' | 'session';

interface MarkedDriver { readonly path: string; readonly size: number; readonly mtimeMs: number; readonly work: DriverWork }

interface MarkerFile { readonly pid: number; readonly bootedAt: number; readonly drivers: readonly MarkedDriver[] }

/** A driver named by the marker of a process that is gone: it was inside this driver when its process ended. */
export interface DriverLeftInCall extends MarkedDriver {
  readonly pid: number;
}

const PREFIX = 'in-driver-';
/** Boot times computed from uptime drift by the clock's adjustments: a marker from this boot is within this. */
const SAME_BOOT_TOLERANCE_S = 120;

const bootedAt = (): number => Math.round(Date.now() / 1000 - uptime());

/** The folder markers live in: the driver memory's (KYSO_STATE_DIR or the per-user state folder). */
export function driverMarkerFolder(healthFile: string = driverHealthFile()): string {
  return dirname(healthFile);
}

export class DriverCallMarker {
  readonly #file: string;
  readonly #folder: string;
  readonly #inside = new Map<string, MarkedDriver>();
  /** File size and time of each driver, read once: the library loaded is the file as it was then. */
  readonly #identities = new Map<string, { size: number; mtimeMs: number }>();
  #fd: number | undefined;
  /** Bytes in the marker file (the longest text written, see #write). */
  #length = 0;

  constructor(folder: string = driverMarkerFolder()) {
    this.#folder = folder;
    this.#file = join(folder, `${PREFIX}${process.pid}.json`);
  }

  /** The host enters `path` with no other work in it. Never throws: a read-only state folder only loses the memory. */
  enter(path: string, work: DriverWork): void {
    let identity = this.#identities.get(path);
    if (!identity) {
      try {
        const s = statSync(path);
        identity = { size: s.size, mtimeMs: s.mtimeMs };
      } catch {
        return;
      }
      this.#identities.set(path, identity);
    }
    this.#inside.set(path, { path, ...identity, work });
    this.#write();
  }

  /** The host left `path` (the work ended, or was given up as hung). */
  leave(path: string): void {
    if (!this.#inside.delete(path)) return;
    this.#write();
  }

  /** The host ends itself (exit, or SIGKILL past a hung call): nothing it leaves behind is a driver's crash. */
  clear(): void {
    this.#inside.clear();
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
      unlinkSync(this.#file);
    } catch {
      // Already gone: nothing to remove.
    }
    this.#fd = undefined;
  }

  #write(): void {
    try {
      if (this.#fd === undefined) {
        if (this.#inside.size === 0) return;
        makeDirectories(this.#folder);
        this.#fd = openSync(this.#file, 'w', 0o600);
        this.#length = 0;
        // process.exit and a natural end run 'exit' listeners (synchronous): a planned end is not a crash.
        process.once('exit', () => this.clear());
      }
      const marker: MarkerFile = { pid: process.pid, bootedAt: bootedAt(), drivers: [...this.#inside.values()] };
      // Padded with spaces to the longest text written so far (JSON allows trailing white space): one pwrite
      // replaces the whole text, no ftruncate after it — which also cost ~30 µs per enter and per leave, four times
      // per signing request (docs/benchmarks.md "Eighth run: signDigests' fixed cost").
      // Padded in BYTES: a driver path with non-ASCII letters (a Vietnamese user folder) has more UTF-8 bytes than
      // characters, and padding characters to a byte length would grow the file at every write.
      const text = Buffer.from(JSON.stringify(marker));
      const bytes = text.length >= this.#length ? text : Buffer.concat([text, Buffer.alloc(this.#length - text.length, 0x20)]);
      writeSync(this.#fd, bytes, 0, bytes.length, 0);
      this.#length = bytes.length;
    } catch {
      // A read-only state folder: the crash memory is lost, nothing else.
    }
  }
}

let marker: DriverCallMarker | undefined;

/** Turn markers on for this process (the host); the folder is the driver memory's. */
export function enableDriverCallMarkers(folder?: string): void {
  marker ??= new DriverCallMarker(folder);
}

/** The marker of this process, when enabled (Pkcs11Module reports its work to it). */
export function driverCallMarker(): DriverCallMarker | undefined {
  return marker;
}

/** Whether process `pid` still runs (EPERM: it runs as another user). */
function running(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Markers left by processes that are gone, removed as they are read; each names the drivers its process was inside
 * when it ended. A marker from before the last boot (power cut, not a crash) is removed and not reported.
 */
export function takeDriversLeftInCall(folder: string = driverMarkerFolder()): DriverLeftInCall[] {
  let names: string[];
  try {
    names = readdirSync(folder).filter((n) => n.startsWith(PREFIX) && n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: DriverLeftInCall[] = [];
  for (const name of names) {
    const file = join(folder, name);
    let parsed: Partial<MarkerFile>;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<MarkerFile>;
    } catch {
      continue; // being written by its (running) process, or torn by a crash mid-write: nothing to go on
    }
    const pid = parsed.pid;
    if (typeof pid !== 'number' || running(pid)) continue;
    try {
      unlinkSync(file);
    } catch {
      continue; // another process took it first
    }
    if (typeof parsed.bootedAt !== 'number' || Math.abs(parsed.bootedAt - bootedAt()) > SAME_BOOT_TOLERANCE_S) continue;
    for (const d of Array.isArray(parsed.drivers) ? parsed.drivers : []) {
      if (typeof d?.path === 'string' && typeof d.size === 'number' && typeof d.mtimeMs === 'number' && (d.work === 'listing' || d.work === 'session')) {
        out.push({ pid, path: d.path, size: d.size, mtimeMs: d.mtimeMs, work: d.work });
      }
    }
  }
  return out;
}
