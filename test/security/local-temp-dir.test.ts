/**
 * Attack class: local temp files and symbolic links. Another local account (or malware running as a different
 * user) plants names in the shared temp dir where the host keeps uploads: a symlink that the host's orphan
 * cleanup would follow into a victim directory, a directory it does not own, or the host's own per-user dir
 * pre-created as a symlink or with loose permissions so documents land where the attacker can read them.
 *
 * Integration level, on the real file system (the test runs as root here, so it can chown a folder to another
 * user; where it cannot, that one test is skipped and says so).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocumentStore } from '../../native-host/documents/document-store.js';
import { documentsBaseDirectory } from '../../native-host/documents/private-temp-dir.js';

const uid = process.getuid!();
const isRoot = uid === 0;
/** A pid that cannot belong to a running process (above Linux's pid_max ceiling of 2^22). */
const DEAD_PID = 2147483646;

let base: string;
let victim: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'kyso-sec-tmp-'));
  victim = await mkdtemp(join(tmpdir(), 'kyso-sec-victim-'));
  await writeFile(join(victim, 'thesis.docx'), 'the only copy');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
  await rm(victim, { recursive: true, force: true });
});

const userDir = () => join(base, `kyso-${uid}`);

async function storeWithOneUpload(root: string): Promise<{ store: DocumentStore; path: string }> {
  const store = new DocumentStore({ root });
  const handle = await store.begin('pdf', 3, undefined);
  await store.chunk(handle, 0, new Uint8Array([1, 2, 3]));
  return { store, path: store.complete(handle).path };
}

describe('local temp files and symlinks', () => {
  it('temp files live in a per-user 0700 directory (owner checked, not a symlink), in a 0700 per-process dir, files 0600', async () => {
    const { store, path } = await storeWithOneUpload(base);
    expect(path.startsWith(userDir() + '/')).toBe(true);
    const info = await lstat(userDir());
    expect(info.isDirectory() && !info.isSymbolicLink()).toBe(true);
    expect(info.uid).toBe(uid);
    expect(info.mode & 0o777).toBe(0o700);
    expect((await stat(store.directory)).mode & 0o777).toBe(0o700);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await store.close();
  });

  it('uses $XDG_RUNTIME_DIR when it is set (a per-user tmpfs), else the OS temp dir', async () => {
    expect(documentsBaseDirectory({ XDG_RUNTIME_DIR: base })).toBe(base);
    expect(documentsBaseDirectory({})).toBe(tmpdir());
    expect(documentsBaseDirectory({ XDG_RUNTIME_DIR: 'relative/dir' })).toBe(tmpdir()); // not absolute: ignored
    const saved = process.env.XDG_RUNTIME_DIR;
    process.env.XDG_RUNTIME_DIR = base;
    try {
      const store = new DocumentStore();
      const handle = await store.begin('xml', 1, undefined);
      await store.chunk(handle, 0, new Uint8Array([60]));
      expect(store.complete(handle).path.startsWith(userDir() + '/')).toBe(true);
      await store.close();
    } finally {
      if (saved === undefined) delete process.env.XDG_RUNTIME_DIR; else process.env.XDG_RUNTIME_DIR = saved;
    }
  });

  it('a per-user dir planted as a symlink to a victim dir is refused: nothing is written there', async () => {
    await symlink(victim, userDir());
    const store = new DocumentStore({ root: base });
    await expect(store.begin('pdf', 3, undefined)).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(await readdir(victim)).toEqual(['thesis.docx']);
  });

  it('a per-user dir with loose permissions (group/other may enter) is refused', async () => {
    await mkdir(userDir());
    await chmod(userDir(), 0o777);
    const store = new DocumentStore({ root: base });
    await expect(store.begin('pdf', 3, undefined)).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
  });

  it.skipIf(!isRoot)('a per-user dir owned by another account is refused (needs root to chown)', async () => {
    await mkdir(userDir(), { mode: 0o700 });
    await chown(userDir(), 65534, 65534);
    const store = new DocumentStore({ root: base });
    await expect(store.begin('pdf', 3, undefined)).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
  });

  it('orphan cleanup does not follow a symlink planted among orphan folders: the victim\'s files survive', async () => {
    await mkdir(userDir(), { mode: 0o700 });
    await symlink(victim, join(userDir(), `docs-${DEAD_PID}-planted`));
    // And the old layout's name in the shared temp root, in case an old host's cleanup runs there.
    await symlink(victim, join(base, `kyso-docs-${DEAD_PID}-planted`));
    await mkdir(join(userDir(), `docs-${DEAD_PID}-real`), { mode: 0o700 });
    await writeFile(join(userDir(), `docs-${DEAD_PID}-real`, 'left.in'), 'x');
    const { store } = await storeWithOneUpload(base);
    expect(await readdir(victim)).toEqual(['thesis.docx']);
    const names = await readdir(userDir());
    expect(names).not.toContain(`docs-${DEAD_PID}-real`); // a real orphan dir of ours is still cleaned up
    await store.close();
    expect(await readdir(victim)).toEqual(['thesis.docx']);
  });

  it('orphan cleanup does not follow symlinks inside an orphan folder either', async () => {
    await mkdir(join(userDir(), `docs-${DEAD_PID}-real`), { recursive: true, mode: 0o700 });
    await symlink(victim, join(userDir(), `docs-${DEAD_PID}-real`, 'escape'));
    const { store } = await storeWithOneUpload(base);
    expect(await readdir(victim)).toEqual(['thesis.docx']);
    await store.close();
  });

  it.skipIf(!isRoot)('an orphan-looking directory not owned by this user is not removed (needs root to chown)', async () => {
    await mkdir(userDir(), { mode: 0o700 });
    const foreign = join(userDir(), `docs-${DEAD_PID}-foreign`);
    await mkdir(foreign);
    await writeFile(join(foreign, 'theirs.in'), 'y');
    await chown(foreign, 65534, 65534);
    const { store } = await storeWithOneUpload(base);
    expect(await readdir(foreign)).toEqual(['theirs.in']);
    await store.close();
  });

  it('a directory of a host still running is kept', async () => {
    await mkdir(join(userDir(), `docs-${process.ppid}-alive`), { recursive: true, mode: 0o700 });
    const { store } = await storeWithOneUpload(base);
    expect(await readdir(userDir())).toContain(`docs-${process.ppid}-alive`);
    await store.close();
  });
});
