/**
 * The small file steps of signing (open, write, fsync, close, rename, stat… of a small output or a history record),
 * either through node's thread pool (fs/promises: the default, the host) or as direct system calls on the calling
 * thread (a `kyso sign-*` batch: `useDirectFileSteps`).
 *
 * Why two ways: each fs/promises call is a round trip to a pool thread — a queue, a wake-up of that thread, a
 * wake-up of the event loop and a promise — about 50–90 µs of CPU beyond the system call itself on this machine,
 * and a small file's signing makes 15–20 of them (issue 14, docs/benchmarks.md "Seventh run: batch overhead").
 * The host serves several requests at once and must not block its event loop on a slow disk; the CLI signs one
 * file after another in a process that serves nothing else, so its event loop has nothing to do while it waits.
 * The durability steps are the same either way (fsync is fsync): only who waits for them changes.
 *
 * Every function returns a promise either way, and a failure is a rejection carrying the same errno `code`
 * (ENOENT, ENOSPC…), so callers are written once.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';

let direct = false;

/** Make the small file steps direct system calls, for the rest of this process (the CLI's batches only). */
export function useDirectFileSteps(): void {
  direct = true;
}

/** The part of a FileHandle the small steps use; a FileHandle is one. */
export interface SmallFile {
  write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesWritten: number }>;
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }>;
  stat(): Promise<fs.Stats>;
  sync(): Promise<void>;
  /** fdatasync: a large copy's data flushed while other work runs (formats/pdf/early-copy.ts). */
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  /** fchmod: through the open file, never by a name another account could have pointed elsewhere. */
  chmod(mode: number): Promise<void>;
  close(): Promise<void>;
}

/** Run a synchronous step and hand back its result, or its error, as a promise. */
function settled<T>(step: () => T): Promise<T> {
  try {
    return Promise.resolve(step());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Reads and writes up to this size are direct; larger ones (the 1 MiB windows of a large PDF's copy, which overlaps
 * reading, hashing and writing: formats/pdf/copy-input.ts) still go to the thread pool, where their round trip is
 * small next to the transfer and the overlap saves wall time.
 */
const DIRECT_TRANSFER_BYTES = 256 * 1024;

/** A descriptor used through direct system calls; closed once (a second close is a no-op, as for a FileHandle). */
class DirectFile implements SmallFile {
  #fd: number;
  constructor(fd: number) {
    this.#fd = fd;
  }
  write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesWritten: number }> {
    if (length > DIRECT_TRANSFER_BYTES) {
      return new Promise((resolve, reject) => fs.write(this.#fd, buffer, offset, length, position, (error, bytesWritten) => (error ? reject(error) : resolve({ bytesWritten }))));
    }
    return settled(() => ({ bytesWritten: fs.writeSync(this.#fd, buffer, offset, length, position) }));
  }
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }> {
    if (length > DIRECT_TRANSFER_BYTES) {
      return new Promise((resolve, reject) => fs.read(this.#fd, buffer, offset, length, position, (error, bytesRead) => (error ? reject(error) : resolve({ bytesRead }))));
    }
    return settled(() => ({ bytesRead: fs.readSync(this.#fd, buffer, offset, length, position) }));
  }
  stat(): Promise<fs.Stats> {
    return settled(() => fs.fstatSync(this.#fd));
  }
  sync(): Promise<void> {
    return settled(() => fs.fsyncSync(this.#fd));
  }
  /** Always on the thread pool: it flushes a large copy while the token logs in, which is the point of calling it. */
  datasync(): Promise<void> {
    return new Promise((resolve, reject) => fs.fdatasync(this.#fd, (error) => (error ? reject(error) : resolve())));
  }
  chmod(mode: number): Promise<void> {
    return settled(() => fs.fchmodSync(this.#fd, mode));
  }
  truncate(length: number): Promise<void> {
    return settled(() => fs.ftruncateSync(this.#fd, length));
  }
  close(): Promise<void> {
    const fd = this.#fd;
    if (fd < 0) return Promise.resolve();
    this.#fd = -1;
    return settled(() => fs.closeSync(fd));
  }
}

/** `flags` as Node takes them: a string ('r+') or the O_* bits (for O_NOFOLLOW). */
export function openFile(path: string, flags: string | number, mode?: number): Promise<SmallFile> {
  return direct ? settled(() => new DirectFile(fs.openSync(path, flags, mode))) : fsp.open(path, flags, mode);
}

export function statPath(path: string): Promise<fs.Stats> {
  return direct ? settled(() => fs.statSync(path)) : fsp.stat(path);
}

/**
 * undefined when nothing is at `path` (ENOENT, ENOTDIR). Direct, a missing file is answered without an exception:
 * building the errno exception (its stack included) cost more than the stat (a batch asks for every output).
 */
export function statIfExists(path: string): Promise<fs.Stats | undefined> {
  const missing = (error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  };
  // throwIfNoEntry covers ENOENT only; ENOTDIR (a file where a folder is named) is answered as the pool's is.
  if (direct) return settled(() => fs.statSync(path, { throwIfNoEntry: false })).catch(missing);
  return fsp.stat(path).catch(missing);
}

export function renamePath(from: string, to: string): Promise<void> {
  return direct ? settled(() => fs.renameSync(from, to)) : fsp.rename(from, to);
}

export function unlinkPath(path: string): Promise<void> {
  return direct ? settled(() => fs.unlinkSync(path)) : fsp.unlink(path);
}

export function linkPath(existing: string, name: string): Promise<void> {
  return direct ? settled(() => fs.linkSync(existing, name)) : fsp.link(existing, name);
}

export function setTimes(path: string, time: Date): Promise<void> {
  return direct ? settled(() => fs.utimesSync(path, time, time)) : fsp.utimes(path, time, time);
}

export function listFolder(path: string): Promise<string[]> {
  return direct ? settled(() => fs.readdirSync(path)) : fsp.readdir(path);
}

/** The whole file. */
export function readWholeFile(path: string): Promise<Buffer> {
  return direct ? settled(() => fs.readFileSync(path)) : fsp.readFile(path);
}
