/**
 * Where the host keeps documents on disk: a directory only this user can enter, never a name in a shared temp
 * dir that another local account could have planted first (a symlink to somewhere else, a directory it owns,
 * loose permissions). Layout: `<base>/kyso-<uid>/docs-<pid>-XXXXXX/`, base = $XDG_RUNTIME_DIR when set (per user,
 * 0700, usually a tmpfs cleared at logout [XDG Base Directory Specification]) else the OS temp dir.
 *
 * Every check uses lstat (a symlink is never followed) and is repeated on each use, so a directory replaced
 * after the first check is still caught before a file is created in it.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { KysoError } from '../../shared/errors/kyso-error.js';

/** Per-process document dirs inside the per-user dir: `docs-<pid>-<random>`. */
export const PROCESS_DIR_PREFIX = 'docs-';

/** $XDG_RUNTIME_DIR when set to an absolute path, else the OS temp dir. */
export function documentsBaseDirectory(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime && isAbsolute(runtime) ? runtime : tmpdir();
}

/**
 * `<base>/kyso-<uid>`, created 0700 when missing, then checked: a real directory (not a symlink), owned by this
 * user, no access for group or others. Anything else → INTERNAL_ERROR (the host refuses to store documents
 * rather than write them where someone else can reach them).
 */
export function ensurePrivateUserDirectory(base: string): string {
  const uid = process.getuid?.();
  const dir = join(base, `kyso-${uid ?? 'user'}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o700); // the umask may have taken bits away; we just made it, it is ours
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new KysoError('INTERNAL_ERROR', { reason: 'cannot create the private temp directory' });
  }
  assertPrivateDirectory(dir, uid);
  return dir;
}

export function assertPrivateDirectory(dir: string, uid = process.getuid?.()): void {
  let info;
  try { info = lstatSync(dir); } catch { throw new KysoError('INTERNAL_ERROR', { reason: 'private temp directory vanished' }); }
  if (!info.isDirectory()) throw new KysoError('INTERNAL_ERROR', { reason: 'private temp directory is not a directory (symlink?)' });
  if (uid !== undefined && (info.uid !== uid || (info.mode & 0o077) !== 0)) {
    throw new KysoError('INTERNAL_ERROR', { reason: 'private temp directory is not private to this user' });
  }
}

/**
 * Remove the dirs of hosts that crashed: name `docs-<pid>-…` whose pid is gone, a REAL directory (lstat: a
 * symlink is skipped, not followed) owned by this user. `rmSync` removes what is inside without following
 * symlinks either [Node fs.rm].
 */
export function removeOrphanDirectories(userDir: string): void {
  let names: string[];
  try { names = readdirSync(userDir); } catch { return; }
  const uid = process.getuid?.();
  const pattern = new RegExp(`^${PROCESS_DIR_PREFIX}(\\d+)-`);
  for (const name of names) {
    const match = pattern.exec(name);
    const pid = Number(match?.[1]);
    if (!match || pid === process.pid) continue;
    const path = join(userDir, name);
    try {
      const info = lstatSync(path);
      if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) continue;
      process.kill(pid, 0); // throws ESRCH when no such process
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') rmSync(path, { recursive: true, force: true });
    }
  }
}

/**
 * Called once when the host starts: the document dirs of hosts that were killed (SIGKILL, crash, the browser
 * killed) are removed now, not only when this host first stores a document — a person who never uploads again
 * must not keep a dead host's uploads on disk. Only inside a per-user dir that passes the privacy check; nothing
 * is created here (a host that never stores a document leaves no trace).
 */
export function removeDeadHostDirectories(base: string = documentsBaseDirectory()): void {
  const dir = join(base, `kyso-${process.getuid?.() ?? 'user'}`);
  try { assertPrivateDirectory(dir); } catch { return; }
  removeOrphanDirectories(dir);
}
